import { html, type SafeHtml } from '../../http/html';
import type { OutboxEntryView } from '../views';
import { layout } from './layout';

export interface OutboxSummary {
  register: { kind: 'embedded' | 'remote'; breaker: string };
  /** How many wait, counted in the database (the lists below show the oldest only). */
  counts: { needsAttention: number; pending: number };
}

export interface OutboxPageView extends OutboxSummary {
  operator: string;
  needsAttention: OutboxEntryView[];
  pending: OutboxEntryView[];
}

/** One line for the dashboard: where the register stands and whether anything waits for an operator. */
export function outboxPanel(v: OutboxSummary): SafeHtml {
  const n = v.counts.needsAttention;
  return html`<p class="panel ${n > 0 || v.register.breaker !== 'closed' ? 'error' : ''}" id="outbox-summary">
<strong>Register</strong>: ${v.register.kind}, circuit ${v.register.breaker}.
<a href="/ops/outbox">${n} ${n === 1 ? 'notification needs' : 'notifications need'} attention</a>, ${v.counts.pending} pending.</p>`;
}

/**
 * `/ops/outbox`: notifications the register has not taken. Read-only, like
 * every operator page (no scripts, no forms that change anything): the
 * actions are the operator API's and the CLI's, named beside each row.
 */
export function outboxPage(v: OutboxPageView): string {
  const rows = (entries: OutboxEntryView[], total: number, caption: string, id: string) =>
    entries.length === 0
      ? html`<p class="panel empty" id="${id}">${caption}: none.</p>`
      : html`<table id="${id}"><caption>${caption}, oldest first${entries.length < total ? ` (the oldest ${entries.length} of ${total})` : ''}</caption>
<thead><tr><th scope="col">Client</th><th scope="col">Notification</th><th scope="col">Kind</th><th scope="col">Received</th><th scope="col" class="num">Attempts</th><th scope="col">Last error</th><th scope="col">Next attempt</th></tr></thead>
<tbody>${entries.map(
          (e) => html`<tr data-notification="${e.notificationId}">
<td><a href="/ops/clients/${encodeURIComponent(e.clientId)}">${e.clientId}</a></td>
<td>${e.notificationId}<span class="reason">${e.channel}</span></td>
<td>${e.kind}</td>
<td class="nowrap">${e.receivedAt.slice(0, 19).replace('T', ' ')} UTC</td>
<td class="num">${e.attempts}</td>
<td>${e.lastError ?? html`<span class="muted">—</span>`}</td>
<td>${e.needsAttentionSince ? html`<span class="badge urgent">needs attention</span><span class="reason">npx vtj-gateway outbox retry|withdraw ${e.clientId} ${e.notificationId}</span>` : (e.nextAttemptAt?.slice(0, 19).replace('T', ' ') ?? 'now')}</td>
</tr>`,
        )}</tbody></table>`;
  const body = html`<h1>Outbox</h1>
${outboxPanel(v)}
<p class="lead">Notifications received but not yet answered by the population register. To their clients they are pending;
the outbox tries them again with growing pauses, and after the last attempt leaves them to an operator:
<code>POST /ops/outbox/{clientId}/{notificationId}/retry</code> or <code>…/withdraw</code>, or the same with
<code>npx vtj-gateway outbox</code>. After an outage, <code>POST /ops/outbox/retry</code> (or
<code>npx vtj-gateway outbox retry --all</code>) retries every one needing attention.</p>
${rows(v.needsAttention, v.counts.needsAttention, 'Needing attention', 'attention')}
${rows(v.pending, v.counts.pending, 'Still tried by the outbox', 'pending')}
<p><a href="/ops/">Back to all clients</a></p>`;
  return layout({ title: 'Outbox', operator: v.operator, body });
}
