import { createHash } from 'node:crypto';
import type { Notification } from './notification';

/**
 * A content fingerprint that does not depend on the channel: it is computed
 * from the validated, normalised notification (instants in UTC, optional
 * fields as null, keys sorted), so a SOAP retry of a REST notification — or a
 * REST retry with reordered JSON keys or another UTC offset — matches.
 */
export function fingerprint(n: Notification): string {
  return createHash('sha256').update(canonical(n)).digest('hex');
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`).join(',')}}`;
}
