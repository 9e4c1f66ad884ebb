import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where a server keeps its data: a PGlite data directory, or a PostgreSQL database. */
export type StoreSpec = { kind: 'pglite'; dataDir: string } | { kind: 'pg'; url: string };
export type StoreKind = StoreSpec['kind'];

export interface FreshStore {
  spec: StoreSpec;
  /** For the results (no credentials). */
  description: string;
  drop(): Promise<void>;
}

const DEFAULT_PG_SERVER = 'postgres://postgres@127.0.0.1:5432/';

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

/** A fresh, empty PGlite data directory under the system temp dir. */
function freshPglite(): FreshStore {
  const dataDir = mkdtempSync(join(tmpdir(), 'vtj-bench-pglite-'));
  return {
    spec: { kind: 'pglite', dataDir },
    description: 'PGlite (embedded, WASM, in the server process), a fresh data directory',
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** A new database with a random name on BENCH_PG_URL's server (default the local one), dropped after. */
async function freshPostgres(serverUrl: string): Promise<FreshStore> {
  const name = `vtj_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const [row] = await adminQuery<{ v: string }>(serverUrl, "SELECT current_setting('server_version') AS v");
  return {
    spec: { kind: 'pg', url: withDatabase(serverUrl, name) },
    description: `PostgreSQL ${row?.v ?? '?'} on ${new URL(serverUrl).host}, a fresh database`,
    drop: async () => void (await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

export function freshStore(kind: StoreKind, pgServerUrl = DEFAULT_PG_SERVER): Promise<FreshStore> {
  return kind === 'pglite' ? Promise.resolve(freshPglite()) : freshPostgres(pgServerUrl);
}
