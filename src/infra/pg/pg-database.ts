import pg from 'pg';
import type { Database, Queryable } from './database';
import { parseDate, parseInt8, TYPE_OIDS } from './database';

export interface PgOptions {
  connectionString: string;
  poolSize: number;
  onError: (err: Error) => void;
}

const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === TYPE_OIDS.int8) return parseInt8;
    if (oid === TYPE_OIDS.date) return parseDate;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** A real PostgreSQL server through a pg.Pool. */
export function createPgDatabase(opts: PgOptions): Database {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolSize,
    types: types as pg.CustomTypesConfig,
  });
  // An idle client's error (a server restart) must not kill the process.
  pool.on('error', opts.onError);
  // …nor one on a checked-out client: pg-pool only guards idle ones.
  pool.on('connect', (client) => client.on('error', opts.onError));

  const query = async <R>(
    q: Queryable | pg.Pool | pg.PoolClient,
    text: string,
    params?: readonly unknown[],
  ) => (await (q as pg.Pool).query(text, params as unknown[])).rows as R[];

  return {
    kind: 'pg',
    query: (text, params) => query(pool, text, params),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: (text, params) => query(client, text, params),
          exec: async (sql) => void (await client.query(sql)),
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = rollbackErr as Error;
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}
