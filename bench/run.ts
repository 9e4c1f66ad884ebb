import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { motherCodes } from './gateway-server';
import { interpretation } from './interpretation';
import { launch } from './launch';
import { birthBodies } from './load';
import { type BenchResults, type StoreResult, storeResult, summarize, TARGET_RATIO } from './measured';
import { markdownSection, markdownTable, roundRatiosText, updateBenchmarksMd, writeResults } from './report';
import {
  type Driver,
  log,
  MOTHERS,
  machine,
  type RoundSettings,
  runSettings,
  warmUpAndAlternate,
} from './rounds';
import { freshPglite, freshPostgres, type ProvisionedStore } from './stores';
import type { RunningTarget, TargetKind } from './target';

/**
 * `npm run bench`: REST birth registrations per second on the embedded store
 * and on PostgreSQL, each next to a bare express + INSERT baseline. Per store
 * both servers are started once and kept running; after one warm-up each they
 * are measured in BENCH_ROUNDS alternating rounds (baseline, gateway, baseline,
 * gateway, …) and the medians are reported, so a burst of outside load skews
 * one round rather than the result. A benchmark, not a test: it never fails on numbers.
 */

/** Starts both targets at once (each in its own child process unless inline); closes either on failure. */
async function launchBoth(stores: Record<TargetKind, ProvisionedStore>, inline: boolean): Promise<Driver[]> {
  const kinds: TargetKind[] = ['baseline', 'gateway'];
  const started = await Promise.allSettled(
    kinds.map((target) => launch({ target, store: stores[target].spec, mothers: MOTHERS }, inline)),
  );
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    throw failed.reason;
  }
  const mothers = motherCodes(MOTHERS);
  return started.map((r, i) => ({
    label: kinds[i] as TargetKind,
    running: (r as PromiseFulfilledResult<RunningTarget>).value,
    body: birthBodies(mothers, new Date(), randomBytes(4).toString('hex')),
    rounds: [],
  }));
}

/** PGlite: a fresh data directory per target (one process per directory). PostgreSQL: one shared fresh database. */
async function provision(kind: 'pglite' | 'pg'): Promise<Record<TargetKind, ProvisionedStore>> {
  if (kind === 'pglite') return { baseline: freshPglite(), gateway: freshPglite() };
  const shared = await freshPostgres();
  return { baseline: shared, gateway: shared };
}

async function benchStore(kind: 'pglite' | 'pg', s: RoundSettings, inline: boolean) {
  const stores = await provision(kind);
  try {
    log(`store: ${stores.gateway.description}`);
    const drivers = await launchBoth(stores, inline);
    try {
      await warmUpAndAlternate(kind, drivers, s);
      const [baseline, gateway] = drivers.map((d) => d.warmup && summarize(d.warmup, d.rounds));
      if (!baseline || !gateway) throw new Error('both targets must have been measured');
      const result: StoreResult = storeResult(kind, stores.gateway.description, baseline, gateway);
      log(`${kind}: median ratio ${(result.ratio * 100).toFixed(0)} % (rounds: ${roundRatiosText(result)})`);
      return result;
    } finally {
      await Promise.all(drivers.map((d) => d.running.close()));
    }
  } finally {
    await stores.gateway.drop();
    if (stores.baseline !== stores.gateway) await stores.baseline.drop();
  }
}

async function main(): Promise<void> {
  const { settings, inline } = runSettings();
  const results: BenchResults = {
    benchmark: 'rest-births-vs-baseline',
    date: new Date().toISOString(),
    machine: machine(),
    settings,
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
  for (const s of results.stores)
    process.stdout.write(`Per-round ratios, ${s.store}: ${roundRatiosText(s)}\n`);
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
