import { html, raw, type SafeHtml } from '../../http/html';
import { STYLESHEET } from '../../http/stylesheet';

/** The frame every operator page shares: Suomi.fi-style header bar, main, footer. */
export function layout(p: { title: string; operator: string; body: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${p.title} · VTJ gateway operators</title>
<style>${raw(STYLESHEET)}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="bar">
  <a href="/ops/">VTJ notification gateway</a>
  <span class="sub">Migration registry · Digital and Population Data Services Agency</span>
  <span class="who">Operator: <strong>${p.operator}</strong></span>
</header>
<main id="main">
${p.body}
</main>
<footer>
  Times are Helsinki time. This page only reads; make changes with the operator API
  (<a href="/v1/openapi.json">OpenAPI</a>) or <code>npx vtj-gateway</code>, both of which keep an audit trail.
</footer>
</body>
</html>
`.value;
}
