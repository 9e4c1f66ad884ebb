import { type Hetu, parseHetu } from '../hetu/hetu';
import { isCalendarDate } from '../time/helsinki';
import type { FieldErrorCollector } from './field-errors';

/** Notification ids travel in URLs and SOAP elements: keep them to a safe, readable alphabet. */
export const NOTIFICATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
export const MUNICIPALITY_CODE_PATTERN = /^[0-9]{3}$/;
/** At most 128 characters, arcs of at most 20 digits: bounded, as everything a notification carries. */
export const OID_PATTERN = /^(?=.{1,128}$)[0-2](\.(0|[1-9][0-9]{0,19})){1,40}$/;

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

export function readNotificationId(errors: FieldErrorCollector, input: unknown): string | undefined {
  const id = errors.string(input, '', 'notificationId');
  if (id !== undefined && !NOTIFICATION_ID_PATTERN.test(id)) {
    errors.add(
      'notificationId',
      'INVALID_FORMAT',
      'must be 1–100 characters of letters, digits, ".", "_", ":" and "-", starting with a letter or digit',
    );
    return undefined;
  }
  return id;
}

export function readPersonalIdentityCode(
  errors: FieldErrorCollector,
  obj: unknown,
  path: string,
): Hetu | undefined {
  const raw = errors.string(obj, path, 'personalIdentityCode');
  if (raw === undefined) return undefined;
  const parsed = parseHetu(raw);
  if (!parsed.ok) {
    errors.add(`${path}.personalIdentityCode`, parsed.code, parsed.message);
    return undefined;
  }
  return parsed.hetu;
}

export function readMunicipalityCode(errors: FieldErrorCollector, obj: unknown, path: string, key: string) {
  const v = errors.string(obj, path, key);
  if (v !== undefined && !MUNICIPALITY_CODE_PATTERN.test(v)) {
    errors.add(`${path}.${key}`, 'INVALID_FORMAT', 'must be a three-digit municipality code, e.g. "091"');
    return undefined;
  }
  return v;
}

/** An RFC 3339 date-time with an explicit offset; returns the instant. */
export function readDateTime(
  errors: FieldErrorCollector,
  obj: unknown,
  path: string,
  key: string,
): Date | undefined {
  const v = errors.string(obj, path, key);
  if (v === undefined) return undefined;
  const field = `${path}.${key}`;
  const m = DATE_TIME.exec(v);
  if (!m) {
    errors.add(
      field,
      'INVALID_FORMAT',
      'must be an RFC 3339 date-time with a UTC offset, e.g. 2026-11-20T14:32:00+02:00',
    );
    return undefined;
  }
  const [, date, hh, mm, ss, , offset] = m;
  const offsetOk = offset === undefined || /^z$/i.test(offset) || isOffset(offset);
  if (!isCalendarDate(date ?? '') || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59 || !offsetOk) {
    errors.add(field, 'INVALID_DATE', 'is not a real date and time');
    return undefined;
  }
  return new Date(Date.parse(v));
}

function isOffset(offset: string): boolean {
  const [h, m] = offset.slice(1).split(':').map(Number);
  return (h ?? 99) <= 18 && (m ?? 99) <= 59;
}
