import { resolve } from 'node:path';
import { motherCodes, restBirths } from './bodies';
import { type LoadRun, preflight, runLoad } from './load';
import { log, median } from './measure';
import { checkout, envInt, loadAverage, machine, writeResults } from './results-file';
import { REST_BIRTHS } from './scenarios';
import { type RunningServer, startServer } from './servers';
import { type FreshStore, freshStore, type StoreKind } from './stores';

/**
 * `npm run bench:versus -- DIR_A DIR_B`: two builds of the gateway side by
 * side — each checkout's `dist/`, built beforehand — each on a fresh store of
 * its own, taking REST births in alternating rounds (A, B, A, B, …), so that
 * a slow spell of a shared machine lands on both. The figure is the median of
 * the paired ratios B ÷ A. For a change the gateway-vs-baseline scenarios
 * cannot show: one that changes the baseline too, such as the embedded
 * store's syncing (the baseline opens its database through the same adapter).
 * BENCH_ROUNDS (5), BENCH_DURATION (8 s), BENCH_WARMUP (3 s),
 * BENCH_CONNECTIONS (10), BENCH_STORES (pglite). Results:
 * bench/results/versus-<date>.json.
 */

const settings = {
  rounds: envInt('BENCH_ROUNDS', 5),
  durationSec: envInt('BENCH_DURATION', 8),
  warmupSec: envInt('BENCH_WARMUP', 3),
  connections: envInt('BENCH_CONNECTIONS', 10),
  stores: (process.env.BENCH_STORES || 'pglite').split(',') as StoreKind[],
  pgServerUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/',
};

/** Starts the gateway built in `dir` (BENCH_GATEWAY is how bench/servers.ts is told which). */
async function startIn(dir: string, store: FreshStore): Promise<RunningServer> {
  process.env.BENCH_GATEWAY = dir;
  return startServer({ kind: 'gateway', clientKind: 'new' }, store.spec);
}

async function versus(dirs: [string, string], kind: StoreKind) {
  const stores: FreshStore[] = [];
  const servers: RunningServer[] = [];
  try {
    for (const dir of dirs) {
      const store = await freshStore(kind, settings.pgServerUrl);
      stores.push(store);
      servers.push(await startIn(dir, store));
    }
    const mothers = motherCodes();
    const now = new Date();
    const bodies = servers.map((_, i) => restBirths(mothers, now, `versus-${Date.now()}-${i}`));
    const rounds: LoadRun[][] = [[], []];
    for (const [i, server] of servers.entries()) {
      const body = bodies[i] as () => string;
      await preflight(server.url, REST_BIRTHS, body());
      await runLoad(server.url, REST_BIRTHS, body, settings.connections, settings.warmupSec);
    }
    for (let r = 1; r <= settings.rounds; r++) {
      for (const [i, server] of servers.entries()) {
        const run = await runLoad(
          server.url,
          REST_BIRTHS,
          bodies[i] as () => string,
          settings.connections,
          settings.durationSec,
        );
        rounds[i]?.push(run);
        log(
          `versus ${kind} round ${r}/${settings.rounds} ${'AB'[i]}: ${run.requestsPerSec.toFixed(0)} req/s`,
        );
      }
    }
    const [a, b] = rounds as [LoadRun[], LoadRun[]];
    const ratios = b.map((run, i) => run.requestsPerSec / (a[i]?.requestsPerSec || 1));
    const side = (runs: LoadRun[]) => ({
      requestsPerSec: median(runs.map((x) => x.requestsPerSec)),
      p50Ms: median(runs.map((x) => x.p50Ms)),
      p99Ms: median(runs.map((x) => x.p99Ms)),
      rounds: runs,
    });
    return { store: kind, a: side(a), b: side(b), roundRatios: ratios, ratio: median(ratios) };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(stores.map((s) => s.drop()));
  }
}

async function main(): Promise<void> {
  const dirs = process.argv.slice(2).map((d) => resolve(d));
  if (dirs.length !== 2)
    throw new Error('usage: npm run bench:versus -- DIR_A DIR_B (each a checkout with dist/ built)');
  const started = new Date();
  const loadStart = loadAverage();
  const results = [];
  for (const kind of settings.stores) results.push(await versus(dirs as [string, string], kind));
  const run = {
    date: started.toISOString(),
    a: checkout(dirs[0] as string),
    b: checkout(dirs[1] as string),
    machine: machine(loadStart),
    settings: { ...settings, pgServerUrl: new URL(settings.pgServerUrl).host },
    results,
  };
  const file = writeResults('versus', started, undefined, run);
  for (const r of results) {
    const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
    process.stdout.write(
      `${r.store}: A ${r.a.requestsPerSec.toFixed(0)} req/s (p99 ${r.a.p99Ms} ms), B ${r.b.requestsPerSec.toFixed(0)} req/s ` +
        `(p99 ${r.b.p99Ms} ms); B ÷ A ${pct(r.ratio)} (${r.roundRatios.map((x) => (x * 100).toFixed(0)).join(' / ')})\n`,
    );
  }
  process.stdout.write(`Results: ${file}\n`);
}

main().catch((err) => {
  process.stderr.write(
    `bench:versus failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
