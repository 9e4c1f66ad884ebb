import {
  AUDIT_CHANNELS,
  AUDIT_OPERATIONS,
  type AuditCursor,
  type AuditFilter,
  type AuditOperation,
  searchablePerson,
} from '../core/audit/audit-record';
import type { AuditTrail } from '../core/audit/audit-trail';
import { type FieldError, type FieldErrorCode, validationFailed } from '../core/errors';
import { helsinkiInstant, isCalendarDate } from '../core/time/helsinki';
import { auditEntryView } from './views';

export const AUDIT_LIMIT = { default: 100, max: 1000 } as const;

/** The filters of GET /ops/audit and `vtj-gateway audit list`, by their query parameter names. */
export const AUDIT_PARAMETERS = [
  'client',
  'from',
  'to',
  'outcome',
  'notificationId',
  'channel',
  'operation',
  'person',
  'userId',
  'limit',
  'cursor',
] as const;
export type AuditParameters = Partial<Record<(typeof AUDIT_PARAMETERS)[number], unknown>>;

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The audit trail's filters, checked: every bad parameter named at once with
 * its reason (VALIDATION_FAILED), an unknown one too (a mistyped filter would
 * otherwise widen the search unnoticed). Never echoes a value: `person` is a
 * personal identity code.
 */
export function auditFilter(query: Readonly<Record<string, unknown>>): AuditFilter {
  const errors: FieldError[] = [];
  const bad = (field: string, code: FieldErrorCode, message: string) => {
    errors.push({ field, code, message });
    return undefined;
  };
  for (const name of Object.keys(query)) {
    if (!(AUDIT_PARAMETERS as readonly string[]).includes(name)) {
      bad(
        name,
        'UNKNOWN_FIELD',
        `is not a filter of the audit trail; the filters: ${AUDIT_PARAMETERS.join(', ')}`,
      );
    }
  }
  const text = (name: (typeof AUDIT_PARAMETERS)[number], max: number): string | undefined => {
    const v = query[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') return bad(name, 'INVALID_VALUE', 'must be given once');
    if (v.length > max) return bad(name, 'OUT_OF_RANGE', `must be at most ${max} characters`);
    return v;
  };

  const from = instantOf(text('from', 40), 'from', bad);
  const to = instantOf(text('to', 40), 'to', bad);
  if (from && to && from >= to) bad('to', 'OUT_OF_RANGE', 'must be later than from');

  const outcome = text('outcome', 40)?.toUpperCase();
  if (outcome !== undefined && !/^[A-Z_]+$/.test(outcome)) {
    bad(
      'outcome',
      'INVALID_FORMAT',
      'must be an outcome code such as REGISTERED, PENDING or VALIDATION_FAILED',
    );
  }
  const channel = text('channel', 40);
  if (channel !== undefined && !AUDIT_CHANNELS.includes(channel)) {
    bad('channel', 'INVALID_VALUE', `must be one of ${AUDIT_CHANNELS.join(', ')}`);
  }
  const operation = text('operation', 40);
  if (operation !== undefined && !(AUDIT_OPERATIONS as readonly string[]).includes(operation)) {
    bad('operation', 'INVALID_VALUE', `must be one of ${AUDIT_OPERATIONS.join(', ')}`);
  }
  let person = text('person', 40);
  if (person !== undefined) {
    const found = searchablePerson(person);
    if (found.ok) person = found.key;
    else bad('person', found.code as FieldErrorCode, `must be a personal identity code: ${found.message}`);
  }
  const limitText = text('limit', 10);
  let limit: number = AUDIT_LIMIT.default;
  if (limitText !== undefined) {
    limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > AUDIT_LIMIT.max) {
      bad('limit', 'OUT_OF_RANGE', `must be a whole number from 1 to ${AUDIT_LIMIT.max}`);
    }
  }
  const cursorText = text('cursor', 200);
  const after = cursorText === undefined ? undefined : decodeCursor(cursorText);
  if (cursorText !== undefined && !after) {
    bad('cursor', 'INVALID_FORMAT', 'must be the nextCursor of an earlier page, as it was given');
  }
  const client = text('client', 255);
  const notificationId = text('notificationId', 200);
  const userId = text('userId', 200);

  if (errors.length > 0) throw validationFailed(errors);
  return {
    limit,
    ...(client !== undefined && { clientId: client }),
    ...(from && { from }),
    ...(to && { to }),
    ...(outcome !== undefined && { outcome }),
    ...(notificationId !== undefined && { notificationId }),
    ...(channel !== undefined && { channel }),
    ...(operation !== undefined && { operation: operation as AuditOperation }),
    ...(person !== undefined && { person }),
    ...(userId !== undefined && { userId }),
    ...(after && { after }),
  };
}

/** An instant with its offset, or a date: from the start of that Helsinki day (`to`: to its end). */
function instantOf(
  raw: string | undefined,
  name: 'from' | 'to',
  bad: (field: string, code: FieldErrorCode, message: string) => undefined,
): Date | undefined {
  if (raw === undefined) return undefined;
  // The trail is from this century; years the database or Helsinki time cannot place are no search.
  const year = Number(raw.slice(0, 4));
  if (/^\d{4}-/.test(raw) && (year < 1900 || year > 9998)) {
    return bad(name, 'OUT_OF_RANGE', 'must be within the years 1900–9998');
  }
  if (isCalendarDate(raw)) {
    if (name === 'from') return helsinkiInstant(raw);
    const next = new Date(`${raw}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    return helsinkiInstant(next.toISOString().slice(0, 10));
  }
  const t = Date.parse(raw);
  if (!INSTANT.test(raw) || Number.isNaN(t)) {
    return bad(
      name,
      'INVALID_DATE',
      'must be a date YYYY-MM-DD (Europe/Helsinki) or an instant with its offset, e.g. 2026-11-23T12:00:00+02:00',
    );
  }
  return new Date(t);
}

/** Where the next page starts, as one opaque token: the last row's time and id. */
export function encodeCursor(c: AuditCursor): string {
  return Buffer.from(`${c.at.toISOString()}|${c.id}`).toString('base64url');
}

function decodeCursor(token: string): AuditCursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(\d{1,18})$/.exec(
    Buffer.from(token, 'base64url').toString('utf8'),
  );
  const at = m ? new Date(m[1] as string) : undefined;
  return m && at && !Number.isNaN(at.getTime()) ? { at, id: m[2] as string } : undefined;
}

/** A page of the notification audit trail as GET /ops/audit and `vtj-gateway audit list --json` show it. */
export async function auditPage(audit: Pick<AuditTrail, 'list'>, query: Readonly<Record<string, unknown>>) {
  const page = await audit.list(auditFilter(query));
  return { entries: page.entries.map(auditEntryView), nextCursor: page.next && encodeCursor(page.next) };
}
