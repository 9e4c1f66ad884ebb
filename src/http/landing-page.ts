import type { Channel } from '../core/clients/client';
import { CHANNEL_PLACES } from './channel-names';
import { html, raw } from './html';
import { STYLESHEET } from './stylesheet';

const contractLink = (channel: Channel) => {
  const { contract } = CHANNEL_PLACES[channel];
  return html`<a href="${contract}">${contract}</a>`;
};

/** `GET /`: what this is, and where everything is. Static: the same for every visitor, no personal data. */
export const LANDING_PAGE = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>VTJ notification gateway</title>
<style>${raw(STYLESHEET)}</style>
</head>
<body>
<header class="bar"><a href="/">VTJ notification gateway</a>
  <span class="sub">Digital and Population Data Services Agency</span></header>
<main id="main">
<h1>VTJ notification gateway</h1>
<p class="lead">Health-care units notify the Population Information System (VTJ) of births and deaths here.
A registered birth answers at once with the child's new personal identity code.</p>
<h2>Interfaces</h2>
<ul>
  <li><strong>REST</strong> (JSON, for every client): <code>POST /v1/births</code>, <code>POST /v1/deaths</code>,
    <code>GET /v1/notifications/{notificationId}</code>. Contract: ${contractLink('rest')}
    (OpenAPI 3.1).</li>
  <li><strong>SOAP v2</strong> (migration period): ${contractLink('soap-v2')}</li>
  <li><strong>Legacy SOAP</strong> (migration period): ${contractLink('legacy-soap')}</li>
  <li>Many at once (batch runs, a backlog after an outage): <code>POST /v1/batches</code>, each item
    answered as its own REST request.</li>
  <li>Moving from SOAP to REST: <code>POST /v1/migration/translate</code> turns a SOAP request into the REST
    request that does the same.</li>
</ul>
<p>Every call names its X-Road client (REST: the <code>X-Road-Client</code> header). Errors have stable codes,
each explained at <code>/problems/{code}</code>, for example
<a href="/problems/VALIDATION_FAILED">/problems/VALIDATION_FAILED</a>.</p>
<h2>Operators</h2>
<ul>
  <li>The migration registry: <a href="/ops/">/ops/</a> (log in with the operator token as password)
    and the operator API under <code>/ops/</code></li>
  <li>Health: <a href="/healthz">/healthz</a> (alive), <a href="/readyz">/readyz</a> (database reachable and
    migrated); metrics: <a href="/metrics">/metrics</a> (Prometheus)</li>
</ul>
</main>
</body>
</html>
`.value;
