import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config';
import type { Database } from '../src/infra/pg/database';
import { createPgDatabase } from '../src/infra/pg/pg-database';
import { createPgliteDatabase } from '../src/infra/pg/pglite-database';

/** Where a target keeps its data: a PGlite data directory or a PostgreSQL database URL. */
export type StoreSpec = { kind: 'pglite'; dataDir: string } | { kind: 'pg'; url: string };

export const POOL_SIZE = 10;
const DEFAULT_PG_SERVER = 'postgres://postgres@127.0.0.1:5432/';

/** The PostgreSQL server to use: BENCH_PG_URL when set, else the local one. */
export function pgServerUrl(): string {
  return process.env.BENCH_PG_URL || DEFAULT_PG_SERVER;
}

function withDatabase(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery<R extends pg.QueryResultRow>(serverUrl: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

export interface ProvisionedStore {
  spec: StoreSpec;
  /** A human-readable description for the report (no credentials). */
  description: string;
  drop(): Promise<void>;
}

/** A fresh, empty PGlite data directory under the system temp dir; `usage` ends its description. */
export function freshPglite(usage = 'a fresh temp data dir per server'): ProvisionedStore {
  const dataDir = mkdtempSync(join(tmpdir(), 'vtj-bench-pglite-'));
  return {
    spec: { kind: 'pglite', dataDir },
    description: `PGlite (embedded, WASM, in the server process), ${usage}`,
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** A freshly created database with a random name on the PostgreSQL server; dropped by `drop()`. */
export async function freshPostgres(
  usage = `one fresh database shared by both servers, pool of ${POOL_SIZE} each`,
): Promise<ProvisionedStore> {
  const server = pgServerUrl();
  const name = `vtj_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(server, `CREATE DATABASE ${name}`);
  const [row] = await adminQuery<{ v: string }>(server, "SELECT current_setting('server_version') AS v");
  const host = new URL(server).host;
  return {
    spec: { kind: 'pg', url: withDatabase(server, name) },
    description: `PostgreSQL ${row?.v ?? '?'} on ${host}, ${usage}`,
    drop: async () => void (await adminQuery(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/** Opens the store through the project's own adapters (the same ones the gateway uses). */
export function openStore(spec: StoreSpec): Promise<Database> {
  return spec.kind === 'pglite'
    ? createPgliteDatabase(spec.dataDir)
    : Promise.resolve(
        createPgDatabase({
          connectionString: spec.url,
          poolSize: POOL_SIZE,
          timeouts: loadConfig({}).databaseTimeouts,
          onError: () => undefined,
        }),
      );
}

/** Counts SQL statements sent, so the report can show round trips per request. */
export interface QueryCounter {
  statements: number;
  transactions: number;
  /** Top-level queries and transactions not yet settled. */
  active: number;
}

export const newCounter = (): QueryCounter => ({ statements: 0, transactions: 0, active: 0 });

/**
 * Waits until the database has been idle for a while: when autocannon stops it
 * drops its connections, but requests already inside the server run on.
 */
export async function settled(counter: QueryCounter, quietMs = 200, maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  while (Date.now() < deadline) {
    if (counter.active === 0 && counter.statements === last) return;
    last = counter.statements;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
}

function track<T>(counter: QueryCounter, work: () => Promise<T>): Promise<T> {
  counter.active++;
  return work().finally(() => void counter.active--);
}

/** Wraps a Database to count statements; BEGIN and COMMIT count as two per transaction. */
export function countingDatabase(db: Database, counter: QueryCounter): Database {
  return {
    kind: db.kind,
    query: (text, params) => {
      counter.statements++;
      return track(counter, () => db.query(text, params));
    },
    exec: (sql) => {
      counter.statements++;
      return track(counter, () => db.exec(sql));
    },
    transaction: (fn) => {
      counter.transactions++;
      counter.statements += 2;
      return track(counter, () =>
        db.transaction((tx) =>
          fn({
            query: (text, params) => {
              counter.statements++;
              return tx.query(text, params);
            },
            exec: (sql) => {
              counter.statements++;
              return tx.exec(sql);
            },
          }),
        ),
      );
    },
    close: () => db.close(),
  };
}
