import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
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

/**
 * `DATABASE_URL=…/vtj_test npm test` needs no set-up: a database that does not exist yet is created
 * (through the server's `postgres` database, as the same user).
 */
async function ensureDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!name) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile
      });
    }
  } finally {
    await client.end();
  }
}

export function sharedDb(): Promise<Database> {
  shared ??= (env.databaseUrl ? ensureDatabase(env.databaseUrl) : Promise.resolve())
    .then(() => openTestDatabase())
    .then(async (db) => {
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
