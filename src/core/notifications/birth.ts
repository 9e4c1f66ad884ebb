import { DomainError } from '../errors';
import type { Hetu, Sex } from '../hetu/hetu';
import { helsinkiDate } from '../time/helsinki';
import { FieldErrorCollector } from './field-errors';
import { checkPersonCodeAllowed, type ValidationContext } from './rules';
import {
  OID_PATTERN,
  readDateTime,
  readMunicipalityCode,
  readNotificationId,
  readPersonalIdentityCode,
} from './values';

/** Plausible ranges for a live-born infant; values outside are almost surely unit or typing mistakes. */
export const BIRTH_LIMITS = {
  weightGrams: { min: 200, max: 7000 },
  lengthCm: { min: 20, max: 70 },
  multipleBirthCount: { min: 2, max: 9 },
  /** Births are reported by the next day; older ones are registered by DVV by hand. */
  maxAgeDays: 365,
} as const;

/** A birth notification as the core sees it, whatever channel it came on. */
export interface BirthCommand {
  notificationId: string;
  child: { birthDateTime: string; sex: Sex; birthWeightGrams?: number; birthLengthCm?: number };
  birth: {
    municipalityCode: string;
    facilityOid?: string;
    liveBorn: boolean;
    multipleBirth?: { order: number; count: number };
  };
  mother: { personalIdentityCode: string };
}

/** A validated birth: every value checked and normalised. */
export interface BirthNotification {
  kind: 'birth';
  notificationId: string;
  child: {
    birthInstant: string; // ISO 8601 UTC
    birthDate: string; // Europe/Helsinki calendar date: the date in the child's code
    sex: Sex;
    birthWeightGrams: number | null;
    birthLengthCm: number | null;
  };
  birth: {
    municipalityCode: string;
    facilityOid: string | null;
    liveBorn: true;
    multipleBirth: { order: number; count: number } | null;
  };
  mother: { personalIdentityCode: string; birthDate: string };
}

/** Validates the meaning of a birth notification. Throws DomainError; never touches the register. */
export function validateBirth(input: unknown, ctx: ValidationContext): BirthNotification {
  const e = new FieldErrorCollector();
  const notificationId = readNotificationId(e, input);

  const child = e.object(input, '', 'child');
  const birthInstant = child && readDateTime(e, child, 'child', 'birthDateTime');
  const sex = child && e.string(child, 'child', 'sex');
  if (sex !== undefined && sex !== 'male' && sex !== 'female') {
    e.add('child.sex', 'INVALID_VALUE', 'must be "male" or "female"');
  }
  const w = BIRTH_LIMITS.weightGrams;
  const weight = child && e.integerInRange(child, 'child', 'birthWeightGrams', w.min, w.max, false);
  const l = BIRTH_LIMITS.lengthCm;
  const length = child && e.number(child, 'child', 'birthLengthCm', false);
  if (length !== undefined && (length < l.min || length > l.max)) {
    e.add('child.birthLengthCm', 'OUT_OF_RANGE', `must be between ${l.min} and ${l.max}`);
  }

  const birth = e.object(input, '', 'birth');
  const municipalityCode = birth && readMunicipalityCode(e, birth, 'birth', 'municipalityCode');
  const facilityOid = birth && e.string(birth, 'birth', 'facilityOid', false);
  if (facilityOid !== undefined && !OID_PATTERN.test(facilityOid)) {
    e.add(
      'birth.facilityOid',
      'INVALID_FORMAT',
      'must be an OID in dotted-decimal form of at most 128 characters, e.g. 1.2.246.10.1234567.10.1',
    );
  }
  const liveBorn = birth && e.boolean(birth, 'birth', 'liveBorn');
  const multiple = birth && e.object(birth, 'birth', 'multipleBirth', false);
  let multipleBirth: { order: number; count: number } | null = null;
  if (multiple) {
    const c = BIRTH_LIMITS.multipleBirthCount;
    const count = e.integerInRange(multiple, 'birth.multipleBirth', 'count', c.min, c.max);
    const order = e.integerInRange(multiple, 'birth.multipleBirth', 'order', 1, c.max);
    if (count !== undefined && order !== undefined) {
      if (order > count)
        e.add('birth.multipleBirth.order', 'OUT_OF_RANGE', 'must not exceed birth.multipleBirth.count');
      else multipleBirth = { order, count };
    }
  }

  const motherObj = e.object(input, '', 'mother');
  const mother = motherObj && readPersonalIdentityCode(e, motherObj, 'mother');

  let birthDate: string | undefined;
  if (birthInstant) {
    birthDate = helsinkiDate(birthInstant);
    const now = ctx.now;
    if (birthInstant.getTime() > now.getTime()) {
      e.add('child.birthDateTime', 'FUTURE_DATE', 'must not be in the future');
    } else if (now.getTime() - birthInstant.getTime() > BIRTH_LIMITS.maxAgeDays * 86400000) {
      e.add(
        'child.birthDateTime',
        'OUT_OF_RANGE',
        `must be within the last ${BIRTH_LIMITS.maxAgeDays} days; older births are registered by DVV directly`,
      );
    }
  }
  if (mother && birthDate && mother.birthDate >= birthDate) {
    e.add(
      'mother.personalIdentityCode',
      'OUT_OF_RANGE',
      "the mother's birth date must be before the child's",
    );
  }
  e.throwIfAny();

  if (liveBorn === false) {
    throw new DomainError('STILLBIRTH_NOT_REGISTRABLE', {}, [
      { field: 'birth.liveBorn', code: 'STILLBIRTH_NOT_REGISTRABLE', message: 'must be true' },
    ]);
  }
  checkPersonCodeAllowed(mother as Hetu, 'mother.personalIdentityCode', ctx);

  return {
    kind: 'birth',
    notificationId: notificationId as string,
    child: {
      birthInstant: (birthInstant as Date).toISOString(),
      birthDate: birthDate as string,
      sex: sex as Sex,
      birthWeightGrams: weight ?? null,
      birthLengthCm: length ?? null,
    },
    birth: {
      municipalityCode: municipalityCode as string,
      facilityOid: facilityOid ?? null,
      liveBorn: true,
      multipleBirth,
    },
    mother: { personalIdentityCode: (mother as Hetu).code, birthDate: (mother as Hetu).birthDate },
  };
}
