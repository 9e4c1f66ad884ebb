import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseHetu } from '../src/core/hetu/hetu';
import type { Database } from '../src/infra/pg/database';
import { createPgDatabase } from '../src/infra/pg/pg-database';
import { createPgliteDatabase } from '../src/infra/pg/pglite-database';
import { BENCH_CLIENT_ID, MOTHERS, motherCodes } from './bodies';
import { log } from './measure';
import { type ProfileSummary, summarizeProfile } from './profile-summary';
import { writeBacklog } from './replay-data';
import { checkout, envInt, loadAverage, machine, writeResults } from './results-file';
import { gatewayDir, type RunningServer, startServer } from './servers';
import { freshStore, type StoreKind } from './stores';

/**
 * `npm run bench:replay`: a backlog of BENCH_REPLAY_ITEMS (100,000) births and
 * deaths replayed with `vtj-gateway replay` — what users run — into a gateway
 * started as `npm start` starts it, on a fresh store of each kind; the mothers
 * and the persons who die are loaded first, through the operator API. Timed:
 * from the CLI's start to its exit. Then the database is read to check that
 * every notification is registered once, every child's code is distinct and
 * valid (its check character, date and sex), and every death recorded.
 * With BENCH_PROFILE=1 (default) a second, untimed run per store takes a CPU
 * profile of the gateway (node --cpu-prof), summarized by area.
 *
 * Settings: BENCH_REPLAY_ITEMS, BENCH_STORES (pglite,pg), BENCH_PG_URL,
 * BENCH_CHUNK (1000), BENCH_PARALLEL (3), BENCH_PROFILE (1; 0: no profiled run; only: just
 * the profiled one), BENCH_GATEWAY.
 * A benchmark, not a test: it reports, and fails only when the checks fail.
 */
const _ROOT = join(__dirname, '..');
const TICKS = 100;

interface Settings {
  items: number;
  stores: StoreKind[];
  pgServerUrl: string;
  chunk: number;
  parallel: number;
  profile: boolean;
}

interface Gauges {
  /** CPU seconds (user + system) of the gateway, the CLI, PostgreSQL's backends of this database, and the whole machine. */
  cpuSeconds: { gateway: number; cli: number; postgres: number | null; machine: number };
  peakRssMiB: { gateway: number; cli: number };
}

interface Verified {
  notifications: number;
  byStatus: Record<string, number>;
  births: number;
  childCodes: number;
  /** Every client's (the backlog's and the single requests'), and how many of them are distinct. */
  allChildCodes: number;
  distinctChildCodes: number;
  /** Codes whose check character, date or sex does not fit the birth. */
  invalidChildCodes: number;
  childrenInRegister: number;
  deathsRecorded: number;
}

interface RunResult {
  store: StoreKind;
  storeDescription: string;
  profiled: boolean;
  items: number;
  births: number;
  deaths: number;
  seconds: number;
  itemsPerSecond: number;
  gauges: Gauges;
  cliSummary: Record<string, unknown>;
  verified: Verified;
  checks: { allRegisteredOnce: boolean; codesDistinctAndValid: boolean; deathsRecorded: boolean };
  /** Single births of another client, one every 100 ms: alone before the replay, and during it. */
  singleRequests: { idle: Latencies; duringReplay: Latencies };
  profile?: ProfileSummary;
}

/** /proc/<pid>: CPU seconds so far and peak resident MiB (0 once the process is gone). */
function procGauges(pid: number): { cpu: number; peakMiB: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(f[11]) + Number(f[12])) / TICKS;
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return { cpu, peakMiB: Number(kb ?? 0) / 1024 };
  } catch {
    return { cpu: 0, peakMiB: 0 };
  }
}

/** The machine's busy CPU seconds, all cores (from /proc/stat: user, nice, system, irq, softirq, steal). */
function machineCpu(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.split(/\s+/).slice(1).map(Number) ?? [];
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return (user + nice + system + irq + softirq + steal) / TICKS;
}

/** CPU seconds of the PostgreSQL backends serving `database` now. */
async function postgresCpu(serverUrl: string, database: string): Promise<number> {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    const rows = (await c.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database])).rows;
    return rows.reduce((sum, r: { pid: number }) => sum + procGauges(r.pid).cpu, 0);
  } finally {
    await c.end();
  }
}

