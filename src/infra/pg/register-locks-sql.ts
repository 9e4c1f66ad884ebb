/**
 * The locks a registering transaction takes first, in the order every one
 * takes them: the persons it names, then the code series its births draw
 * from. Taken by one statement of their own (persons-sql.ts), or checked by
 * a speculative one in the transaction's last statement (speculative-lock.ts).
 */

export const PERSON_COLUMNS =
  'personal_identity_code, birth_date, sex, temporary, death_date, death_date_latest';

// ORDER BY then FOR UPDATE: rows are locked in code order, so two batches cannot deadlock on them.
export const LOCK_PERSONS = `SELECT ${PERSON_COLUMNS} FROM persons WHERE personal_identity_code = ANY($1::text[])
  ORDER BY personal_identity_code FOR UPDATE`;

/**
 * Locks the series named that exist (FOR UPDATE: the row lock alone, no new row version; each series'
 * latest version, waited for if another transaction holds it), one index look-up each, in the order
 * given: the core sorts them, so two batches lock the series that exist in the same order. Those missing
 * are created and locked after them (lockMissing), out of that order: in a rare race (two batches, each
 * creating a series the other already holds) PostgreSQL detects a deadlock, and the store runs the
 * victim's transaction again (store.ts), so no request fails for it. Its three arrays are
 * parameters $from to $from+2; `filter` goes after the source rows. A series that does not exist yet is
 * absent from the result (createSeries).
 */
export const lockSeries = (from: number, filter: string) => {
  const [d, pool, parity] = [0, 1, 2].map((i) => `$${from + i}`);
  return `SELECT c.birth_date, c.pool, c.parity, c.sign_index, c.last_number
    FROM unnest(${d}::date[], ${pool}::text[], ${parity}::smallint[]) AS v(birth_date, pool, parity)
    CROSS JOIN LATERAL (
      SELECT * FROM code_series c
      WHERE c.birth_date = v.birth_date AND c.pool = v.pool AND c.parity = v.parity
      LIMIT 1 FOR UPDATE) AS c
    ${filter}`;
};
