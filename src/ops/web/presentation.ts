import type { ClientOverview } from '../../core/clients/migration-overview';
import type { MigrationStatus } from '../../core/clients/migration-status';
import { daysBetween, helsinkiDate } from '../../core/time/helsinki';

/** How a status looks: the colour (CSS class) and the words. */
export type Tone = 'ok' | 'notice' | 'warning' | 'urgent' | 'overdue';

export function tone(s: MigrationStatus): Tone {
  return s.status === 'fix-by' ? s.severity : s.status;
}

export function statusLabel(s: MigrationStatus): string {
  if (s.status === 'ok') return 'OK';
  if (s.status === 'overdue') return 'Overdue';
  return `Fix by ${s.fixBy}${s.severity === 'notice' ? '' : ` · ${s.severity}`}`;
}

/** Most pressing first: overdue, urgent, warning, notice, ok; then by fix-by date and name. */
export function byUrgency(a: ClientOverview, b: ClientOverview): number {
  const rank: Record<Tone, number> = { overdue: 0, urgent: 1, warning: 2, notice: 3, ok: 4 };
  const fixBy = (o: ClientOverview) => (o.status.status === 'fix-by' ? o.status.fixBy : '');
  return (
    rank[tone(a.status)] - rank[tone(b.status)] ||
    fixBy(a).localeCompare(fixBy(b)) ||
    a.client.name.localeCompare(b.client.name, 'fi')
  );
}

/**
 * The cut-off that matters for the client on `day`, in words: the one it must
 * fix by, the one it missed, or the last SOAP channel still open to it.
 */
export function cutoffInWords(o: ClientOverview, day: string): { date: string; words: string } | null {
  const s = o.status;
  if (s.status === 'fix-by') return { date: s.fixBy, words: `${days(daysBetween(day, s.fixBy))} left` };
  if (s.status === 'overdue') {
    const date = o.cutoffs[s.channel];
    return date ? { date, words: `${days(daysBetween(date, day))} ago` } : null;
  }
  const open = Object.entries(o.cutoffs)
    .filter((e): e is [string, string] => e[1] !== null && e[1] >= day)
    .sort((x, y) => y[1].localeCompare(x[1]))[0];
  return open ? { date: open[1], words: `${open[0]} open ${days(daysBetween(day, open[1]))} more` } : null;
}

export function days(n: number): string {
  return n === 1 ? '1 day' : `${n} days`;
}

/** "3 days ago" / "today" for a past instant, counted in Helsinki days from `today`. */
export function ago(d: Date, today: string): string {
  const n = daysBetween(helsinkiDate(d), today);
  return n <= 0 ? 'today' : n === 1 ? 'yesterday' : `${days(n)} ago`;
}
