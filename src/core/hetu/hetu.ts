/**
 * Finnish personal identity code (henkilötunnus, "hetu"), VNa 128/2010 as
 * amended by 690/2022: DDMMYY, a century sign, a three-digit individual number
 * and a check character.
 *
 * Pure on purpose: no clock, no I/O, so every façade and the register core can
 * share one definition. Error messages never echo the input or any part of it,
 * because a hetu is personal data and messages end up in logs and responses.
 */

export type Sex = 'male' | 'female';

export type HetuErrorCode = 'INVALID_FORMAT' | 'INVALID_DATE' | 'INVALID_CHECK_CHARACTER' | 'OUT_OF_RANGE';

export interface Hetu {
  /** The normalised code (upper-case). */
  readonly code: string;
  /** 'YYYY-MM-DD' */
  readonly birthDate: string;
  /** Century sign; part of identity: 100190-999P and 100190Y999P are different people. */
  readonly separator: string;
  /** 2..999 */
  readonly individualNumber: number;
  readonly sex: Sex;
  /** Individual number 900–999: temporary or test codes, never a permanent identity. */
  readonly temporary: boolean;
}

export type HetuParseResult = { ok: true; hetu: Hetu } | { ok: false; code: HetuErrorCode; message: string };

/** Remainder mod 31 indexes this string; G, I, O, Q and Z are left out to avoid look-alikes. */
export const CHECK_CHARACTERS = '0123456789ABCDEFHJKLMNPRSTUVWXY';

/**
 * Century signs in order of use: within a century the first sign is used first,
 * the later ones only once a day's series under the earlier signs is used up
 * (the 2023 reform added Y–U and B–F).
 */
export const CENTURY_SIGNS: Readonly<Record<number, readonly string[]>> = Object.freeze({
  1800: Object.freeze(['+']),
  1900: Object.freeze(['-', 'Y', 'X', 'W', 'V', 'U']),
  2000: Object.freeze(['A', 'B', 'C', 'D', 'E', 'F']),
});

const NO_SIGNS: readonly string[] = Object.freeze([]);

const SHAPE = /^\d{6}[-+ABCDEFYXWVU]\d{3}[0-9ABCDEFHJKLMNPRSTUVWXY]$/;

// Deliberately loose and unanchored: for finding codes inside log lines, where
// over-matching is harmless and under-matching leaks personal data.
const LOOSE_SHAPE = /\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/i;

const FORMAT_MESSAGE =
  'must be 11 characters: DDMMYY, a century sign (+, -, Y, X, W, V, U, A–F), three digits and a check character';

/** The century (1800, 1900, 2000) a sign denotes, or undefined for an unknown sign. */
export function centuryOf(separator: string): number | undefined {
  const sign = separator.toUpperCase();
  for (const [century, signs] of Object.entries(CENTURY_SIGNS)) {
    if (signs.includes(sign)) return Number(century);
  }
  return undefined;
}

/** The signs usable for a birth year, in order of use; [] outside 1800–2099. */
export function signsForYear(year: number): readonly string[] {
  if (!Number.isInteger(year)) return NO_SIGNS;
  return CENTURY_SIGNS[Math.floor(year / 100) * 100] ?? NO_SIGNS;
}

/** Check character for DDMMYY + individual number; the century sign takes no part. */
export function checkCharacter(ddmmyy: string, individualNumber: number): string {
  if (!/^\d{6}$/.test(ddmmyy)) throw new RangeError('the date part must be six digits (DDMMYY)');
  assertIndividualNumber(individualNumber);
  // At most nine digits, so well within exact Number arithmetic.
  const value = Number(ddmmyy) * 1000 + individualNumber;
  return CHECK_CHARACTERS.charAt(value % 31);
}

/**
 * Validates in a fixed order (format, date, number range, check character) so
 * that a given bad code always yields the same error code.
 * Lower-case letters are accepted; whitespace is not trimmed.
 */
export function parseHetu(input: string): HetuParseResult {
  // ASCII only: upper-casing would make the long s (ſ) an S, a code the log and audit masks do not see.
  const code = /^[\x20-\x7e]*$/.test(input) ? input.toUpperCase() : '';
  if (!SHAPE.test(code)) return fail('INVALID_FORMAT', `A personal identity code ${FORMAT_MESSAGE}`);

  const separator = code.charAt(6);
  const century = centuryOf(separator);
  if (century === undefined) return fail('INVALID_FORMAT', `A personal identity code ${FORMAT_MESSAGE}`);
  const day = Number(code.slice(0, 2));
  const month = Number(code.slice(2, 4));
  const year = century + Number(code.slice(4, 6));
  if (!isCalendarDate(year, month, day)) {
    return fail('INVALID_DATE', 'The birth date of the personal identity code is not a real calendar date');
  }

  const individualNumber = Number(code.slice(7, 10));
  if (individualNumber < 2) {
    return fail(
      'OUT_OF_RANGE',
      'The individual number is out of range: individual numbers 000 and 001 are never issued',
    );
  }

  if (checkCharacter(code.slice(0, 6), individualNumber) !== code.charAt(10)) {
    return fail(
      'INVALID_CHECK_CHARACTER',
      'The check character of the personal identity code does not match its date and individual number',
    );
  }

  return {
    ok: true,
    hetu: {
      code,
      birthDate: `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`,
      separator,
      individualNumber,
      sex: individualNumber % 2 === 1 ? 'male' : 'female',
      temporary: individualNumber >= 900,
    },
  };
}

/**
 * Builds a code from its parts. Throws RangeError for a malformed or unreal
 * date, a sign that does not belong to the year's century, or a number outside
 * 0..999. Choosing which sign and number to use is the caller's business.
 */
export function formatHetu(birthDate: string, separator: string, individualNumber: number): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!match) throw new RangeError('the birth date must be given as YYYY-MM-DD');
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (!isCalendarDate(year, month, day)) throw new RangeError('the birth date is not a real calendar date');
  const sign = separator.toUpperCase();
  if (!signsForYear(year).includes(sign)) {
    throw new RangeError('the century sign does not belong to the century of the birth year');
  }
  assertIndividualNumber(individualNumber);
  const ddmmyy = `${pad(day, 2)}${pad(month, 2)}${pad(year % 100, 2)}`;
  return `${ddmmyy}${sign}${pad(individualNumber, 3)}${checkCharacter(ddmmyy, individualNumber)}`;
}

/** True when the text contains something shaped like a hetu; for scrubbing logs, not validation. */
export function isPersonalIdentityCodeShaped(input: string): boolean {
  return LOOSE_SHAPE.test(input);
}

function assertIndividualNumber(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 999) {
    throw new RangeError('the individual number must be an integer from 0 to 999');
  }
}

// Gregorian rules: the register has used them throughout 1800–2099,
// so 29.2.1900 does not exist but 29.2.2000 does.
function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= (lengths[month - 1] ?? 0);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function fail(code: HetuErrorCode, message: string): HetuParseResult {
  return { ok: false, code, message };
}
