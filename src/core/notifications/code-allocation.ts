import { DomainError } from '../errors';
import { formatHetu, type Sex, signsForYear } from '../hetu/hetu';
import type { CodeSeriesKey, RegisterPort } from '../ports';

const RANGES = { permanent: { min: 2, max: 899 }, temporary: { min: 900, max: 999 } } as const;

/**
 * Assigns a newborn's personal identity code (contract §3): the birth date,
 * the century's first sign until that day's series is used up (then B…F),
 * the next free individual number of the child's parity (odd male, even
 * female) and the check character. The series row stays locked until the
 * registering transaction commits, so concurrent births on the same day, on
 * any number of gateway instances, queue on it and never share a code. Codes
 * already in the register (loaded test persons, earlier registrations) are
 * skipped.
 */
export async function allocateChildCode(
  register: RegisterPort,
  birthDate: string,
  sex: Sex,
  temporary: boolean,
): Promise<string> {
  const pool = temporary ? 'temporary' : 'permanent';
  const range = RANGES[pool];
  const parity = sex === 'male' ? 1 : 0;
  const first = range.min % 2 === parity ? range.min : range.min + 1;
  const signs = signsForYear(Number(birthDate.slice(0, 4)));
  const key: CodeSeriesKey = { birthDate, pool, parity };

  let state = await register.lockCodeSeries(key, { signIndex: 0, lastNumber: first - 2 });
  for (;;) {
    let signIndex = state.signIndex;
    let next = state.lastNumber + 2;
    if (next > range.max) {
      signIndex += 1;
      next = first;
    }
    const sign = signs[signIndex];
    if (sign === undefined) {
      throw new DomainError(
        'IDENTITY_CODES_EXHAUSTED',
        `Every ${pool} personal identity code for this birth date and sex has been assigned; DVV must assign one by hand.`,
      );
    }
    state = { signIndex, lastNumber: next };
    const code = formatHetu(birthDate, sign, next);
    if (!(await register.findPerson(code))) {
      await register.saveCodeSeries(key, state);
      return code;
    }
  }
}
