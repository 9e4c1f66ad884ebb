import { DomainError } from '../errors';
import { formatHetu, type Sex, signsForYear } from '../hetu/hetu';
import type { CodeSeriesKey, CodeSeriesRun, RegisterPort } from '../ports';

const RANGES = { permanent: { min: 2, max: 899 }, temporary: { min: 900, max: 999 } } as const;

/** The run of individual numbers a child of this sex gets from a pool: odd for boys, even for girls. */
export function seriesRun(pool: CodeSeriesKey['pool'], sex: Sex): CodeSeriesRun {
  const range = RANGES[pool];
  const parity = sex === 'male' ? 1 : 0;
  const first = range.min % 2 === parity ? range.min : range.min + 1;
  const last = range.max % 2 === parity ? range.max : range.max - 1;
  return { first, last };
}

/**
 * Assigns a newborn's personal identity code (contract §3): the birth date,
 * the century's first sign until that day's series is used up (then B…F),
 * the next individual number of the child's parity (odd male, even female)
 * and the check character. The series stays locked until the registering
 * transaction ends, so concurrent births of the same day, on any number of
 * gateway instances, never share a code; codes already in the register
 * (loaded test persons) are skipped.
 */
export async function allocateChildCode(
  register: RegisterPort,
  birthDate: string,
  sex: Sex,
  temporary: boolean,
): Promise<string> {
  const pool = temporary ? 'temporary' : 'permanent';
  const key: CodeSeriesKey = { birthDate, pool, parity: sex === 'male' ? 1 : 0 };
  const run = seriesRun(pool, sex);
  const signs = signsForYear(Number(birthDate.slice(0, 4)));
  for (;;) {
    const position = await register.advanceCodeSeries(key, run);
    const sign = signs[position.signIndex];
    if (sign === undefined) {
      throw new DomainError(
        'IDENTITY_CODES_EXHAUSTED',
        `Every ${pool} personal identity code for this birth date and sex has been assigned; DVV must assign one by hand.`,
      );
    }
    const code = formatHetu(birthDate, sign, position.number);
    if (await register.claimPerson({ personalIdentityCode: code, birthDate, sex, temporary })) return code;
  }
}
