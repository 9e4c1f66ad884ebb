import { createHash } from 'node:crypto';
import { suomifiDesignTokens as t } from 'suomifi-design-tokens';

const c = t.colors;
const s = t.spacing;

/**
 * The operator page's stylesheet, built from DVV's Suomi.fi design tokens
 * (colours, type scale, spacing, focus ring), so it looks like the other
 * public-sector tools operators use. Inlined in each page and allowed by its
 * hash in the Content-Security-Policy: no other style can run.
 */
export const STYLESHEET = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: ${c.depthLight3}; color: ${c.blackBase}; ${t.typography.bodyTextSmall} }
a { color: ${c.highlightBase}; }
a:hover { color: ${c.highlightDark1}; }
a:focus, button:focus, input:focus, select:focus { ${t.focuses.boxShadowFocus} }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: ${s.s}; top: ${s.s}; background: ${c.whiteBase}; padding: ${s.xs}; z-index: 10; }
header.bar { background: ${c.brandBase}; color: ${c.whiteBase}; padding: ${s.s} ${s.xl}; display: flex; align-items: baseline; gap: ${s.m}; flex-wrap: wrap; }
header.bar a { color: ${c.whiteBase}; text-decoration: none; ${t.typography.heading4} }
header.bar .sub { color: ${c.highlightLight2}; }
header.bar .who { margin-left: auto; color: ${c.highlightLight2}; }
main { max-width: 1280px; margin: 0 auto; padding: ${s.l} ${s.xl} ${s.xxxl}; }
h1 { ${t.typography.heading1} margin: ${s.xs} 0 ${s.xxs}; color: ${c.brandBase}; }
h2 { ${t.typography.heading3} margin: ${s.xl} 0 ${s.s}; color: ${c.brandBase}; }
.lead { ${t.typography.leadText} margin: 0 0 ${s.m}; color: ${c.blackLight1}; }
.crumbs { margin: 0; }
.panel { background: ${c.whiteBase}; box-shadow: ${t.shadows.panelShadow}; border-radius: ${t.radiuses.basic}; padding: ${s.m}; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: ${s.s}; margin: ${s.m} 0; }
.tile { display: block; background: ${c.whiteBase}; box-shadow: ${t.shadows.panelShadow}; border-radius: ${t.radiuses.basic}; padding: ${s.s} ${s.m}; border-top: 6px solid ${c.depthBase}; text-decoration: none; color: ${c.blackBase}; }
.tile:hover { background: ${c.highlightLight4}; color: ${c.blackBase}; }
.tile .n { ${t.typography.heading1Hero} display: block; }
.tile .l { ${t.typography.bodySemiBoldSmall} }
.tile .d { color: ${c.blackLight1}; display: block; }
.tile.ok { border-color: ${c.successBase}; }
.tile.fix-by { border-color: ${c.warningBase}; }
.tile.overdue { border-color: ${c.alertBase}; }
.tile.all { border-color: ${c.brandBase}; }
.tile[aria-current] { outline: 3px solid ${c.highlightBase}; }
.cutoffs { display: flex; gap: ${s.m}; flex-wrap: wrap; margin: 0; padding: 0; list-style: none; color: ${c.blackLight1}; }
form.filters { display: flex; gap: ${s.m}; align-items: flex-end; flex-wrap: wrap; margin: ${s.m} 0; }
form.filters label { display: flex; flex-direction: column; ${t.typography.bodySemiBoldSmall} }
input, select { ${t.typography.actionElementInnerText} padding: ${s.insetM} ${s.insetL}; border: 1px solid ${c.depthDark3}; border-radius: ${t.radiuses.basic}; background: ${c.whiteBase}; min-height: 40px; }
button { ${t.typography.actionElementInnerTextBold} background: ${c.highlightBase}; color: ${c.whiteBase}; border: 0; border-radius: ${t.radiuses.basic}; padding: ${s.insetM} ${s.insetXxl}; min-height: 40px; cursor: pointer; }
button:hover { background: ${c.highlightDark1}; }
a.reset { align-self: center; }
table { width: 100%; border-collapse: collapse; background: ${c.whiteBase}; box-shadow: ${t.shadows.panelShadow}; }
caption { text-align: left; padding: ${s.xs} 0; color: ${c.blackLight1}; caption-side: top; }
th, td { text-align: left; vertical-align: top; padding: ${s.xs} ${s.s}; border-bottom: 1px solid ${c.depthLight2}; }
thead th { ${t.typography.bodySemiBoldSmall} background: ${c.highlightLight3}; color: ${c.brandBase}; }
tbody tr:hover { background: ${c.highlightLight4}; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.id { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: 14px; color: ${c.blackLight1}; word-break: break-all; }
.muted { color: ${c.blackLight1}; }
td .id, td .org { display: block; }
#clients td:first-child { min-width: 17em; }
#clients .id { word-break: normal; overflow-wrap: anywhere; }
.org { color: ${c.blackLight1}; }
.nowrap { white-space: nowrap; }
dl.details { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 0 ${s.xs}; font-size: 14px; }
dl.details dt { color: ${c.blackLight1}; }
dl.details dd { margin: 0; word-break: break-word; }
.badge { display: inline-block; ${t.typography.bodySemiBoldSmall} padding: 0 ${s.xs}; border-radius: 12px; white-space: nowrap; border: 1px solid transparent; }
.badge.ok { background: ${c.successSecondary}; color: ${c.successDark1}; }
.badge.notice { background: ${c.infoLight1}; color: ${c.brandBase}; border-color: ${c.infoBase}; }
.badge.warning { background: ${c.warningLight1}; color: ${c.blackBase}; border-color: ${c.warningBase}; }
.badge.urgent { background: ${c.accentBase}; color: ${c.whiteBase}; }
.badge.overdue { background: ${c.alertBase}; color: ${c.whiteBase}; }
.badge.open { background: ${c.highlightLight3}; color: ${c.brandBase}; }
.badge.closed { background: ${c.depthLight2}; color: ${c.blackLight1}; }
tr.status-overdue td:first-child { box-shadow: inset 5px 0 ${c.alertBase}; }
tr.status-urgent td:first-child { box-shadow: inset 5px 0 ${c.accentBase}; }
tr.status-warning td:first-child { box-shadow: inset 5px 0 ${c.warningBase}; }
tr.status-notice td:first-child { box-shadow: inset 5px 0 ${c.infoBase}; }
tr.status-ok td:first-child { box-shadow: inset 5px 0 ${c.successBase}; }
.reason { display: block; color: ${c.blackLight1}; }
.status-box { border-left: 6px solid ${c.depthBase}; }
.status-box.overdue { border-color: ${c.alertBase}; background: ${c.alertLight1}; }
.status-box.urgent { border-color: ${c.accentBase}; }
.status-box.warning { border-color: ${c.warningBase}; background: ${c.warningLight1}; }
.status-box.notice { border-color: ${c.infoBase}; background: ${c.infoLight1}; }
.status-box.ok { border-color: ${c.successBase}; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: ${s.xxs} ${s.m}; margin: 0; }
dl.facts dt { ${t.typography.bodySemiBoldSmall} }
dl.facts dd { margin: 0; }
pre { background: ${c.depthLight3}; padding: ${s.xs}; overflow-x: auto; white-space: pre-wrap; font-size: 14px; }
.empty { padding: ${s.m}; color: ${c.blackLight1}; }
.error { border-left: 6px solid ${c.alertBase}; background: ${c.alertLight1}; }
footer { max-width: 1280px; margin: 0 auto; padding: 0 ${s.xl} ${s.xl}; color: ${c.blackLight1}; }
@media print { header.bar, form.filters, .skip { display: none; } body { background: none; } }
`;

/** For the Content-Security-Policy's style-src. */
export const STYLESHEET_HASH = `'sha256-${createHash('sha256').update(STYLESHEET).digest('base64')}'`;
