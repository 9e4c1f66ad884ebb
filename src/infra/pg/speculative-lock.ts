import type { CodeSeriesKey, CodeSeriesPosition, Person } from '../../core/register/person';
import { LOCK_PERSONS } from './register-locks-sql';
import type { RegisterMode } from './register-mode-sql';

/**
 * A speculative registering transaction found the register otherwise than it
 * assumed: a person it named is missing or has a death recorded, a code
 * series stands elsewhere, or the register mode changed. Its last statement
 * failed before writing anything, the transaction is undone, and the store
 * runs it again the locking way (store.ts). Never seen outside the store.
 */
export class SpeculationStale extends Error {
  override name = 'SpeculationStale';
  constructor() {
    super('the register was not as the speculative transaction assumed');
  }
}

/**
 * The core read what a speculative lock cannot vouch for (a person's date of
 * birth, sex or pool, or a person's children): the transaction is undone
 * before anything was sent, and run again the locking way. Never seen
 * outside the store.
 */
export class SpeculationUnsupported extends Error {
  override name = 'SpeculationUnsupported';
  constructor(what: string) {
    super(`a speculative registering transaction cannot know ${what}`);
  }
}

/**
 * A person as speculated: present in the register with no death recorded,
 * which is what the transaction's last statement then checks under the
 * person's row lock (speculativeLock). Only those fields can be read; any
 * other (a rule that needs the date of birth, the sex, or whether this is a
 * test person) throws SpeculationUnsupported, so that a rule reading more
 * than is checked makes the transaction lock first rather than decide on a
 * guess.
 */
export function assumedLiving(code: string): Person {
  const unknown = (field: string) => ({
    enumerable: true,
    get(): never {
      throw new SpeculationUnsupported(`the person's ${field}`);
    },
  });
  return Object.defineProperties(
    { personalIdentityCode: code, deathDate: null, deathDateLatest: null } as unknown as Person,
    { birthDate: unknown('birthDate'), sex: unknown('sex'), temporary: unknown('temporary') },
  );
}

/**
 * The first check a speculative transaction carries in front of its writes,
 * as the first CTE of its last statement (WriteBehind.defer with `guard`). It
 * takes the locks the locking statement takes first (the persons, in code
 * order) and returns one row if and only if every person exists with no
 * death recorded and the database records no other register mode.
 */
export function speculativeLock(
  codes: readonly string[],
  registerMode: RegisterMode | undefined,
): { sql: string; params: unknown[] } {
  // As the locking statement refuses (persons-sql.ts): another mode recorded; none recorded passes.
  const mode = registerMode ? 'AND NOT EXISTS (SELECT FROM register_mode WHERE mode <> $2)' : '';
  return {
    sql: `SELECT 1 AS ok WHERE (SELECT count(*) FROM (${LOCK_PERSONS}) AS p
        WHERE death_date IS NULL AND death_date_latest IS NULL) = cardinality($1::text[]) ${mode}`,
    params: [codes, ...(registerMode ? [registerMode] : [])],
  };
}

/**
 * The checks that follow it, one per code series, in the core's order (the
 * order the locking statement locks them in): each moves its series from
 * the position speculated to the one the transaction leaves it at, only if
 * it stands at the first (compare and set, the row locked as the UPDATE
 * takes it, waited for if another transaction holds it), and returns one
 * row if it did. Until the transaction saves its series (`moveTo`), the
 * move leaves the series where it was speculated to stand: checked all the
 * same.
 */
export function seriesMove(
  key: CodeSeriesKey,
  from: CodeSeriesPosition,
): { sql: string; params: unknown[]; moveTo: (to: CodeSeriesPosition) => void } {
  const params: unknown[] = [
    key.birthDate,
    key.pool,
    key.parity,
    from.signIndex,
    from.number,
    from.signIndex,
    from.number,
  ];
  return {
    sql: `UPDATE code_series SET sign_index = $4, last_number = $5
      WHERE birth_date = $1::date AND pool = $2 AND parity = $3::smallint AND sign_index = $6 AND last_number = $7
      RETURNING 1`,
    params,
    moveTo(to) {
      params[3] = to.signIndex;
      params[4] = to.number;
    },
  };
}
