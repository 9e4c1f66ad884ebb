import type { Hetu } from '../hetu/hetu';
import { daysInMonth, helsinkiDate, helsinkiInstant, isCalendarDate } from '../time/helsinki';
import { FieldErrorCollector } from './field-errors';
import { checkPersonCodeAllowed, type ValidationContext } from './rules';
import { readDateTime, readMunicipalityCode, readNotificationId, readPersonalIdentityCode } from './values';

export type DateAccuracy = 'exact' | 'estimated';

/** Valvira's registration number of a licensed physician (terhikki): digits only. */
export const PHYSICIAN_ID_PATTERN = /^[0-9]{5,12}$/;
const TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

export interface DeathCommand {
  notificationId: string;
  deceased: { personalIdentityCode: string };
  death: { date: string; dateAccuracy: DateAccuracy; time?: string; municipalityCode: string };
  determination: { physicianId: string; determinedAt: string };
}

export interface DeathNotification {
  kind: 'death';
  notificationId: string;
  deceased: { personalIdentityCode: string; birthDate: string };
  death: {
    date: string; // as reported: YYYY-MM-DD, or YYYY-MM / YYYY when estimated
    dateAccuracy: DateAccuracy;
    time: string | null;
    municipalityCode: string;
    /** The first and last calendar day the reported date can mean. */
    earliestDate: string;
    latestDate: string;
  };
  determination: { physicianId: string; determinedAt: string };
}

export function validateDeath(input: unknown, ctx: ValidationContext): DeathNotification {
  const e = new FieldErrorCollector();
  const notificationId = readNotificationId(e, input);
  const deceasedObj = e.object(input, '', 'deceased');
  const deceased = deceasedObj && readPersonalIdentityCode(e, deceasedObj, 'deceased');

  const death = e.object(input, '', 'death');
  const accuracy = death && e.string(death, 'death', 'dateAccuracy');
  if (accuracy !== undefined && accuracy !== 'exact' && accuracy !== 'estimated') {
    e.add('death.dateAccuracy', 'INVALID_VALUE', 'must be "exact" or "estimated"');
  }
  const date = death && e.string(death, 'death', 'date');
  const span = date !== undefined ? dateSpan(e, date, accuracy) : undefined;
  const time = death && e.string(death, 'death', 'time', false);
  if (time !== undefined) {
    if (!TIME.test(time)) e.add('death.time', 'INVALID_FORMAT', 'must be a 24-hour time HH:MM, e.g. 13:05');
    else if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
      e.add('death.time', 'INVALID_VALUE', 'may be given only with a full date (YYYY-MM-DD)');
    }
  }
  const municipalityCode = death && readMunicipalityCode(e, death, 'death', 'municipalityCode');

  const det = e.object(input, '', 'determination');
  const physicianId = det && e.string(det, 'determination', 'physicianId');
  if (physicianId !== undefined && !PHYSICIAN_ID_PATTERN.test(physicianId)) {
    e.add(
      'determination.physicianId',
      'INVALID_FORMAT',
      "must be the physician's registration number, 5–12 digits",
    );
  }
  const determinedAt = det && readDateTime(e, det, 'determination', 'determinedAt');

  const today = helsinkiDate(ctx.now);
  if (span && span.earliest > today) {
    e.add('death.date', 'FUTURE_DATE', 'must not be in the future');
  } else if (span && date && time && TIME.test(time) && span.earliest === span.latest) {
    if (helsinkiInstant(date, `${time}:00`).getTime() > ctx.now.getTime()) {
      e.add('death.time', 'FUTURE_DATE', 'must not be in the future');
    }
  }
  if (determinedAt) {
    if (determinedAt.getTime() > ctx.now.getTime()) {
      e.add('determination.determinedAt', 'FUTURE_DATE', 'must not be in the future');
    } else if (span && helsinkiDate(determinedAt) < span.earliest) {
      e.add('determination.determinedAt', 'OUT_OF_RANGE', 'must not be before the death');
    }
  }
  e.throwIfAny();
  checkPersonCodeAllowed(deceased as Hetu, 'deceased.personalIdentityCode', ctx);

  const s = span as { earliest: string; latest: string };
  return {
    kind: 'death',
    notificationId: notificationId as string,
    deceased: { personalIdentityCode: (deceased as Hetu).code, birthDate: (deceased as Hetu).birthDate },
    death: {
      date: date as string,
      dateAccuracy: accuracy as DateAccuracy,
      time: time ?? null,
      municipalityCode: municipalityCode as string,
      earliestDate: s.earliest,
      latestDate: s.latest,
    },
    determination: {
      physicianId: physicianId as string,
      determinedAt: (determinedAt as Date).toISOString(),
    },
  };
}

/** The days a reported death date can mean: one day if exact, a month or a year if estimated. */
function dateSpan(
  e: FieldErrorCollector,
  date: string,
  accuracy: string | undefined,
): { earliest: string; latest: string } | undefined {
  const full = /^\d{4}-\d{2}-\d{2}$/.test(date);
  const month = /^(\d{4})-(\d{2})$/.exec(date);
  const year = /^\d{4}$/.test(date);
  if (accuracy === 'exact' && !full) {
    e.add('death.date', 'INVALID_FORMAT', 'must be a full date YYYY-MM-DD when dateAccuracy is "exact"');
    return undefined;
  }
  if (full) {
    if (!isCalendarDate(date)) {
      e.add('death.date', 'INVALID_DATE', 'is not a real calendar date');
      return undefined;
    }
    return { earliest: date, latest: date };
  }
  if (month) {
    const m = Number(month[2]);
    if (m < 1 || m > 12) {
      e.add('death.date', 'INVALID_DATE', 'is not a real month');
      return undefined;
    }
    const last = daysInMonth(Number(month[1]), m);
    return { earliest: `${date}-01`, latest: `${date}-${String(last).padStart(2, '0')}` };
  }
  if (year) return { earliest: `${date}-01-01`, latest: `${date}-12-31` };
  e.add(
    'death.date',
    'INVALID_FORMAT',
    'must be YYYY-MM-DD, or YYYY-MM or YYYY when dateAccuracy is "estimated"',
  );
  return undefined;
}
