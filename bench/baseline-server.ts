import express from 'express';
import pg from 'pg';
import { loadConfig } from '../src/config';
import type { Database } from '../src/infra/pg/database';
import { createPgDatabase } from '../src/infra/pg/pg-database';
import { createPgliteDatabase } from '../src/infra/pg/pglite-database';

/**
 * The floors to compare against, each run as a process of its own by
 * bench/servers.ts: bare express 5 and express.json(), then by BASELINE:
 * - `adapters` (default): one INSERT of the body in a transaction
 *   (BEGIN/INSERT/COMMIT) through the Database adapters the gateway uses,
 *   with their bounded waits;
 * - `plain`: one INSERT in autocommit, straight through a pg.Pool or a
 *   PGlite instance: one round trip, nothing bounded (as a quick
 *   express + INSERT app would be written);
 * - `echo`: the parsed body sent back, no database at all.
 * No validation, no identity, no register. It prints {"url": …} when it
 * listens; GET /stored counts its rows; SIGTERM closes it.
 */
interface Insert {
  insert(body: string): Promise<number | undefined>;
  count(): Promise<number>;
  close(): Promise<void>;
}

const CREATE = 'CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, body jsonb NOT NULL)';
const INSERT = 'INSERT INTO bench_baseline (body) VALUES ($1::jsonb) RETURNING id';
const COUNT = 'SELECT count(*)::int AS n FROM bench_baseline';

async function throughAdapters(): Promise<Insert> {
  const url = process.env.DATABASE_URL;
  const db: Database = url
    ? createPgDatabase({
        connectionString: url,
        poolSize: Number(process.env.BENCH_POOL_SIZE ?? 10),
        timeouts: loadConfig({}).databaseTimeouts,
        onError: () => undefined,
      })
    : await createPgliteDatabase(process.env.DATA_DIR as string);
  await db.exec(CREATE);
  return {
    insert: async (body) => (await db.transaction((tx) => tx.query<{ id: number }>(INSERT, [body])))[0]?.id,
    count: async () => (await db.query<{ n: number }>(COUNT))[0]?.n ?? 0,
    close: () => db.close(),
  };
}

async function plain(): Promise<Insert> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: Number(process.env.BENCH_POOL_SIZE ?? 10) });
    await pool.query(CREATE);
    return {
      insert: async (body) => (await pool.query<{ id: number }>(INSERT, [body])).rows[0]?.id,
      count: async () => (await pool.query<{ n: number }>(COUNT)).rows[0]?.n ?? 0,
      close: () => pool.end(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(process.env.DATA_DIR as string);
  await db.exec(CREATE);
  return {
    insert: async (body) => (await db.query<{ id: number }>(INSERT, [body])).rows[0]?.id,
    count: async () => (await db.query<{ n: number }>(COUNT)).rows[0]?.n ?? 0,
    close: () => db.close(),
  };
}

async function main(): Promise<void> {
  const mode = process.env.BASELINE ?? 'adapters';
  const store = mode === 'echo' ? undefined : mode === 'plain' ? await plain() : await throughAdapters();
  let echoed = 0;
  const app = express();
  app.use(express.json());
  app.post('/v1/births', async (req, res) => {
    if (!store) {
      echoed++;
      res.status(201).json(req.body);
      return;
    }
    const id = await store.insert(JSON.stringify(req.body));
    res.status(201).json({ id, status: 'stored' });
  });
  app.get('/stored', async (_req, res) => {
    res.type('text/plain').send(String(store ? await store.count() : echoed));
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  });
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close();
    void (store?.close() ?? Promise.resolve()).then(() => process.exit(0));
  });
}

void main();
