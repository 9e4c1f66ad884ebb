import type { RegisterAnswer } from '../../core/notifications/notification';
import type { RegistrationLog } from '../../core/ports';
import type { Queryable } from './database';
import type { WriteBehind } from './write-behind';

/** register_requests: the reference register's first answer per idempotency key. */
export function registrationQueries(q: Queryable | WriteBehind): RegistrationLog {
  return {
    async take(entries, at) {
      if (entries.length === 0) return new Set();
      // A key another transaction is taking waits for it: taken there (skipped here), or rolled back (taken here).
      const rows = await q.query<{ key: string }>(
        `INSERT INTO register_requests (key, fingerprint, received_at)
         SELECT k, f, $3 FROM unnest($1::text[], $2::text[]) AS v(k, f)
         ORDER BY k
         ON CONFLICT (key) DO NOTHING RETURNING key`,
        [entries.map((e) => e.key), entries.map((e) => e.fingerprint), at],
      );
      return new Set(rows.map((r) => r.key));
    },

    async find(keys) {
      if (keys.length === 0) return new Map();
      const rows = await q.query<{ key: string; fingerprint: string; answer: RegisterAnswer | null }>(
        'SELECT key, fingerprint, answer FROM register_requests WHERE key = ANY($1::text[])',
        [keys],
      );
      return new Map(rows.map((r) => [r.key, { fingerprint: r.fingerprint, answer: r.answer ?? null }]));
    },

    async record(answers) {
      if (answers.length === 0) return;
      await q.query(
        `UPDATE register_requests r SET answer = v.answer
         FROM jsonb_to_recordset($1::jsonb) AS v(key text, answer jsonb) WHERE r.key = v.key`,
        [JSON.stringify(answers.map((a) => ({ key: a.key, answer: a.answer })))],
      );
    },
  };
}
