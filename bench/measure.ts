import { randomBytes } from 'node:crypto';
import { motherCodes } from './bodies';
import { type LoadRun, preflight, runHasErrors, runLoad } from './load';
import { idleShareSince, machineTicks, ownCpuMs, postgresCpuSince, postgresCpuTicks } from './machine-cpu';
import type { Scenario, Stream } from './scenarios';
import { type RunningServer, startServer } from './servers';
import { type FreshStore, freshStore, type StoreKind } from './stores';

export interface Settings {
  connections: number;
  /** Seconds per measured run, and of the one warm-up per stream. */
  durationSec: number;
  warmupSec: number;
  rounds: number;
  stores: StoreKind[];
  pgServerUrl: string;
}

/** One measured run of one stream, with its server's CPU over it. */
export interface Round extends LoadRun {
  serverCpuMs: number;
  /** CPU of every PostgreSQL backend on the machine over the round (0 on the embedded store). */
  postgresCpuMs?: number;
  /** CPU of the benchmark's own process, which runs the load generator. */
  loadCpuMs?: number;
  /** The share of the machine's CPU (all cores) left idle while the load ran. */
  idleShare?: number;
}

export interface StreamResult {
  label: string;
  /** Medians over the rounds of each round's own figures. */
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU per successful request over all rounds. */
  cpuMsPerRequest: number;
  /** PostgreSQL's CPU per successful request over all rounds (0 on the embedded store). */
  postgresCpuMsPerRequest: number;
  /** The load generator's CPU per successful request over all rounds. */
  loadCpuMsPerRequest: number;
  /** The median over the rounds of the machine's idle share while the load ran (where /proc tells). */
  idleShare?: number;
  warmup: LoadRun;
  rounds: Round[];
  /** Anything but the expected status, or a connection error, in the warm-up or a round. */
  flagged: boolean;
}

export interface ScenarioResult {
  scenario: string;
  store: StoreKind;
  stores: Record<string, string>;
  measured: StreamResult;
  reference: StreamResult;
  /** Per round i: measured requests/s ÷ reference requests/s (a tail scenario: measured p99 ÷ reference p99). */
  roundRatios: number[];
  /** A tail scenario: the requests/s both streams were offered. */
  offeredRate?: number;
  ratio: number;
  targetRatio: number;
  targetMet: boolean;
  /** Per server: what its own count says was stored, against the successful responses sent to it. */
  stored: Record<string, { counted: number; answered: number }>;
  peakRssMiB: Record<string, number>;
}

export const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const describe = (r: LoadRun) =>
  `${r.requestsPerSec.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms${runHasErrors(r) ? ', ERRORS' : ''}`;

interface Driver {
  stream: Stream;
  server: RunningServer;
  body: () => string;
  warmup?: LoadRun;
  rounds: Round[];
}

/** Starts the scenario's servers on fresh stores of `kind`; stops them and drops the stores when `work` is done. */
async function withServers<T>(
  scenario: Scenario,
  kind: StoreKind,
  s: Settings,
  work: (servers: Record<string, RunningServer>, stores: Record<string, FreshStore>) => Promise<T>,
): Promise<T> {
  const stores: Record<string, FreshStore> = {};
  const servers: Record<string, RunningServer> = {};
  try {
    for (const [name, spec] of Object.entries(scenario.servers)) {
      stores[name] = await freshStore(kind, s.pgServerUrl);
      servers[name] = await startServer(spec, stores[name].spec);
    }
    return await work(servers, stores);
  } finally {
    await Promise.all(Object.values(servers).map((srv) => srv.close()));
    await Promise.all(Object.values(stores).map((st) => st.drop()));
  }
}

async function measuredRun(d: Driver, s: Settings, rate?: number): Promise<Round> {
  const cpuBefore = d.server.cpuMs();
  const pgBefore = postgresCpuTicks();
  const loadBefore = ownCpuMs();
  const machineBefore = machineTicks();
  const run = await runLoad(d.server.url, d.stream.request, d.body, s.connections, s.durationSec, rate);
  const idleShare = idleShareSince(machineBefore);
  const loadCpu = ownCpuMs() - loadBefore;
  // Requests still inside the server when the load stops finish within this.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    ...run,
    serverCpuMs: d.server.cpuMs() - cpuBefore,
    postgresCpuMs: postgresCpuSince(pgBefore),
    loadCpuMs: loadCpu,
    idleShare,
  };
}

