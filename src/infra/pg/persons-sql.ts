import type { Person, PersonLoad, RegisterPort } from '../../core/ports';
import type { Queryable, Row } from './database';

export function registerQueries(q: Queryable): RegisterPort {
  return {
    async findPerson(code) {
      const rows = await q.query(
        `SELECT personal_identity_code, birth_date, sex, temporary, death_date, death_date_latest
         FROM persons WHERE personal_identity_code = $1`,
        [code],
      );
      return rows[0] ? toPerson(rows[0]) : undefined;
    },

    async claimPerson(p) {
      const rows = await q.query(
        `INSERT INTO persons (personal_identity_code, birth_date, sex, temporary) VALUES ($1, $2, $3, $4)
         ON CONFLICT (personal_identity_code) DO NOTHING RETURNING personal_identity_code`,
        [p.personalIdentityCode, p.birthDate, p.sex, p.temporary],
      );
      return rows.length === 1;
    },

    async markDeceased(code, date, latestDate) {
      await q.query(
        'UPDATE persons SET death_date = $2, death_date_latest = $3 WHERE personal_identity_code = $1',
        [code, date, latestDate],
      );
    },

    async advanceCodeSeries(key, run) {
      // One statement: create the series at its first position, or move it on (to the next sign when
      // the run is used up). The row lock it takes is held until commit.
      const rows = await q.query<{ sign_index: number; last_number: number }>(
        `INSERT INTO code_series AS s (birth_date, pool, parity, sign_index, last_number) VALUES ($1, $2, $3, 0, $4)
         ON CONFLICT (birth_date, pool, parity) DO UPDATE SET
           sign_index = CASE WHEN s.last_number + 2 > $5 THEN s.sign_index + 1 ELSE s.sign_index END,
           last_number = CASE WHEN s.last_number + 2 > $5 THEN $4 ELSE s.last_number + 2 END
         RETURNING sign_index, last_number`,
        [key.birthDate, key.pool, key.parity, run.first, run.last],
      );
      const row = rows[0];
      if (!row) throw new Error('code series upsert returned no row');
      return { signIndex: row.sign_index, number: row.last_number };
    },
  };
}

/** Upserts loaded persons in one statement per batch; returns how many rows were new. */
export async function upsertPersons(
  q: Queryable,
  persons: PersonLoad[],
): Promise<{ created: number; updated: number }> {
  let created = 0;
  for (let i = 0; i < persons.length; i += 1000) {
    const batch = persons.slice(i, i + 1000);
    const rows = await q.query<{ inserted: boolean }>(
      `INSERT INTO persons (personal_identity_code, birth_date, sex, temporary, death_date, death_date_latest)
       SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::boolean[], $5::text[], $5::date[])
       ON CONFLICT (personal_identity_code) DO UPDATE
         SET death_date = EXCLUDED.death_date, death_date_latest = EXCLUDED.death_date_latest
       RETURNING (xmax = 0) AS inserted`,
      [
        batch.map((p) => p.personalIdentityCode),
        batch.map((p) => p.birthDate),
        batch.map((p) => p.sex),
        batch.map((p) => p.temporary),
        batch.map((p) => p.deathDate),
      ],
    );
    created += rows.filter((r) => r.inserted).length;
  }
  return { created, updated: persons.length - created };
}

function toPerson(r: Row): Person {
  return {
    personalIdentityCode: r.personal_identity_code as string,
    birthDate: r.birth_date as string,
    sex: r.sex as Person['sex'],
    temporary: r.temporary as boolean,
    deathDate: (r.death_date as string | null) ?? null,
    deathDateLatest: (r.death_date_latest as string | null) ?? null,
  };
}
