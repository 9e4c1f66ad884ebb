import type { Config } from '../../config';
import type { Logger } from '../../core/ports';
import type { Database } from './database';
import { migrate } from './migrate';

/**
 * Opens the configured database — PostgreSQL when DATABASE_URL is set, else
 * the embedded PGlite — and migrates it. Only the adapter in use is loaded.
 */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  let db: Database;
  if (config.databaseUrl) {
    const { createPgDatabase } = require('./pg-database') as typeof import('./pg-database');
    db = createPgDatabase({
      connectionString: config.databaseUrl,
      poolSize: config.databasePoolSize,
      timeouts: config.databaseTimeouts,
      onError: (err: Error) => logger.warn({ err: err.message }, 'database connection error'),
    });
  } else {
    const { createPgliteDatabase } = require('./pglite-database') as typeof import('./pglite-database');
    db = await createPgliteDatabase(config.dataDir);
  }
  const applied = await migrate(db);
  if (applied.length > 0) logger.info({ applied }, 'database migrated');
  return db;
}
