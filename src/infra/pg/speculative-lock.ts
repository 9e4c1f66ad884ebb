import type { CodeSeriesKey, CodeSeriesPosition, Person } from '../../core/register/person';
import { LOCK_PERSONS, lockSeries } from './register-locks-sql';
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
 * The check a speculative transaction carries in front of its writes, as
 * the first CTE of its last statement (WriteBehind.defer with `guard`). It
 * takes the locks the locking statement would (persons in code order, then
 * the series in the core's order, each waited for as that statement waits),
 * and returns one row if and only if every person exists with no death
 * recorded, every series stands where the transaction assumed, and the
 * database records no other register mode: then the transaction's decisions are
 * those the locking way would have made, and it is in the same serial
 * order. Otherwise no row, and the statement fails before its writes.
 */
export function speculativeLock(
  codes: readonly string[],
  series: readonly { key: CodeSeriesKey; position: CodeSeriesPosition }[],
  registerMode: RegisterMode | undefined,
): { sql: string; params: unknown[] } {
  // As the locking statement refuses (persons-sql.ts): another mode recorded; none recorded passes.
  const mode = registerMode ? 'AND NOT EXISTS (SELECT FROM register_mode WHERE mode <> $7)' : '';
  return {
    sql: `WITH p AS MATERIALIZED (${LOCK_PERSONS}),
      s AS MATERIALIZED (${lockSeries(2, 'WHERE (SELECT count(*) FROM p) >= 0')})
      SELECT 1 AS ok
      WHERE (SELECT count(*) FROM p WHERE death_date IS NULL AND death_date_latest IS NULL)
          = cardinality($1::text[])
        AND (SELECT count(*) FROM s JOIN unnest($2::date[], $3::text[], $4::smallint[], $5::smallint[],
               $6::smallint[]) AS e(birth_date, pool, parity, sign_index, last_number)
             USING (birth_date, pool, parity, sign_index, last_number))
          = cardinality($2::date[])
        ${mode}`,
    params: [
      codes,
      series.map((s) => s.key.birthDate),
      series.map((s) => s.key.pool),
      series.map((s) => s.key.parity),
      series.map((s) => s.position.signIndex),
      series.map((s) => s.position.number),
      ...(registerMode ? [registerMode] : []),
    ],
  };
}
