import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BENCH_CLIENT_ID, motherCodes, restBirths } from './bodies';
import { runLoad } from './load';
import { median } from './measure';
import { checkout, envInt, loadAverage, machine, writeResults } from './results-file';
import { gatewayDir, type RunningServer, startServer } from './servers';
import { freshStore, type StoreKind } from './stores';

/**
 * `npm run bench:memory`: the gateway's resident memory, started as `npm
 * start` starts it (bench/servers.ts) on a fresh store — a new embedded data
 * directory, or a new PostgreSQL database — read from /proc/<pid>/status:
 *
 * - start: VmRSS once /readyz answers 200 (and the benchmark client and its
 *   mothers are loaded), and VmHWM, the peak so far (the embedded store's
 *   creation included);
 * - load: REST births from BENCH_CONNECTIONS connections for BENCH_DURATION
 *   seconds; the highest VmRSS sampled every 50 ms, and VmRSS after;
 * - large result: BENCH_CLIENTS clients registered through the operator API,
 *   then GET /ops/clients (every client with its calls, as JSON) and the
 *   operator page /ops/ (the same as HTML), three times each; VmRSS after;
 * - peak: VmHWM at the end, the process's high-water mark over all of it.
 *
 * BENCH_ROUNDS fresh starts per store (default 3), BENCH_STORES (pglite,pg),
 * BENCH_PG_URL, BENCH_GATEWAY as for `npm run bench`. A benchmark, not a
 * test: nothing fails on a number. Results: bench/results/memory-<date>-<commit>.json.
 */
const TARGET_PEAK_MIB = 400;

const settings = {
  rounds: envInt('BENCH_ROUNDS', 3),
  durationSec: envInt('BENCH_DURATION', 20),
  connections: envInt('BENCH_CONNECTIONS', 10),
  clients: envInt('BENCH_CLIENTS', 5000),
  stores: (process.env.BENCH_STORES || 'pglite,pg').split(',') as StoreKind[],
  pgServerUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/',
};

interface Round {
  /** MiB, from /proc/<pid>/status. */
  startRss: number;
  startPeak: number;
  loadPeakRss: number;
  afterLoadRss: number;
  largeResultPeakRss: number;
  afterLargeResultRss: number;
  peak: number;
  /** What the phases did, so a round that did little shows. */
  births: { answered: number; requestsPerSec: number; failed: number };
  largeResult: { clients: number; jsonBytes: number; htmlBytes: number };
}

const log = (msg: string) => process.stderr.write(`[bench:memory] ${msg}\n`);
const mib = (kb: string | undefined) => Math.round(Number(kb) / 1024);

function status(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rss: mib(/VmRSS:\s+(\d+) kB/.exec(text)?.[1]), hwm: mib(/VmHWM:\s+(\d+) kB/.exec(text)?.[1]) };
}

/** The highest VmRSS seen while `work` runs, sampled every 50 ms (VmHWM keeps the true peak). */
async function sampled<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; peakRss: number }> {
  let peakRss = status(pid).rss;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, status(pid).rss);
  }, 50);
  try {
    const value = await work();
    return { value, peakRss: Math.max(peakRss, status(pid).rss) };
  } finally {
    clearInterval(timer);
  }
}

