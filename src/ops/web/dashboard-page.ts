import type { ClientOverview } from '../../core/clients/migration-overview';
import type { migrationSummary } from '../../core/clients/migration-summary';
import { plural } from '../../core/plural';
import { daysBetween, helsinkiDate } from '../../core/time/helsinki';
import { html, type SafeHtml } from '../../http/html';
import { layout } from './layout';
import { ago, byUrgency, cutoffInWords, statusLabel, tone } from './presentation';

export const STATUS_FILTERS = ['ok', 'fix-by', 'overdue'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface DashboardView {
  operator: string;
  overview: ClientOverview[];
  summary: ReturnType<typeof migrationSummary>;
  /** Today in Helsinki. */
  today: string;
  /** The what-if date, when one was asked for. */
  asOf: string | undefined;
  status: StatusFilter | undefined;
  search: string | undefined;
  /** The register's state and the outbox, in one line (outbox-page.ts). */
  outbox: SafeHtml;
}

/** `/ops/`: counts per status, the cut-offs, filters and every client, most pressing first. */
export function dashboardPage(v: DashboardView): string {
  const day = v.asOf ?? v.today;
  const needle = v.search?.toLocaleLowerCase('fi');
  const shown = v.overview
    .filter((o) => !v.status || o.status.status === v.status)
    .filter(
      (o) =>
        !needle ||
        [o.client.id, o.client.name, o.client.organisation].some((f) =>
          f.toLocaleLowerCase('fi').includes(needle),
        ),
    )
    .sort(byUrgency);
  const link = (status?: StatusFilter) => query({ status, asOf: v.asOf, q: v.search });
  const fixBy = v.overview.filter((o) => o.status.status === 'fix-by');
  const urgent = fixBy.filter((o) => tone(o.status) === 'urgent').length;
  const warning = fixBy.filter((o) => tone(o.status) === 'warning').length;
  const tile = (cls: string, n: number, label: string, detail: string, status?: StatusFilter) =>
    html`<a class="tile ${cls}" href="/ops/${link(status)}" ${v.status === status ? html`aria-current="true"` : ''} data-status="${cls}">
      <span class="n">${n}</span><span class="l">${label}</span><span class="d">${detail}</span></a>`;

  const body = html`
<h1>SOAP migration</h1>
<p class="lead">${
    v.asOf
      ? html`What-if for <strong>${v.asOf}</strong>: each client's status then, if it keeps calling what it called in the last 30 days.`
      : html`Where every client stands today, ${v.today}.`
  }</p>
<ul class="cutoffs" aria-label="Cut-offs">${Object.entries(v.summary.cutoffs).map(([ch, iso]) => {
    const date = helsinkiDate(new Date(iso));
    const n = daysBetween(day, date);
    return html`<li><strong>${ch}</strong> cut-off ${date} (${n >= 0 ? `in ${n} days` : `${-n} days ago`})</li>`;
  })}</ul>
${v.outbox}
<nav class="tiles" aria-label="Clients by status" id="summary">
  ${tile('all', v.summary.clients, 'All clients', `${v.summary.byChannel.rest?.clients ?? 0} used REST in 30 days`)}
  ${tile('overdue', v.summary.byStatus.overdue, 'Overdue', 'past a cut-off and still calling', 'overdue')}
  ${tile('fix-by', v.summary.byStatus['fix-by'], 'Fix by', `${urgent} urgent, ${warning} warning`, 'fix-by')}
  ${tile('ok', v.summary.byStatus.ok, 'OK', 'no SOAP calls in 30 days', 'ok')}
</nav>
<form class="filters" method="get" action="/ops/" role="search">
  <label>Status
    <select name="status">
      <option value="">All</option>
      ${STATUS_FILTERS.map((s) => html`<option value="${s}" ${v.status === s ? 'selected' : ''}>${s}</option>`)}
    </select>
  </label>
  <label>Client, name or organisation <input type="search" name="q" value="${v.search ?? ''}"></label>
  <label>What-if date <input type="date" name="asOf" value="${v.asOf ?? ''}"></label>
  <button type="submit">Show</button>
  ${v.status || v.search || v.asOf ? html`<a class="reset" href="/ops/">Clear</a>` : ''}
</form>
${clientTable(shown, v, day)}`;
  return layout({ title: 'SOAP migration', operator: v.operator, body });
}

function clientTable(shown: ClientOverview[], v: DashboardView, day: string) {
  if (shown.length === 0)
    return html`<p class="panel empty" id="clients">No clients match these filters.</p>`;
  return html`<table id="clients">
<caption>${shown.length} of ${plural(v.overview.length, 'client')}${v.status ? `, status ${v.status}` : ''}, most pressing first</caption>
<thead><tr><th scope="col">Client</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Cut-off</th><th scope="col">Last SOAP call</th><th scope="col">Open exceptions</th><th scope="col" class="num">REST calls, 30 days</th></tr></thead>
<tbody>
${shown.map((o) => {
  const t = tone(o.status);
  const cutoff = cutoffInWords(o, day);
  const open = o.client.exceptions.filter((e) => !e.revokedAt && e.until >= v.today);
  const rest = o.usage.find((u) => u.channel === 'rest');
  return html`<tr class="status-${t}" data-client="${o.client.id}" data-status="${o.status.status}">
<td><a href="/ops/clients/${encodeURIComponent(o.client.id)}">${o.client.name}</a><span class="id">${o.client.id}</span><span class="org">${o.client.organisation}</span></td>
<td>${o.client.kind}${o.client.sandbox ? html`<br><span class="muted">sandbox</span>` : ''}</td>
<td><span class="badge ${t}">${statusLabel(o.status)}</span><span class="reason">${o.status.reason}</span></td>
<td>${cutoff ? html`<span class="nowrap">${cutoff.date}</span><span class="reason">${cutoff.words}</span>` : html`<span class="muted">—</span>`}</td>
<td>${o.lastSoapCall ? html`<span class="nowrap">${helsinkiDate(o.lastSoapCall.at)}</span><span class="reason">${o.lastSoapCall.channel}, ${ago(o.lastSoapCall.at, v.today)}</span>` : html`<span class="muted">never</span>`}</td>
<td>${open.length === 0 ? html`<span class="muted">none</span>` : open.map((e) => html`<span class="badge open">${e.channel} until ${e.until}</span> `)}</td>
<td class="num">${rest?.accepted ?? 0}</td>
</tr>`;
})}
</tbody>
</table>`;
}

function query(p: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, val] of Object.entries(p)) if (val) q.set(k, val);
  const s = q.toString();
  return s ? `?${s}` : '';
}
