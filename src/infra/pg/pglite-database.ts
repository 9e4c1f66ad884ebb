import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './data-dir-lock';
import type { Database } from './database';
import { parseDate, parseInt8, TYPE_OIDS } from './database';

/**
 * The embedded default: PostgreSQL compiled to WebAssembly, in this process,
 * with its data directory on disk (durable across restarts and SIGKILL).
 * Queries are serialised by PGlite itself. One process at a time: opening
 * takes the data directory's lock (DatabaseLockedError when another process
 * has it), closing releases it.
 */
export async function createPgliteDatabase(dataDir: string): Promise<Database> {
  const lock = isOnDisk(dataDir) ? await lockDataDir(dataDir) : undefined;
  let db: PGlite;
  try {
    db = new PGlite(dataDir, {
      parsers: { [TYPE_OIDS.int8]: parseInt8, [TYPE_OIDS.date]: parseDate },
      // PostgreSQL's default 128 MB of shared buffers is more than a one-process store needs: with 32 MB
      // the process starts at about 180 MB resident instead of 290, and a little sooner.
      startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'],
    });
    await db.waitReady;
  } catch (err) {
    lock?.release();
    throw err;
  }
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
    async close() {
      try {
        await db.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/** `memory://` (and the browser's `idb://`, `opfs-ahp://`) are no directory that another process could open. */
function isOnDisk(dataDir: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir);
}
