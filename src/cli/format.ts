import type { MigrationStatus } from '../core/clients/migration-status';
import { daysBetween, helsinkiDate, helsinkiDateTime } from '../core/time/helsinki';
import type { AuditView, OverviewView } from '../ops/views';
import type { Style } from './table';

export const NONE = '–';

/** An ISO instant as "YYYY-MM-DD HH:MM" in Helsinki. */
export function helsinkiTime(iso: string | null | undefined): string {
  return iso ? helsinkiDateTime(new Date(iso)) : NONE;
}

/** An ISO instant as its Helsinki date. */
export function helsinkiDay(iso: string | null | undefined): string {
  return iso ? helsinkiDate(new Date(iso)) : NONE;
}

export function statusLabel(s: MigrationStatus): string {
  if (s.status === 'fix-by') return `fix-by ${s.fixBy} ${s.severity}`;
  if (s.status === 'overdue') return `overdue ${s.channel}`;
  return 'ok';
}

export function statusStyle(s: MigrationStatus): Style | undefined {
  if (s.status === 'ok') return 'green';
  if (s.status === 'overdue') return 'red';
  return s.severity === 'urgent' ? 'red' : s.severity === 'warning' ? 'yellow' : undefined;
}

/** Days from the day looked at to the cut-off the status is about (negative: past it); none when ok. */
export function daysToCutoff(o: OverviewView, day: string): string {
  const s = o.migration;
  if (s.status === 'ok') return NONE;
  const cutoff = s.status === 'fix-by' ? s.fixBy : s.cutoffs[s.channel];
  return cutoff ? String(daysBetween(day, cutoff)) : NONE;
}

/** The client's latest call, accepted or refused, on either SOAP interface, however long ago. */
export function lastSoapCall(o: OverviewView): string | null {
  return o.lastSoapCall?.at ?? null;
}

/** Exceptions neither revoked nor past their last day. */
export function openExceptions(
  o: { exceptions: { revokedAt: string | null; until: string }[] },
  today: string,
) {
  return o.exceptions.filter((e) => e.revokedAt === null && e.until >= today);
}

export function kindLabel(c: { kind: string; sandbox: boolean }): string {
  return c.sandbox ? `${c.kind}, sandbox` : c.kind;
}

/** An audit entry's details as `key=value` pairs (one level of nesting flattened). */
export function auditDetails(a: AuditView): string {
  const pairs: string[] = [];
  const add = (key: string, v: unknown) => {
    if (Array.isArray(v) && v.length === 0) return;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, inner] of Object.entries(v)) add(key ? `${key}.${k}` : k, inner);
      return;
    }
    const text = typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
    pairs.push(`${key}=${text}`);
  };
  add('', a.details);
  return pairs.join(' ');
}
