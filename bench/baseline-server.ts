import express from 'express';
import { countingDatabase, newCounter, openStore, type StoreSpec, settled } from './stores';
import { closeServer, cpuMsSince, listen, type RunningTarget } from './target';

/**
 * The floor to compare against: bare express 5, express.json(), and one
 * INSERT of the body in a transaction (BEGIN/INSERT/COMMIT) through the same
 * Database adapters the gateway uses. No validation, no identity, no register.
 */
export async function startBaseline(store: StoreSpec): Promise<RunningTarget> {
  const raw = await openStore(store);
  await raw.exec('CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, body jsonb NOT NULL)');
  const counter = newCounter();
  const db = countingDatabase(raw, counter);

  const app = express();
  app.use(express.json());
  app.post('/v1/births', async (req, res) => {
    const [row] = await db.transaction((tx) =>
      tx.query<{ id: number }>('INSERT INTO bench_baseline (body) VALUES ($1::jsonb) RETURNING id', [
        JSON.stringify(req.body),
      ]),
    );
    res.status(201).json({ id: row?.id, status: 'stored' });
  });

  const server = app.listen(0, '127.0.0.1');
  const url = await listen(server);
  const cpuStart = process.cpuUsage();
  return {
    url,
    async stats() {
      await settled(counter);
      const { statements, transactions } = counter;
      const cpuMs = cpuMsSince(cpuStart);
      const [row] = await raw.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_baseline');
      return { stored: row?.n ?? 0, statements, transactions, cpuMs };
    },
    async close() {
      await closeServer(server);
      await raw.close();
    },
  };
}