/**
 * A second client sending single births while the backlog is replayed, to see what a replay does to
 * them: mothers of its own and today's date, so that it shares no person and no code series with the
 * backlog (a request that did would wait, rightly, for the bulk transaction holding them).
 */
const PROBE_CLIENT = 'FI/GOV/0123456-7/probe';
const PROBE_MOTHERS = motherCodes(MOTHERS + 20).slice(MOTHERS);

interface Latencies {
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  failed: number;
}

function latencies(ms: number[], failed: number): Latencies {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
  return { count: sorted.length, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: at(1), failed };
}

/** POST /v1/births every `everyMs` until stopped; the latencies of the 201s. */
function probe(url: string, mothers: readonly string[], tag: string, everyMs = 100) {
  const ms: number[] = [];
  let failed = 0;
  let n = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const i = n++;
      const started = performance.now();
      const res = await fetch(`${url}/v1/births`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-road-client': PROBE_CLIENT },
        body: JSON.stringify({
          notificationId: `probe-${tag}-${i}`,
          // Born a minute ago: a day the backlog (which ends yesterday) never touches.
          child: {
            birthDateTime: new Date(Date.now() - 60_000).toISOString(),
            sex: i % 2 ? 'male' : 'female',
          },
          birth: { municipalityCode: '091', liveBorn: true },
          mother: { personalIdentityCode: mothers[i % mothers.length] },
        }),
      }).catch(() => undefined);
      await res?.arrayBuffer();
      if (res?.status === 201) ms.push(performance.now() - started);
      else failed++;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    stop: async (): Promise<Latencies> => {
      stopped = true;
      await done;
      return latencies(ms, failed);
    },
  };
}

/** Runs the CLI to its end, sampling its gauges; wall seconds, its summary, its gauges. */
async function runCli(
  args: string[],
): Promise<{ seconds: number; summary: Record<string, unknown>; cpu: number; peakMiB: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(gatewayDir(), 'bin', 'vtj-gateway.cjs'), 'replay', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    const last = d.trim().split('\n').at(-1);
    if (last) log(`cli: ${last}`);
  });
  let last = { cpu: 0, peakMiB: 0 };
  const sampler = setInterval(() => {
    const g = procGauges(child.pid as number);
    if (g.peakMiB > 0) last = g;
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`vtj-gateway replay exited ${code}:\n${stdout}\n${stderr.slice(-2000)}`);
  return { seconds, summary: JSON.parse(stdout), ...last };
}

/** The backlog's notifications as the database holds them; child codes are checked across every client's. */
async function verify(db: Database): Promise<Verified> {
  const status = await db.query<{ status: string; n: number }>(
    'SELECT status, count(*)::integer AS n FROM notifications WHERE client_id = $1 GROUP BY status',
    [BENCH_CLIENT_ID],
  );
  const children = await db.query<{ code: string | null; at: string; sex: string; mine: boolean }>(
    `SELECT child_code AS code, content->'child'->>'birthDate' AS at, content->'child'->>'sex' AS sex,
       client_id = $1 AS mine
     FROM notifications WHERE kind = 'birth'`,
    [BENCH_CLIENT_ID],
  );
  let invalid = 0;
  const codes = new Set<string>();
  let all = 0;
  for (const c of children) {
    if (!c.code) continue;
    all++;
    codes.add(c.code);
    const parsed = parseHetu(c.code);
    if (!parsed.ok || parsed.hetu.birthDate !== c.at || parsed.hetu.sex !== c.sex || parsed.hetu.temporary)
      invalid++;
  }
  const [inRegister] = await db.query<{ n: number }>(
    `SELECT count(*)::integer AS n FROM persons p JOIN notifications n ON n.child_code = p.personal_identity_code`,
  );
  const [deaths] = await db.query<{ n: number }>(
    `SELECT count(*)::integer AS n FROM persons p JOIN notifications n
       ON n.kind = 'death' AND n.content->'deceased'->>'personalIdentityCode' = p.personal_identity_code
     WHERE p.death_date IS NOT NULL`,
  );
  return {
    notifications: status.reduce((s, r) => s + r.n, 0),
    byStatus: Object.fromEntries(status.map((r) => [r.status, r.n])),
    births: children.filter((c) => c.mine).length,
    childCodes: children.filter((c) => c.mine && c.code).length,
    allChildCodes: all,
    distinctChildCodes: codes.size,
    invalidChildCodes: invalid,
    childrenInRegister: inRegister?.n ?? 0,
    deathsRecorded: deaths?.n ?? 0,
  };
}

