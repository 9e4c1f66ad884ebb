import type { Sex } from '../hetu/hetu';
import type { CodeSeriesKey, CodeSeriesPosition, CodeSeriesRun } from '../register/person';

const RANGES = { permanent: { min: 2, max: 899 }, temporary: { min: 900, max: 999 } } as const;

/**
 * Newborns' codes (contract §3): the birth date, the century's first sign
 * until that day's series is used up (then B…F), the next individual number
 * of the child's parity — odd for boys, even for girls; 002–899, or 900–999
 * for sandbox clients — and the check character.
 */
export function seriesKey(birthDate: string, sex: Sex, temporary: boolean): CodeSeriesKey {
  return { birthDate, pool: temporary ? 'temporary' : 'permanent', parity: sex === 'male' ? 1 : 0 };
}

/** The run of individual numbers a series goes through under each sign. */
export function seriesRun(key: CodeSeriesKey): CodeSeriesRun {
  const range = RANGES[key.pool];
  const first = range.min % 2 === key.parity ? range.min : range.min + 1;
  const last = range.max % 2 === key.parity ? range.max : range.max - 1;
  return { first, last };
}

/** Where a series stands before its first code: just before the first number of the first sign. */
export function seriesStart(key: CodeSeriesKey): CodeSeriesPosition {
  return { signIndex: 0, number: seriesRun(key).first - 2 };
}

/** The next position: the next number of the run, or the run's first number under the next sign. */
export function nextPosition(at: CodeSeriesPosition, run: CodeSeriesRun): CodeSeriesPosition {
  return at.number + 2 > run.last
    ? { signIndex: at.signIndex + 1, number: run.first }
    : { signIndex: at.signIndex, number: at.number + 2 };
}

export const seriesId = (k: CodeSeriesKey) => `${k.birthDate}/${k.pool}/${k.parity}`;
