import type { Health } from '../../core/ports';
import type { Database } from './database';
import { isMigrated } from './migrate';

/**
 * What an acknowledged notification survives. The embedded store syncs its
 * WAL at every commit before the answer, as PostgreSQL does (pglite-files.ts):
 * PGlite as shipped syncs nothing. It is still one process on one machine.
 */
export const DURABILITY: Record<Database['kind'], string> = {
  pglite:
    'process crash: kept; power loss: kept as far as the disk keeps what is synced (the WAL is synced at every commit, as PostgreSQL does); embedded store, one process: set DATABASE_URL in production',
  pg: 'power loss: kept as PostgreSQL keeps its commits (synchronous_commit)',
};

/**
 * Readiness: the database answers and is migrated. Answered within
 * `withinMs` whatever the database does (a silent one means not ready), and
 * however often it is asked: one check runs at a time, and every caller
 * meanwhile waits on that one, so probes never pile up connections.
 */
export function readinessCheck(db: Database, withinMs: number): Health {
  let running: Promise<boolean> | undefined;
  const ready = async () => {
    running ??= isMigrated(db)
      .catch(() => false)
      .finally(() => {
        running = undefined;
      });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), withinMs);
    });
    try {
      return await Promise.race([running, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { database: db.kind, durability: DURABILITY[db.kind], ready };
}
