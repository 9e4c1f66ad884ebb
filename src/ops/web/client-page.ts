import type { ChannelDecision } from '../../core/clients/channel-policy';
import { CHANNELS, type Client } from '../../core/clients/client';
import type { ClientOverview } from '../../core/clients/migration-overview';
import type { AuditEntry } from '../../core/clients/records';
import { helsinkiDate, helsinkiDateTime } from '../../core/time/helsinki';
import { html } from '../../http/html';
import { layout } from './layout';
import { ago, cutoffInWords, statusLabel, tone } from './presentation';

export interface ClientPageView {
  operator: string;
  overview: ClientOverview;
  decisions: Record<(typeof CHANNELS)[number], ChannelDecision>;
  trail: AuditEntry[];
  today: string;
  asOf: string | undefined;
}

/** `/ops/clients/{id}` in a browser: status, channels, usage by channel, exceptions, audit trail. */
export function clientPage(v: ClientPageView): string {
  const { client, status } = v.overview;
  const t = tone(status);
  const cutoff = cutoffInWords(v.overview, v.asOf ?? v.today);
  const body = html`
<p class="crumbs"><a href="/ops/">← All clients</a></p>
<h1>${client.name}</h1>
<p class="lead">${client.organisation} · <span class="id">${client.id}</span></p>
<section class="panel status-box ${t}" aria-labelledby="status-h" id="status">
  <h2 id="status-h">Status${v.asOf ? ` on ${v.asOf} (what-if)` : ''}: <span class="badge ${t}">${statusLabel(status)}</span></h2>
  <p>${status.reason}</p>
  ${cutoff ? html`<p>Cut-off ${cutoff.date}: ${cutoff.words}.</p>` : ''}
  <dl class="facts">
    <dt>Kind</dt><dd>${client.kind === 'existing' ? 'existing (used the old SOAP interface)' : 'new (REST only)'}</dd>
    <dt>Sandbox</dt><dd>${client.sandbox ? 'yes: test persons only' : 'no'}</dd>
    <dt>Certificates</dt><dd>${client.certificateFingerprints.length === 0 ? html`<span class="muted">none registered</span>` : client.certificateFingerprints.map((f) => html`<span class="id">${f}</span> `)}</dd>
    <dt>Registered</dt><dd>${helsinkiDateTime(client.createdAt)}, last changed ${helsinkiDateTime(client.updatedAt)}</dd>
  </dl>
</section>

<h2 id="channels-h">Channels and usage</h2>
${channelTable(v)}

<h2 id="exceptions-h">Exceptions</h2>
${exceptionTable(client)}

<h2 id="audit-h">Audit trail</h2>
${auditTable(v.trail)}`;
  return layout({ title: client.name, operator: v.operator, body });
}

function channelTable(v: ClientPageView) {
  return html`<table id="usage" aria-labelledby="channels-h">
<caption>Calls in the last 30 days; the effective cut-off includes open exceptions.</caption>
<thead><tr><th scope="col">Channel</th><th scope="col">Open to the client now</th><th scope="col">Effective cut-off</th><th scope="col" class="num" title="calls the interface was open to, whatever became of the notification">Allowed</th><th scope="col" class="num" title="calls the interface refused: retired, not allowed, or a certificate not the client’s">Refused</th><th scope="col">First seen</th><th scope="col">Last seen</th></tr></thead>
<tbody>
${CHANNELS.map((ch) => {
  const u = v.overview.usage.find((x) => x.channel === ch);
  const d = v.decisions[ch];
  const cutoff = ch === 'rest' ? null : v.overview.cutoffs[ch];
  return html`<tr data-channel="${ch}">
<th scope="row">${ch}</th>
<td>${d.allowed ? html`<span class="badge ok">open</span>` : html`<span class="badge overdue">${d.code === 'CHANNEL_RETIRED' ? 'retired' : 'not allowed'}</span>`}</td>
<td>${ch === 'rest' ? html`<span class="muted">no cut-off</span>` : (cutoff ?? html`<span class="muted">never open</span>`)}</td>
<td class="num">${u?.accepted ?? 0}</td>
<td class="num">${u?.refused ?? 0}</td>
<td>${u ? helsinkiDateTime(u.firstSeen) : html`<span class="muted">—</span>`}</td>
<td>${u ? html`${helsinkiDateTime(u.lastSeen)} <span class="muted">(${ago(u.lastSeen, v.today)})</span>` : html`<span class="muted">—</span>`}</td>
</tr>`;
})}
</tbody>
</table>
${v.overview.lastSoapCall ? html`<p>Last SOAP call on record: ${helsinkiDate(v.overview.lastSoapCall.at)} on ${v.overview.lastSoapCall.channel}.</p>` : html`<p class="muted">No SOAP call on record.</p>`}`;
}

function exceptionTable(client: Client) {
  if (client.exceptions.length === 0) {
    return html`<p class="panel empty" id="exceptions">No exceptions: the default cut-offs apply.
    Grant one with <code>npx vtj-gateway exceptions grant ${client.id} --channel soap-v2 --until YYYY-MM-DD --reason "…"</code>.</p>`;
  }
  return html`<table id="exceptions" aria-labelledby="exceptions-h">
<thead><tr><th scope="col">Channel</th><th scope="col">Until</th><th scope="col">Reason</th><th scope="col">Granted</th><th scope="col">State</th></tr></thead>
<tbody>
${client.exceptions.map(
  (e) => html`<tr>
<td>${e.channel}</td><td>${e.until}</td><td>${e.reason}</td>
<td>${helsinkiDateTime(e.grantedAt)} by ${e.grantedBy}</td>
<td>${e.revokedAt ? html`<span class="badge closed">revoked ${helsinkiDateTime(e.revokedAt)} by ${e.revokedBy ?? '?'}</span>` : html`<span class="badge open">open</span> <span class="id">${e.id}</span>`}</td>
</tr>`,
)}
</tbody>
</table>`;
}

function auditTable(trail: AuditEntry[]) {
  if (trail.length === 0) return html`<p class="panel empty" id="audit">No changes recorded.</p>`;
  return html`<table id="audit" aria-labelledby="audit-h">
<thead><tr><th scope="col">When</th><th scope="col">Operator</th><th scope="col">Action</th><th scope="col">Details</th></tr></thead>
<tbody>
${[...trail]
  .reverse()
  .map(
    (a) =>
      html`<tr><td>${helsinkiDateTime(a.at)}</td><td>${a.operator}</td><td>${a.action}</td><td>${details(a.details)}</td></tr>`,
  )}
</tbody>
</table>`;
}

/** An audit row's details as "key: value" lines; nested values as compact JSON. */
function details(d: Record<string, unknown>) {
  const entries = Object.entries(d);
  if (entries.length === 0) return html`<span class="muted">—</span>`;
  return html`<dl class="details">${entries.map(
    ([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'string' ? v : JSON.stringify(v)}</dd>`,
  )}</dl>`;
}
