import { loadConfig } from '../src/config';
import { formatHetu, signsForYear } from '../src/core/hetu/hetu';
import { validateBirth } from '../src/core/notifications/birth';
import { seriesKey } from '../src/core/notifications/code-allocation';
import { fingerprint } from '../src/core/notifications/fingerprint';
import type { NewNotification } from '../src/core/notifications/notification';
import { migrate } from '../src/infra/pg/migrate';
import { createPgDatabase } from '../src/infra/pg/pg-database';
import { recordRegisterMode } from '../src/infra/pg/register-mode-sql';
import { createStore } from '../src/infra/pg/store';
import { systemClock } from '../src/infra/system-clock';
import { BENCH_CLIENT_ID, motherCodes } from './bodies';
import { postgresCpuSince, postgresCpuTicks } from './machine-cpu';
import { freshStore } from './stores';

/**
 * PostgreSQL's CPU per registration, apart from HTTP, the core and the
 * gateway's process: the store's registering transaction driven directly
 * through the gateway's own adapters and SQL (lock the mothers, the code
 * series and the register mode; claim the children unchecked, move the
 * series and insert the notifications as the last statement, its COMMIT sent
 * with it), K births a transaction, two transactions in flight as the gateway
 * runs them. Beside it the adapter baseline's transaction (BEGIN, one INSERT
 * of the body, COMMIT), two in flight. The audit trail's rows are not part of
 * it. From the CPU per transaction at several K, a straight line: what a
 * transaction costs whatever it holds, and what each birth adds.
 *
 *   npm run bench:transaction [-- 1,3,8]     # BENCH_DURATION seconds each (8), BENCH_PG_URL
 */
const DAYS = 300;
const IN_FLIGHT = 2;

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? '1,3,8').split(',').map(Number);
  const seconds = Number(process.env.BENCH_DURATION ?? 8);
  const fresh = await freshStore('pg', process.env.BENCH_PG_URL);
  if (fresh.spec.kind !== 'pg') throw new Error('PostgreSQL only');
  const db = createPgDatabase({
    connectionString: fresh.spec.url,
    poolSize: IN_FLIGHT + 1,
    timeouts: loadConfig({}).databaseTimeouts,
    onError: () => undefined,
  });
  try {
    await migrate(db);
    const now = systemClock.now();
    await recordRegisterMode(db, 'embedded', now);
    const store = createStore(db, { clock: systemClock, clientCacheMs: 0, registerMode: 'embedded' });
    await store.clients.insert(
      {
        id: BENCH_CLIENT_ID,
        name: 'Bench',
        organisation: 'Bench',
        kind: 'new',
        sandbox: false,
        certificateFingerprints: [],
      },
      now,
    );
    const mothers = motherCodes();
    await store.loadPersons(
      mothers.map((code) => ({
        personalIdentityCode: code,
        birthDate: '1990-01-01',
        sex: 'female',
        temporary: false,
        deathDate: null,
      })),
    );
    await db.exec('CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, body jsonb NOT NULL)');
    const content = validateBirth(
      {
        notificationId: 'model',
        child: {
          birthDateTime: '2026-11-20T12:00:00+02:00',
          sex: 'female',
          birthWeightGrams: 3480,
          birthLengthCm: 50,
        },
        birth: { municipalityCode: '091', facilityOid: '1.2.246.10.1234567.10.1', liveBorn: true },
        mother: { personalIdentityCode: mothers[0] as string },
      },
      { now, sandbox: false },
    );
    const body = JSON.stringify({ ...content, notificationId: 'model-baseline' });
    const days = Array.from({ length: DAYS }, (_, d) =>
      new Date(now.getTime() - (d + 1) * 86_400_000).toISOString().slice(0, 10),
    );
    let n = 0;

    /** One registering transaction of `k` births: distinct mothers, series and children. */
    const register = async (k: number) => {
      const births = Array.from({ length: k }, () => {
        const i = n++;
        const day = days[i % DAYS] as string;
        // Each day's even individual numbers 002–898 under each of its century's signs, then no more.
        const round = Math.floor(i / DAYS);
        const sign = signsForYear(Number(day.slice(0, 4)))[Math.floor(round / 449)];
        if (sign === undefined) throw new Error(`${i} births: no child code left; shorten BENCH_DURATION`);
        return {
          mother: mothers[i % mothers.length] as string,
          key: seriesKey(day, 'female', false),
          child: formatHetu(day, sign, 2 + 2 * (round % 449)),
          id: `model-${i}`,
        };
      });
      await store.transaction(async (tx) => {
        await tx.register.lockPersonsAndSeries(
          births.map((b) => b.mother),
          births.map((b) => ({ key: b.key, initial: { signIndex: 0, number: 0 } })),
        );
        await tx.register.claimPersons(
          births.map((b) => ({
            personalIdentityCode: b.child,
            birthDate: b.key.birthDate,
            sex: 'female' as const,
            temporary: false,
            motherCode: b.mother,
          })),
          { unchecked: true },
        );
        await tx.register.saveCodeSeries(
          births.map((b) => ({ key: b.key, position: { signIndex: 0, number: 2 } })),
        );
        await tx.notifications.insertLast(
          births.map((b): NewNotification => row(b.id, b.child, content, now)),
        );
      });
    };
    const baseline = () =>
      db.transaction((tx) =>
        tx.query('INSERT INTO bench_baseline (body) VALUES ($1::jsonb) RETURNING id', [body]),
      );

    const measure = async (label: string, k: number, once: () => Promise<unknown>) => {
      await loop(once, 1); // warm: statements prepared on every connection, series created
      const cpu = postgresCpuTicks();
      const done = await loop(once, seconds);
      const ms = postgresCpuSince(cpu);
      const perTx = ms / done;
      process.stdout.write(
        `${label.padEnd(22)} ${String(Math.round(done / seconds)).padStart(6)} transactions/s  ` +
          `PostgreSQL ${(perTx * 1000).toFixed(0).padStart(5)} µs per transaction, ${((perTx / k) * 1000).toFixed(0).padStart(5)} µs per birth\n`,
      );
      return perTx;
    };

    const points: [number, number][] = [];
    for (const k of sizes) points.push([k, await measure(`registering, ${k} a time`, k, () => register(k))]);
    await measure('baseline transaction', 1, baseline);
    const { intercept, slope } = line(points);
    process.stdout.write(
      `fit: ${(intercept * 1000).toFixed(0)} µs per registering transaction + ${(slope * 1000).toFixed(0)} µs per birth\n`,
    );
  } finally {
    await db.close();
    await fresh.drop();
  }
}

/** Runs `once` back to back in IN_FLIGHT lanes for `seconds`; returns how many completed. */
async function loop(once: () => Promise<unknown>, seconds: number): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (Date.now() < end) {
        await once();
        done++;
      }
    }),
  );
  return done;
}

function row(
  id: string,
  child: string,
  content: ReturnType<typeof validateBirth>,
  at: Date,
): NewNotification {
  return {
    clientId: BENCH_CLIENT_ID,
    notificationId: id,
    kind: 'birth',
    channel: 'rest',
    fingerprint: fingerprint(content),
    sandbox: false,
    content,
    status: 'registered',
    childCode: child,
    rejection: null,
    receivedAt: at,
    registeredAt: at,
  };
}

/** Least squares through (k, cost). */
function line(points: readonly [number, number][]): { intercept: number; slope: number } {
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const slope = sxx === 0 ? 0 : points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
  return { intercept: my - slope * mx, slope };
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
