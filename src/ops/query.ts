import { validationFailed } from '../core/errors';
import { helsinkiEndOfDay, isCalendarDate } from '../core/time/helsinki';

/** `?asOf=YYYY-MM-DD`: the date for "who will be overdue then?", checked; undefined when absent or empty. */
export function asOfDate(raw: unknown): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !isCalendarDate(raw)) {
    throw validationFailed([{ field: 'asOf', code: 'INVALID_DATE', message: 'must be a date YYYY-MM-DD' }]);
  }
  return raw;
}

/** The what-if instant: the end of that Helsinki day. */
export function asOfInstant(raw: unknown): Date | undefined {
  const day = asOfDate(raw);
  return day === undefined ? undefined : helsinkiEndOfDay(day);
}
