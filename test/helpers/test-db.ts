import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/infra/pg/database';
import { migrate } from '../../src/infra/pg/migrate';
import { createPgDatabase } from '../../src/infra/pg/pg-database';
import { createPgliteDatabase } from '../../src/infra/pg/pglite-database';

/**
 * One database for the whole run (PGlite's start-up is too slow to repeat per
 * test): PostgreSQL when DATABASE_URL is set, else PGlite in a temporary
 * directory. Tables are emptied before every test by resetDb().
 */
const env = loadConfig(process.env);
export const usingRealPostgres = env.databaseUrl !== undefined;
let shared: Promise<Database> | undefined;
const tempDirs: string[] = [];

export function openTestDatabase(dataDir?: string): Promise<Database> {
  if (env.databaseUrl) {
    return Promise.resolve(
      createPgDatabase({
        connectionString: env.databaseUrl,
        poolSize: 20,
        timeouts: env.databaseTimeouts,
        onError: () => {},
      }),
    );
  }
  return createPgliteDatabase(dataDir ?? newTempDir());
}

export function newTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vtj-test-'));
  tempDirs.push(dir);
  return dir;
}

export function sharedDb(): Promise<Database> {
  shared ??= openTestDatabase().then(async (db) => {
    await migrate(db);
    return db;
  });
  return shared;
}

export async function resetDb(): Promise<void> {
  const db = await sharedDb();
  await db.exec(
    'TRUNCATE audit_log, channel_usage, notifications, code_series, persons, channel_exceptions, clients',
  );
}

export async function closeSharedDb(): Promise<void> {
  if (shared) await (await shared).close();
  shared = undefined;
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}
