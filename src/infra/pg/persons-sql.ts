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

    async addPerson(p) {
      await q.query(
        'INSERT INTO persons (personal_identity_code, birth_date, sex, temporary) VALUES ($1, $2, $3, $4)',
        [p.personalIdentityCode, p.birthDate, p.sex, p.temporary],
      );
    },

    async markDeceased(code, date, latestDate) {
      await q.query(
        'UPDATE persons SET death_date = $2, death_date_latest = $3 WHERE personal_identity_code = $1',
        [code, date, latestDate],
      );
    },

    async lockCodeSeries(key, initial) {
      await q.query(
        `INSERT INTO code_series (birth_date, pool, parity, sign_index, last_number) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING`,
        [key.birthDate, key.pool, key.parity, initial.signIndex, initial.lastNumber],
      );
      const rows = await q.query<{ sign_index: number; last_number: number }>(
        `SELECT sign_index, last_number FROM code_series
         WHERE birth_date = $1 AND pool = $2 AND parity = $3 FOR UPDATE`,
        [key.birthDate, key.pool, key.parity],
      );
      const row = rows[0];
      if (!row) throw new Error('code series row missing after insert');
      return { signIndex: row.sign_index, lastNumber: row.last_number };
    },

    async saveCodeSeries(key, state) {
      await q.query(
        `UPDATE code_series SET sign_index = $4, last_number = $5
         WHERE birth_date = $1 AND pool = $2 AND parity = $3`,
        [key.birthDate, key.pool, key.parity, state.signIndex, state.lastNumber],
      );
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