function streamResult(d: Driver): StreamResult {
  const ok = sum(d.rounds.map((r) => r.succeeded));
  return {
    label: d.stream.label,
    requestsPerSec: median(d.rounds.map((r) => r.requestsPerSec)),
    p50Ms: median(d.rounds.map((r) => r.p50Ms)),
    p99Ms: median(d.rounds.map((r) => r.p99Ms)),
    cpuMsPerRequest: ok > 0 ? sum(d.rounds.map((r) => r.serverCpuMs)) / ok : 0,
    postgresCpuMsPerRequest: ok > 0 ? sum(d.rounds.map((r) => r.postgresCpuMs ?? 0)) / ok : 0,
    loadCpuMsPerRequest: ok > 0 ? sum(d.rounds.map((r) => r.loadCpuMs ?? 0)) / ok : 0,
    idleShare: d.rounds.every((r) => r.idleShare !== undefined)
      ? median(d.rounds.map((r) => r.idleShare as number))
      : undefined,
    warmup: d.warmup as LoadRun,
    rounds: d.rounds,
    flagged: runHasErrors(d.warmup as LoadRun) || d.rounds.some(runHasErrors),
  };
}

/**
 * One scenario on one store: a request through each stream first (a refusal
 * fails the run with its reason), one warm-up per stream (not recorded), then
 * `rounds` rounds of reference then measured, so a slow spell on a shared
 * machine lands on both rather than on one.
 */
export function runScenario(scenario: Scenario, kind: StoreKind, s: Settings): Promise<ScenarioResult> {
  return withServers(scenario, kind, s, async (servers, stores) => {
    const mothers = motherCodes();
    const now = new Date();
    const tag = randomBytes(4).toString('hex');
    const drivers: Driver[] = [scenario.reference, scenario.measured].map((stream) => ({
      stream,
      server: servers[stream.server] as RunningServer,
      body: stream.bodies(mothers, now, `${tag}-${stream.label}`),
      rounds: [],
    }));
    for (const d of drivers) await preflight(d.server.url, d.stream.request, d.body());
    for (const d of drivers) {
      d.warmup = await runLoad(d.server.url, d.stream.request, d.body, s.connections, s.warmupSec);
      log(`${scenario.id} ${kind} ${d.stream.label}: warm-up ${describe(d.warmup)}`);
    }
    // A tail scenario offers both streams the same rate: a share of the measured one's peak (its warm-up).
    const rate = scenario.offeredRate
      ? Number(process.env.BENCH_RATE) ||
        Math.round(scenario.offeredRate.ofPeak * (drivers[1]?.warmup?.requestsPerSec ?? 0))
      : undefined;
    if (rate) log(`${scenario.id} ${kind}: both streams offered ${rate} req/s`);
    for (let i = 1; i <= s.rounds; i++) {
      for (const d of drivers) {
        const round = await measuredRun(d, s, rate);
        d.rounds.push(round);
        log(`${scenario.id} ${kind} round ${i}/${s.rounds} ${d.stream.label}: ${describe(round)}`);
      }
    }
    const [reference, measured] = drivers.map(streamResult) as [StreamResult, StreamResult];
    const roundRatios = measured.rounds.map((m, i) =>
      rate
        ? m.p99Ms / (reference.rounds[i]?.p99Ms || 1)
        : m.requestsPerSec / (reference.rounds[i]?.requestsPerSec || 1),
    );
    const ratio = median(roundRatios);
    const met = rate ? ratio <= scenario.targetRatio : ratio >= scenario.targetRatio;
    const stored: ScenarioResult['stored'] = {};
    const peakRssMiB: Record<string, number> = {};
    for (const [name, server] of Object.entries(servers)) {
      const mine = drivers.filter((d) => d.stream.server === name);
      // The preflight request, the warm-up and the rounds.
      const answered = sum(
        mine.map((d) => 1 + (d.warmup?.succeeded ?? 0) + sum(d.rounds.map((r) => r.succeeded))),
      );
      stored[name] = { counted: await server.stored(), answered };
      peakRssMiB[name] = server.peakRssMiB();
    }
    return {
      scenario: scenario.id,
      store: kind,
      stores: Object.fromEntries(Object.entries(stores).map(([n, st]) => [n, st.description])),
      measured,
      reference,
      roundRatios,
      ratio,
      targetRatio: scenario.targetRatio,
      targetMet: met && !measured.flagged,
      ...(rate ? { offeredRate: rate } : {}),
      stored,
      peakRssMiB,
    };
  });
}
