import { type LoadRun, type LoadSettings, runHasErrors } from './load';
import type { TargetStats } from './target';

export const TARGET_RATIO = 0.6;

/** One measured run of one target: autocannon's figures and the server's counters over that run only. */
export interface RoundRun extends LoadRun {
  /** Deltas over this run (from just before the load until the server settled after it). */
  stats: TargetStats;
}

/** One target on one store: the median over the rounds, plus every round. */
export interface Measured {
  /** Median over the rounds of each round's requests/s. */
  requestsPerSec: number;
  /** Median over the rounds of each round's p50 and p99 (autocannon, whole round). */
  p50Ms: number;
  p99Ms: number;
  /** Sums over the rounds. */
  totalResponses: number;
  durationSec: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  unexpected: Record<string, number>;
  /** The single warm-up before the rounds (not recorded in the figures above). */
  warmup: LoadRun;
  rounds: RoundRun[];
  /** Server counters summed over the rounds (warm-up excluded). */
  stats: TargetStats;
  /** SQL statements (BEGIN/COMMIT included) per stored row, over all rounds. */
  statementsPerRequest: number;
  /** CPU ms of the server process per stored row, over all rounds (BENCH_INLINE=1: load generator included). */
  cpuMsPerRequest: number;
  /** Anything but 201, or a connection error, in the warm-up or any round. */
  flagged: boolean;
}

export interface StoreResult {
  store: 'pglite' | 'pg';
  description: string;
  gateway: Measured;
  baseline: Measured;
  /** Per round i: gateway requests/s in round i divided by baseline requests/s in round i. */
  roundRatios: number[];
  /** Median of roundRatios. */
  ratio: number;
  targetMet: boolean;
}

/** The machine a benchmark ran on. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  totalMemGiB: number;
  /** 1-minute load average before and after the run: the machine may be shared. */
  loadAverage: { start: number; end: number };
}

/** What every births benchmark records about how it ran. */
export type RunSettings = LoadSettings & {
  rounds: number;
  mothers: number;
  birthDays: number;
  serverProcess: 'child' | 'inline';
};

export interface BenchResults {
  benchmark: 'rest-births-vs-baseline';
  date: string;
  machine: Machine;
  settings: RunSettings;
  targetRatio: number;
  stores: StoreResult[];
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return 0;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

function addCounts(into: Record<string, number>, from: Record<string, number> | undefined): void {
  for (const [k, v] of Object.entries(from ?? {})) into[k] = (into[k] ?? 0) + v;
}

/** Counter differences between two snapshots of the same running target. */
export function statsDelta(before: TargetStats, after: TargetStats): TargetStats {
  const delta: TargetStats = {
    stored: after.stored - before.stored,
    statements: after.statements - before.statements,
    transactions: after.transactions - before.transactions,
    cpuMs: after.cpuMs - before.cpuMs,
  };
  if (after.byStatus) {
    delta.byStatus = { ...after.byStatus };
    for (const [k, v] of Object.entries(before.byStatus ?? {}))
      delta.byStatus[k] = (delta.byStatus[k] ?? 0) - v;
  }
  return delta;
}

function sumStats(all: readonly TargetStats[]): TargetStats {
  const total: TargetStats = {
    stored: sum(all.map((s) => s.stored)),
    statements: sum(all.map((s) => s.statements)),
    transactions: sum(all.map((s) => s.transactions)),
    cpuMs: sum(all.map((s) => s.cpuMs)),
  };
  if (all.some((s) => s.byStatus)) {
    total.byStatus = {};
    for (const s of all) addCounts(total.byStatus, s.byStatus);
  }
  return total;
}

/** Medians of the rounds for the table, sums for the counters. */
export function summarize(warmup: LoadRun, rounds: RoundRun[]): Measured {
  const stats = sumStats(rounds.map((r) => r.stats));
  const unexpected: Record<string, number> = {};
  for (const r of rounds) addCounts(unexpected, r.unexpected);
  return {
    requestsPerSec: median(rounds.map((r) => r.requestsPerSec)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    totalResponses: sum(rounds.map((r) => r.totalResponses)),
    durationSec: sum(rounds.map((r) => r.durationSec)),
    non2xx: sum(rounds.map((r) => r.non2xx)),
    errors: sum(rounds.map((r) => r.errors)),
    timeouts: sum(rounds.map((r) => r.timeouts)),
    unexpected,
    warmup,
    rounds,
    stats,
    statementsPerRequest: stats.stored > 0 ? stats.statements / stats.stored : 0,
    cpuMsPerRequest: stats.stored > 0 ? stats.cpuMs / stats.stored : 0,
    flagged: runHasErrors(warmup) || rounds.some(runHasErrors),
  };
}

/** Pairs round i of each target; the store's ratio is the median of the per-round ratios. */
export function storeResult(
  store: StoreResult['store'],
  description: string,
  baseline: Measured,
  gateway: Measured,
): StoreResult {
  const roundRatios = pairedRatios(gateway, baseline);
  const ratio = median(roundRatios);
  return {
    store,
    description,
    gateway,
    baseline,
    roundRatios,
    ratio,
    targetMet: ratio >= TARGET_RATIO && !gateway.flagged,
  };
}

/** Per round i: `measured` requests/s in round i divided by `reference` requests/s in round i. */
export function pairedRatios(measured: Measured, reference: Measured): number[] {
  return measured.rounds.map((m, i) => {
    const r = reference.rounds[i]?.requestsPerSec ?? 0;
    return r > 0 ? m.requestsPerSec / r : 0;
  });
}
