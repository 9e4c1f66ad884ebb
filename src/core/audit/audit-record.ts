import { CHANNELS } from '../clients/client';
import { parseHetu } from '../hetu/hetu';

/** The channels of the trail: the interfaces, and `batch` for the items of batch requests (REST's rules). */
export const AUDIT_CHANNELS: readonly string[] = [...CHANNELS, 'batch'];

export type AuditOperation = 'birth' | 'death' | 'status';
export const AUDIT_OPERATIONS: readonly AuditOperation[] = ['birth', 'death', 'status'];

/**
 * One notification request as it ended, as the request pipeline reports it:
 * who asked what on which channel, and what they were answered. Its personal
 * identity codes are in clear here, in memory only: the audit trail hashes
 * them before anything is written.
 */
export interface AuditEvent {
  channel: string;
  /** Birth, death or status query; null when the request could not be read far enough to tell. */
  operation: AuditOperation | null;
  /** The identified client, or the client the request named when it was not identified (null: none). */
  clientId: string | null;
  clientIdentified: boolean;
  /** The X-Road message id (`X-Road-Id`, SOAP `xrd:id`). */
  xRoadId: string | null;
  /** The X-Road userId (`X-Road-UserId`, SOAP `xrd:userId`): often `FI` and a personal identity code. */
  userId: string | null;
  notificationId: string | null;
  /** REGISTERED, PENDING, REJECTED (a status query's answer), or the error code answered. */
  outcome: string;
  replayed: boolean;
  httpStatus: number;
  /** The personal identity codes involved (mother and child, the deceased), in clear. */
  persons: readonly string[];
}

/** An audit row as stored and shown: codes only as keyed hashes, caller-chosen text with codes masked. */
export interface AuditRecord extends Omit<AuditEvent, 'persons'> {
  id: string;
  at: Date;
  /** The userId with any part shaped like a personal identity code masked (`FI[hetu]`). */
  userId: string | null;
  /** HMAC of the whole userId: the same user gives the same hash. */
  userHash: string | null;
  /** HMAC of each person's code. */
  personHashes: string[];
}

export type NewAuditRecord = Omit<AuditRecord, 'id'>;

/** Where a page of the trail ends: the next page starts below it (newest first). */
export interface AuditCursor {
  at: Date;
  id: string;
}

/** What operators ask of the trail; every member narrows it. Newest first. */
export interface AuditFilter {
  clientId?: string;
  /** From this instant on (inclusive). */
  from?: Date;
  /** Before this instant (exclusive). */
  to?: Date;
  outcome?: string;
  notificationId?: string;
  channel?: string;
  operation?: AuditOperation;
  /** A personal identity code, in clear: the trail hashes it to search. */
  person?: string;
  /** An X-Road userId, in clear: hashed to search. */
  userId?: string;
  after?: AuditCursor;
  limit: number;
}

/** The same filter as the store sees it: hashes instead of codes. */
export type StoredAuditFilter = Omit<AuditFilter, 'person' | 'userId'> & {
  personHash?: string;
  userHash?: string;
};

const CODE_SHAPED = /\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/gi;
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;
/** Half a surrogate pair: no text the database can store (jsonb refuses it), so U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Caller-chosen text as the trail keeps it: control characters out, anything
 * shaped like a personal identity code masked (also glued to other
 * characters, as in `FI131052-308T`), cut at `max` characters.
 */
export function auditText(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  const clean = value
    .replace(CONTROL, ' ')
    .replace(LONE_SURROGATE, '\uFFFD')
    .trim()
    .replace(CODE_SHAPED, '[hetu]');
  if (clean === '') return null;
  const chars = [...clean];
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('')}…`;
}

/** A person's code as it is hashed: upper-case, trimmed; null when it is not shaped like a code at all. */
export function personKey(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const v = value.trim().toUpperCase();
  return /^\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]$/.test(v) ? v : null;
}

/** A valid personal identity code in the form it is hashed, or why it is not one. */
export function searchablePerson(
  value: string,
): { ok: true; key: string } | { ok: false; code: string; message: string } {
  const parsed = parseHetu(value.trim());
  return parsed.ok ? { ok: true, key: parsed.hetu.code } : parsed;
}

/** The personal identity codes a notification (as the core holds it, or as sent) names: mother, deceased. */
export function personsNamed(command: unknown): string[] {
  if (!command || typeof command !== 'object') return [];
  const c = command as Record<string, unknown>;
  const codeOf = (role: unknown) =>
    role && typeof role === 'object'
      ? personKey((role as Record<string, unknown>).personalIdentityCode)
      : null;
  return [codeOf(c.mother), codeOf(c.deceased)].filter((k): k is string => k !== null);
}
