import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { motherCodes } from './gateway-server';
import { interpretation } from './interpretation';
import { launch } from './launch';
import { BIRTH_DAYS, birthBodies, hasErrors, type LoadSettings, runLoad } from './load';
import {
  type BenchResults,
  type Measured,
  markdownSection,
  markdownTable,
  type StoreResult,
  TARGET_RATIO,
  updateBenchmarksMd,
  writeResults,
} from './report';
import { freshPglite, freshPostgres, type ProvisionedStore } from './stores';
import type { TargetKind } from './target';

/**
 * `npm run bench`: REST birth registrations per second on the embedded store
 * and on PostgreSQL, each next to a bare express + INSERT baseline measured
 * back to back in the same run. A benchmark, not a test: it never fails on numbers.
 */
const MOTHERS = 5000;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number`);
  return n;
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

async function measure(
  target: TargetKind,
  store: ProvisionedStore,
  settings: LoadSettings,
  inline: boolean,
): Promise<Measured> {
  const running = await launch({ target, store: store.spec, mothers: MOTHERS }, inline);
  try {
    const bodies = birthBodies(motherCodes(MOTHERS), new Date(), randomBytes(4).toString('hex'));
    log(`${store.spec.kind} ${target}: ${settings.warmupSec} s warm-up + ${settings.durationSec} s measured`);
    const load = await runLoad(running.url, bodies, settings);
    const stats = await running.stats();
    const measured = {
      ...load,
      stats,
      statementsPerRequest: stats.stored > 0 ? stats.statements / stats.stored : 0,
      cpuMsPerRequest: stats.stored > 0 ? stats.cpuMs / stats.stored : 0,
      flagged: hasErrors(load),
    };
    log(
      `${store.spec.kind} ${target}: ${load.requestsPerSec.toFixed(0)} req/s, p50 ${load.p50Ms} ms, ` +
        `p99 ${load.p99Ms} ms, ${stats.stored} rows stored, ${measured.statementsPerRequest.toFixed(1)} statements ` +
        `and ${measured.cpuMsPerRequest.toFixed(1)} ms server CPU per request${measured.flagged ? ', ERRORS (see results)' : ''}`,
    );
    return measured;
  } finally {
    await running.close();
  }
}

async function benchStore(
  kind: 'pglite' | 'pg',
  settings: LoadSettings,
  inline: boolean,
): Promise<StoreResult> {
  const store = kind === 'pglite' ? freshPglite() : await freshPostgres();
  try {
    log(`store: ${store.description}`);
    const baseline = await measure('baseline', store, settings, inline);
    const gateway = await measure('gateway', store, settings, inline);
    const ratio = baseline.requestsPerSec > 0 ? gateway.requestsPerSec / baseline.requestsPerSec : 0;
    return {
      store: kind,
      description: store.description,
      gateway,
      baseline,
      ratio,
      targetMet: ratio >= TARGET_RATIO && !gateway.flagged,
    };
  } finally {
    await store.drop();
  }
}

async function main(): Promise<void> {
  const settings: LoadSettings = {
    connections: envInt('BENCH_CONNECTIONS', 10),
    durationSec: envInt('BENCH_DURATION', 10),
    warmupSec: envInt('BENCH_WARMUP', 2),
  };
  const inline = process.env.BENCH_INLINE === '1';
  const cpus = os.cpus();
  const results: BenchResults = {
    benchmark: 'rest-births-vs-baseline',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      totalMemGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverage: { start: os.loadavg()[0] ?? 0, end: 0 },
    },
    settings: {
      ...settings,
      mothers: MOTHERS,
      birthDays: BIRTH_DAYS,
      serverProcess: inline ? 'inline' : 'child',
    },
    targetRatio: TARGET_RATIO,
    stores: [],
  };
  for (const kind of ['pglite', 'pg'] as const) {
    results.stores.push(await benchStore(kind, settings, inline));
  }

  results.machine.loadAverage.end = os.loadavg()[0] ?? 0;
  const file = writeResults(results);
  updateBenchmarksMd(markdownSection(results, interpretation(results)));
  process.stdout.write(`\n${markdownTable(results)}\n\n`);
  const flagged = results.stores.filter((s) => s.gateway.flagged || s.baseline.flagged);
  if (flagged.length > 0) {
    process.stdout.write(
      `WARNING: non-201 responses or connection errors in: ${flagged.map((s) => s.store).join(', ')}\n`,
    );
  }
  process.stdout.write(`Results: ${file}, bench/results/latest.json; table in BENCHMARKS.md\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
