import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config';
import { formatHetu } from '../src/core/hetu/hetu';
import { loadPersons, MAX_PERSONS_PER_LOAD } from '../src/core/register/person-loading';
import { buildGateway, openDatabase } from '../src/gateway';
import { createLogger } from '../src/infra/logger';
import { systemClock } from '../src/infra/system-clock';
import { countingDatabase, newCounter, POOL_SIZE, type StoreSpec, settled } from './stores';
import {
  BENCH_CLIENT_ID,
  closeServer,
  cpuMsSince,
  listen,
  type RunningTarget,
  type TargetSpec,
} from './target';

const DAY_MS = 86_400_000;
const FIRST_BIRTH = Date.UTC(1980, 0, 1);
const DAYS_1980_TO_1999 = 7305;

/**
 * Mothers with permanent codes: women born 1980–1999, even individual numbers
 * 002–898, one code per day before the next number is used.
 */
export function motherCodes(count: number): string[] {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const date = new Date(FIRST_BIRTH + (i % DAYS_1980_TO_1999) * DAY_MS).toISOString().slice(0, 10);
    const number = 2 + 2 * Math.floor(i / DAYS_1980_TO_1999);
    if (number > 898) throw new RangeError('too many mothers requested');
    codes.push(formatHetu(date, '-', number));
  }
  return codes;
}

/** The real gateway, composed as src/main.ts composes it, over a fresh store. */
export async function startGateway(
  store: StoreSpec,
  mothers: number,
  options: Pick<TargetSpec, 'clientKind' | 'env'> = {},
): Promise<RunningTarget> {
  const config = loadConfig({
    ...options.env,
    DATABASE_URL: store.kind === 'pg' ? store.url : undefined,
    DATA_DIR: store.kind === 'pglite' ? store.dataDir : undefined,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    LOG_LEVEL: 'silent',
    OPS_TOKEN: randomBytes(24).toString('base64url'),
    SEED_DEMO: 'false',
  });
  const logger = createLogger('silent');
  const raw = await openDatabase(config, logger);
  const counter = newCounter();
  const db = countingDatabase(raw, counter);
  const gateway = buildGateway(config, { db, clock: systemClock, logger });

  await gateway.clients.create({
    id: BENCH_CLIENT_ID,
    name: 'Benchmark',
    organisation: 'Benchmark HVA',
    kind: options.clientKind ?? 'new',
    sandbox: false,
  });
  const codes = motherCodes(mothers);
  for (let i = 0; i < codes.length; i += MAX_PERSONS_PER_LOAD) {
    const batch = codes.slice(i, i + MAX_PERSONS_PER_LOAD).map((c) => ({ personalIdentityCode: c }));
    await loadPersons(gateway.store, batch);
  }

  const server = gateway.app.listen(0, '127.0.0.1');
  const url = await listen(server);
  const cpuStart = process.cpuUsage();
  counter.statements = 0;
  counter.transactions = 0;
  return {
    url,
    async stats() {
      await settled(counter);
      const { statements, transactions } = counter;
      const cpuMs = cpuMsSince(cpuStart);
      const rows = await raw.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM notifications GROUP BY status',
      );
      const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
      return { stored: byStatus.registered ?? 0, byStatus, statements, transactions, cpuMs };
    },
    async close() {
      await closeServer(server);
      await raw.close();
    },
  };
}