async function run(kind: StoreKind, s: Settings, profiled: boolean): Promise<RunResult> {
  const store = await freshStore(kind, s.pgServerUrl);
  const work = mkdtempSync(join(os.tmpdir(), 'vtj-bench-replay-'));
  const profileDir = join(work, 'profile');
  let server: RunningServer | undefined;
  try {
    server = await startServer(
      {
        kind: 'gateway',
        clientKind: 'new',
        nodeArgs: [...(profiled ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
      },
      store.spec,
    );
    const ops = server.ops as NonNullable<RunningServer['ops']>;
    const now = new Date();
    const file = join(work, 'backlog.ndjson');
    const backlog = await writeBacklog(file, s.items, now, randomBytes(4).toString('hex'));
    for (let i = 0; i < backlog.deceased.length; i += 10_000) {
      await ops(
        '/ops/register/persons',
        backlog.deceased.slice(i, i + 10_000).map((c) => ({ personalIdentityCode: c })),
      );
    }
    log(
      `${kind}${profiled ? ' (profiled)' : ''}: ${s.items} items (${backlog.births} births, ${backlog.deaths} deaths) ready`,
    );
    await ops('/ops/clients', {
      id: PROBE_CLIENT,
      name: 'Probe',
      organisation: 'Benchmark HVA',
      kind: 'new',
      sandbox: false,
    });
    await ops(
      '/ops/register/persons',
      PROBE_MOTHERS.map((c) => ({ personalIdentityCode: c })),
    );
    const idleProbe = probe(server.url, PROBE_MOTHERS, 'idle');
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const idle = await idleProbe.stop();

    const database = kind === 'pg' ? new URL((store.spec as { url: string }).url).pathname.slice(1) : '';
    const pgBefore = kind === 'pg' ? await postgresCpu(s.pgServerUrl, database) : null;
    const gwBefore = server.cpuMs() / 1000;
    const machineBefore = machineCpu();
    const busyProbe = probe(server.url, PROBE_MOTHERS, 'busy');
    const cli = await runCli([
      file,
      '--client',
      BENCH_CLIENT_ID,
      '--url',
      server.url,
      '--chunk',
      String(s.chunk),
      '--parallel',
      String(s.parallel),
      '--json',
    ]);
    const duringReplay = await busyProbe.stop();
    const gauges: Gauges = {
      cpuSeconds: {
        gateway: server.cpuMs() / 1000 - gwBefore,
        cli: cli.cpu,
        postgres: pgBefore === null ? null : (await postgresCpu(s.pgServerUrl, database)) - pgBefore,
        machine: machineCpu() - machineBefore,
      },
      peakRssMiB: { gateway: server.peakRssMiB(), cli: cli.peakMiB },
    };
    log(`${kind}: ${s.items} in ${cli.seconds.toFixed(1)} s (${Math.round(s.items / cli.seconds)}/s)`);

    // The database as the gateway left it; the embedded one once its process has closed it.
    await server.close();
    server = undefined;
    let verified: Verified;
    if (kind === 'pg') {
      const db = createPgDatabase({
        connectionString: (store.spec as { url: string }).url,
        poolSize: 2,
        timeouts: {
          connectMs: 5000,
          poolWaitMs: 5000,
          queryMs: 120_000,
          statementMs: 110_000,
          lockMs: 5000,
          idleInTransactionMs: 60_000,
          keepAliveMs: 10_000,
        },
        onError: () => {},
      });
      verified = await verify(db).finally(() => db.close());
    } else {
      const db = await createPgliteDatabase((store.spec as { dataDir: string }).dataDir);
      verified = await verify(db).finally(() => db.close());
    }
    let profile: ProfileSummary | undefined;
    if (profiled) {
      const [prof] = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
      if (prof) profile = summarizeProfile(join(profileDir, prof), 25);
    }
    const checks = {
      allRegisteredOnce: verified.notifications === s.items && verified.byStatus.registered === s.items,
      codesDistinctAndValid:
        verified.childCodes === backlog.births &&
        verified.distinctChildCodes === verified.allChildCodes &&
        verified.invalidChildCodes === 0 &&
        verified.childrenInRegister === verified.allChildCodes,
      deathsRecorded: verified.deathsRecorded === backlog.deaths,
    };
    return {
      store: kind,
      storeDescription: store.description,
      profiled,
      items: s.items,
      births: backlog.births,
      deaths: backlog.deaths,
      seconds: Math.round(cli.seconds * 100) / 100,
      itemsPerSecond: Math.round(s.items / cli.seconds),
      gauges,
      cliSummary: cli.summary,
      verified,
      checks,
      singleRequests: { idle, duringReplay },
      ...(profile ? { profile } : {}),
    };
  } finally {
    await server?.close();
    await store.drop();
    rmSync(work, { recursive: true, force: true });
  }
}

const f1 = (n: number | null) => (n === null ? '–' : n.toFixed(1));

async function main(): Promise<void> {
  const stores = (process.env.BENCH_STORES || 'pglite,pg').split(',') as StoreKind[];
  const s: Settings = {
    items: envInt('BENCH_REPLAY_ITEMS', 100_000),
    stores,
    pgServerUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/',
    chunk: envInt('BENCH_CHUNK', 1000),
    parallel: envInt('BENCH_PARALLEL', 3),
    profile: process.env.BENCH_PROFILE !== '0',
  };
  const dir = gatewayDir();
  if (!process.env.BENCH_GATEWAY)
    execFileSync(process.execPath, ['scripts/build.cjs'], { cwd: dir, stdio: 'inherit' });
  const started = new Date();
  const loadStart = loadAverage();
  const results: RunResult[] = [];
  for (const kind of s.stores) {
    if (process.env.BENCH_PROFILE !== 'only') results.push(await run(kind, s, false));
    if (s.profile) results.push(await run(kind, s, true));
  }
  const report = {
    date: started.toISOString(),
    gateway: checkout(dir),
    machine: machine(loadStart),
    settings: { ...s, pgServerUrl: new URL(s.pgServerUrl).host },
    results,
  };
  const out = writeResults('replay', started, report.gateway.commit, report);

  const rows = results.map((r) => {
    const c = r.gauges.cpuSeconds;
    const ok = r.checks.allRegisteredOnce && r.checks.codesDistinctAndValid && r.checks.deathsRecorded;
    return (
      `| ${r.store}${r.profiled ? ' (profiled)' : ''} | ${r.items.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} s | ` +
      `${r.itemsPerSecond.toLocaleString('en-US')}/s | ${Math.round(r.gauges.peakRssMiB.gateway)} MiB | ` +
      `${Math.round(r.gauges.peakRssMiB.cli)} MiB | ${f1(c.gateway)} / ${f1(c.cli)} / ${f1(c.postgres)} / ${f1(c.machine)} | ` +
      `${ok ? 'yes' : 'NO'} | ${r.singleRequests.idle.p50Ms} / ${r.singleRequests.idle.p95Ms} ms | ` +
      `${r.singleRequests.duringReplay.p50Ms} / ${r.singleRequests.duringReplay.p95Ms} / ${r.singleRequests.duringReplay.maxMs} ms |`
    );
  });
  process.stdout.write(
    [
      '',
      '| store | items | time | rate | gateway peak RSS | CLI peak RSS | CPU s: gateway / CLI / PostgreSQL / machine | every code distinct and valid, each registered once | single birth alone p50 / p95 | during the replay p50 / p95 / max |',
      '|---|--:|--:|--:|--:|--:|---|---|--:|--:|',
      ...rows,
      '',
      `Results: ${out}`,
      '',
    ].join('\n'),
  );
  for (const r of results.filter((x) => x.profile)) {
    process.stdout.write(`\nProfile, ${r.store} (${r.profile?.totalMs} ms):\n`);
    for (const a of r.profile?.areas ?? [])
      process.stdout.write(`  ${String(a.share).padStart(5)} %  ${a.area}\n`);
  }
  if (
    results.some(
      (r) => !(r.checks.allRegisteredOnce && r.checks.codesDistinctAndValid && r.checks.deathsRecorded),
    )
  ) {
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
