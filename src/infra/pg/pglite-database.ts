import { PGlite } from '@electric-sql/pglite';
import type { Database } from './database';
import { parseDate, parseInt8, TYPE_OIDS } from './database';

/**
 * The embedded default: PostgreSQL compiled to WebAssembly, in this process,
 * with its data directory on disk (durable across restarts and SIGKILL).
 * Queries are serialised by PGlite itself.
 */
export async function createPgliteDatabase(dataDir: string): Promise<Database> {
  const db = new PGlite(dataDir, {
    parsers: { [TYPE_OIDS.int8]: parseInt8, [TYPE_OIDS.date]: parseDate },
  });
  await db.waitReady;
  return {
    kind: 'pglite',
    async query(text, params) {
      return (await db.query(text, params as unknown[])).rows as never[];
    },
    transaction(fn) {
      return db.transaction((tx) =>
        fn({
          query: async (text, params) => (await tx.query(text, params as unknown[])).rows as never[],
          exec: async (sql) => void (await tx.exec(sql)),
        }),
      );
    },
    async exec(sql) {
      await db.exec(sql);
    },
    close: () => db.close(),
  };
}
