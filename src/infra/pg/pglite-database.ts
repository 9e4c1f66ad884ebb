import { setFlagsFromString } from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './data-dir-lock';
import type { Database } from './database';
import { GENERIC_PLANS, parseDate, parseInt8, TYPE_OIDS } from './database';
import { START_PARAMS, SyncingNodeFS } from './pglite-files';
import { preparedStatements } from './pglite-prepared';
import { initialiseDataDir } from './pglite-seed';

/**
 * The embedded default: PostgreSQL compiled to WebAssembly, in this process,
 * with its data directory on disk, its WAL synced at every commit
 * (pglite-files.ts).
 * Queries are serialised by PGlite itself. One process at a time: opening
 * takes the data directory's lock (DatabaseLockedError when another process
 * has it), closing releases it. A new directory is made a database from the
 * seed (pglite-seed.ts) under that lock, so PGlite never runs initdb here.
 */
export async function createPgliteDatabase(dataDir: string): Promise<Database> {
  // PostgreSQL's WebAssembly compiled by V8's baseline compiler only, never recompiled by the optimising
  // one: the gateway holds 60-90 MB less (no second, optimised copy of the hot code, no compilations
  // competing for the two cores under load), and its throughput stayed within the noise (BENCHMARKS.md).
  setFlagsFromString('--liftoff-only');
  const lock = isOnDisk(dataDir) ? await lockDataDir(dataDir) : undefined;
  let db: PGlite;
  try {
    if (lock) await initialiseDataDir(dataDir);
    db = new PGlite(dataDir, {
      ...(lock ? { fs: new SyncingNodeFS(dataDir) } : {}),
      parsers: { [TYPE_OIDS.int8]: parseInt8, [TYPE_OIDS.date]: parseDate },
      startParams: [...START_PARAMS],
    });
    await db.waitReady;
  } catch (err) {
    lock?.release();
    throw err;
  }
  const prepared = preparedStatements(db);
  return {
    kind: 'pglite',
    async query(text, params) {
      return (await db._runExclusiveTransaction(() => prepared(text, params ?? []))) as never[];
    },
    transaction(fn, options) {
      return db.transaction(async (tx) => {
        if (options?.genericPlans) await tx.exec(GENERIC_PLANS);
        let ended = false;
        const open = () => {
          if (ended) throw new Error('a statement after the transaction’s last one');
        };
        const query = async (text: string, params?: readonly unknown[]) => {
          open();
          return (await prepared(text, params ?? [])) as never[];
        };
        // Within this process there is no round trip to save: the last statement is sent as any other.
        const queryLast = async (text: string, params?: readonly unknown[]) => {
          const rows = await query(text, params);
          ended = true;
          return rows;
        };
        const exec = async (sql: string) => {
          open();
          await tx.exec(sql);
        };
        return fn({ query, queryLast, exec });
      });
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
