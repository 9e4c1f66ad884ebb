import os from 'node:os';
import {
  BIRTH_DAYS,
  type LoadRequest,
  type LoadRun,
  type LoadSettings,
  REST_BIRTHS,
  runHasErrors,
  runLoad,
} from './load';
import { type Machine, type RoundRun, type RunSettings, statsDelta } from './measured';
import type { RunningTarget } from './target';

/**
 * What the benchmarks share: their settings from the environment, the machine
 * description, and the loop of one warm-up per driver followed by alternating
 * measured rounds.
 */
export type RoundSettings = LoadSettings & { rounds: number };

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number`);
  return n;
}

/** BENCH_CONNECTIONS, BENCH_DURATION, BENCH_WARMUP (seconds) and BENCH_ROUNDS, with their defaults. */
export function roundSettings(): RoundSettings {
  return {
    connections: envInt('BENCH_CONNECTIONS', 10),
    durationSec: envInt('BENCH_DURATION', 8),
    warmupSec: envInt('BENCH_WARMUP', 3),
    rounds: envInt('BENCH_ROUNDS', 3),
  };
}

/** Mothers loaded into each gateway's register for the births to name. */
export const MOTHERS = 5000;

/** The run's settings as the results record them, and whether the servers run in this process. */
export function runSettings(): { settings: RunSettings; inline: boolean } {
  const inline = process.env.BENCH_INLINE === '1';
  return {
    inline,
    settings: {
      ...roundSettings(),
      mothers: MOTHERS,
      birthDays: BIRTH_DAYS,
      serverProcess: inline ? 'inline' : 'child',
    },
  };
}

/** This machine, with the load average now as the start value (set `end` after the run). */
export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    totalMemGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: { start: os.loadavg()[0] ?? 0, end: 0 },
  };
}

export const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
export const describe = (r: LoadRun) =>
  `${r.requestsPerSec.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms` +
  (runHasErrors(r) ? ', ERRORS (see results)' : '');

/** One load stream against one running target: its own endless supply of unique notifications. */
export interface Driver {
  /** Names the stream in the progress log, e.g. `gateway` or `soap-v2`. */
  label: string;
  running: RunningTarget;
  body: () => string;
  /** The endpoint and expected status (REST POST /v1/births unless set). */
  request?: LoadRequest;
  warmup?: LoadRun;
  rounds: RoundRun[];
}

const load = (d: Driver, s: LoadSettings, durationSec: number) =>
  runLoad(d.running.url, d.body, s.connections, durationSec, d.request ?? REST_BIRTHS);

/** A measured run, with the server's counters read (after it settled) just before and after. */
async function measuredRun(d: Driver, s: LoadSettings): Promise<RoundRun> {
  const before = await d.running.stats();
  const run = await load(d, s, s.durationSec);
  const stats = statsDelta(before, await d.running.stats());
  return { ...run, stats };
}

/**
 * One warm-up per driver (not recorded), then `rounds` rounds in which every
 * driver runs once, in order, so a slow spell on the machine lands on all of
 * them rather than on one. `store` prefixes the progress log.
 */
export async function warmUpAndAlternate(store: string, drivers: Driver[], s: RoundSettings): Promise<void> {
  for (const d of drivers) {
    d.warmup = await load(d, s, s.warmupSec);
    log(`${store} ${d.label}: ${s.warmupSec} s warm-up (not recorded): ${describe(d.warmup)}`);
  }
  for (let i = 1; i <= s.rounds; i++) {
    for (const d of drivers) {
      const run = await measuredRun(d, s);
      d.rounds.push(run);
      log(`${store} round ${i}/${s.rounds} ${d.label}: ${describe(run)}, ${run.stats.stored} rows stored`);
    }
  }
}
