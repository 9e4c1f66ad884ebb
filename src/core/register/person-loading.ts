import { FieldErrorCollector, member } from '../notifications/field-errors';
import { readPersonalIdentityCode } from '../notifications/values';
import type { Store } from '../ports';
import { isCalendarDate } from '../time/helsinki';
import type { PersonLoad } from './person';

export const MAX_PERSONS_PER_LOAD = 10000;

/**
 * Loads test persons into the embedded register (DVV's test-data service for
 * the sandbox): validates every entry, then upserts all of them or none.
 */
export async function loadPersons(
  store: Store,
  input: unknown,
): Promise<{ created: number; updated: number }> {
  return store.loadPersons(validatePersons(input));
}

/** The persons of a load, each checked; throws VALIDATION_FAILED naming every bad entry. */
export function validatePersons(input: unknown): PersonLoad[] {
  const e = new FieldErrorCollector();
  if (!Array.isArray(input)) {
    e.add('', 'INVALID_TYPE', 'must be an array of persons');
    e.throwIfAny();
  }
  const entries = input as unknown[];
  if (entries.length > MAX_PERSONS_PER_LOAD) {
    e.add('', 'OUT_OF_RANGE', `at most ${MAX_PERSONS_PER_LOAD} persons per request`);
    e.throwIfAny();
  }
  const persons: PersonLoad[] = [];
  entries.forEach((entry, i) => {
    const path = `[${i}]`;
    const hetu = readPersonalIdentityCode(e, entry, path);
    const deathDate = member(entry, 'deathDate');
    if (
      deathDate !== undefined &&
      deathDate !== null &&
      (typeof deathDate !== 'string' || !isCalendarDate(deathDate))
    ) {
      e.add(`${path}.deathDate`, 'INVALID_DATE', 'must be a real date YYYY-MM-DD');
      return;
    }
    if (!hetu) return;
    if (typeof deathDate === 'string' && deathDate < hetu.birthDate) {
      e.add(
        `${path}.deathDate`,
        'DEATH_BEFORE_BIRTH',
        'is before the birth date in the personal identity code',
      );
      return;
    }
    persons.push({
      personalIdentityCode: hetu.code,
      birthDate: hetu.birthDate,
      sex: hetu.sex,
      temporary: hetu.temporary,
      deathDate: typeof deathDate === 'string' ? deathDate : null,
    });
  });
  e.throwIfAny();
  return persons;
}
