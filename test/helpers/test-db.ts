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
/** The run's PostgreSQL database (DATABASE_URL), for a test's own connection beside the gateway's. */
export const testDatabaseUrl = env.databaseUrl;
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
export async function ensureDatabase(url: string): Promise<void> {
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
    'TRUNCATE audit_log, channel_usage, notifications, code_series, persons, channel_exceptions, batch_items, batches, clients, register_requests, register_mode',
  );
  await emptyNotificationAudit(db);
}

/** The notification audit trail is append-only: emptied the one way its trigger allows, as a purge of all. */
export async function emptyNotificationAudit(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("SELECT set_config('vtj.audit_purge_before', 'infinity', true)");
    await tx.query('DELETE FROM notification_audit');
  });
}

export async function closeSharedDb(): Promise<void> {
  if (shared) await (await shared).close();
  shared = undefined;
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}

/**
 * A database of its own beside this run's (for a second service, such as
 * the reference register): on PostgreSQL `<run's database>_<suffix>`,
 * created and emptied; on the embedded store undefined (use a temp dir).
 */
export async function siblingDatabaseUrl(suffix: string): Promise<string | undefined> {
  if (!env.databaseUrl) return undefined;
  const url = new URL(env.databaseUrl);
  url.pathname = `${decodeURIComponent(url.pathname.slice(1))}_${suffix}`;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(url.pathname.slice(1))} WITH (FORCE)`);
  } finally {
    await client.end();
  }
  await ensureDatabase(url.toString());
  return url.toString();
}