/** `count` clients through the operator API, ten requests at a time. */
async function registerClients(
  server: RunningServer,
  token: string,
  count: number,
  tag: string,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const res = await fetch(`${server.url}/ops/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          id: `FI/GOV/0123456-7/mem-${tag}-${i}`,
          name: `Memory benchmark client ${i}`,
          organisation: `Wellbeing area ${i % 23}`,
          kind: i % 3 === 0 ? 'new' : 'existing',
          sandbox: false,
        }),
      });
      if (res.status !== 201)
        throw new Error(`POST /ops/clients: ${res.status} ${(await res.text()).slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
}

async function get(server: RunningServer, token: string, path: string): Promise<number> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
  return body.byteLength;
}

async function round(kind: StoreKind): Promise<Round> {
  const store = await freshStore(kind, settings.pgServerUrl);
  let server: RunningServer | undefined;
  try {
    // The operators' budget is not what is measured: the large result's clients are registered at once.
    server = await startServer(
      { kind: 'gateway', clientKind: 'new', env: { OPS_RATE_LIMIT_PER_MINUTE: '100000000' } },
      store.spec,
    );
    return await phases(server);
  } finally {
    await server?.close();
    await store.drop();
  }
}

async function phases(server: RunningServer): Promise<Round> {
  const { pid } = server;
  const token = server.opsToken as string;
  const start = status(pid);
  const tag = randomBytes(4).toString('hex');

  const body = restBirths(motherCodes(), new Date(), tag);
  const request = {
    path: '/v1/births',
    headers: { 'content-type': 'application/json', 'x-road-client': BENCH_CLIENT_ID },
    expectedStatus: 201,
  };
  const load = await sampled(pid, () =>
    runLoad(server.url, request, body, settings.connections, settings.durationSec),
  );
  const afterLoad = status(pid);

  const large = await sampled(pid, async () => {
    await registerClients(server, token, settings.clients, tag);
    let jsonBytes = 0;
    let htmlBytes = 0;
    for (let i = 0; i < 3; i++) {
      jsonBytes = await get(server, token, '/ops/clients');
      htmlBytes = await get(server, token, '/ops/');
    }
    return { clients: settings.clients, jsonBytes, htmlBytes };
  });
  const end = status(pid);
  return {
    startRss: start.rss,
    startPeak: start.hwm,
    loadPeakRss: load.peakRss,
    afterLoadRss: afterLoad.rss,
    largeResultPeakRss: large.peakRss,
    afterLargeResultRss: end.rss,
    peak: end.hwm,
    births: {
      answered: load.value.succeeded,
      requestsPerSec: Math.round(load.value.requestsPerSec),
      failed: load.value.errors + Object.values(load.value.unexpected).reduce((a, b) => a + b, 0),
    },
    largeResult: large.value,
  };
}

const FIGURES: [keyof Round, string][] = [
  ['startRss', 'at start'],
  ['startPeak', 'peak by start'],
  ['loadPeakRss', 'peak under load'],
  ['afterLoadRss', 'after load'],
  ['largeResultPeakRss', 'peak, large result'],
  ['afterLargeResultRss', 'after large result'],
  ['peak', 'peak (VmHWM)'],
];

function table(byStore: Record<string, Round[]>): string {
  const stores = Object.keys(byStore);
  const rows = FIGURES.map(([key, label]) => {
    const cells = stores.map((s) => {
      const values = (byStore[s] ?? []).map((r) => r[key] as number);
      return `${median(values)} (${values.join(', ')})`;
    });
    return `| ${label} | ${cells.join(' | ')} |`;
  });
  return [
    `| MiB, median (rounds) | ${stores.join(' | ')} |`,
    `|---|${stores.map(() => '--:|').join('')}`,
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const dir = gatewayDir();
  if (!process.env.BENCH_GATEWAY)
    execFileSync(process.execPath, ['scripts/build.cjs'], { cwd: dir, stdio: 'inherit' });
  const started = new Date();
  const loadStart = loadAverage();
  const byStore: Record<string, Round[]> = {};
  for (let i = 1; i <= settings.rounds; i++) {
    for (const kind of settings.stores) {
      const r = await round(kind);
      byStore[kind] = [...(byStore[kind] ?? []), r];
      log(
        `${kind} round ${i}/${settings.rounds}: start ${r.startRss} MiB (peak ${r.startPeak}), load peak ${r.loadPeakRss} ` +
          `(${r.births.requestsPerSec} req/s), large result peak ${r.largeResultPeakRss}, after ${r.afterLargeResultRss}, VmHWM ${r.peak}`,
      );
    }
  }
  const run = {
    date: started.toISOString(),
    gateway: checkout(dir),
    machine: machine(loadStart),
    settings: { ...settings, pgServerUrl: new URL(settings.pgServerUrl).host },
    targetPeakMiB: TARGET_PEAK_MIB,
    rounds: byStore,
  };
  const file = writeResults('memory', started, run.gateway.commit, run);
  process.stdout.write(`\n${table(byStore)}\n\nResults: ${file}\n`);
}

main().catch((err) => {
  process.stderr.write(
    `bench:memory failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
