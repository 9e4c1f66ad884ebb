import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BENCH_CLIENT_ID, motherCodes } from './bodies';
import type { StoreSpec } from './stores';

/**
 * The servers a scenario measures, each a process of its own, so the load
 * generator's work never runs on a server's event loop:
 * - `gateway`: `node dist/main.js` with the environment it is given, as
 *   `npm start` runs it (production logging on), from this checkout or from
 *   BENCH_GATEWAY (another checkout's built tree, to compare versions);
 *   seeded through its operator API with the benchmark client and the mothers.
 * - `baseline`: bench/baseline-server.ts, bare express and one INSERT per
 *   request in a transaction through the gateway's database adapters;
 *   `plain-baseline`: the same INSERT in autocommit on a plain pg.Pool or
 *   PGlite; `echo`: express sending the parsed JSON back, no database.
 */
export type ServerKind = 'gateway' | BaselineKind;
/** bench/baseline-server.ts in its three forms (its BASELINE setting): see there. */
export type BaselineKind = 'baseline' | 'plain-baseline' | 'echo';
const BASELINE_MODE: Record<BaselineKind, string> = {
  baseline: 'adapters',
  'plain-baseline': 'plain',
  echo: 'echo',
};

export interface ServerSpec {
  kind: ServerKind;
  /** Gateway: how the benchmark client is registered (`new`: REST only; `existing`: may use SOAP). */
  clientKind?: 'new' | 'existing';
  /** Gateway: settings beyond the store's (e.g. SOAP cut-offs). */
  env?: Record<string, string>;
  /** Options for node before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

export interface RunningServer {
  url: string;
  /** The server's process id (its memory is read from /proc/<pid>/status). */
  pid: number;
  /** Gateway: the operator token it was started with. */
  opsToken?: string;
  /** CPU time (user + system) the process has used, in ms. */
  cpuMs(): number;
  /** The process's peak resident memory so far, in MiB. */
  peakRssMiB(): number;
  /** Notifications registered (gateway) or rows stored (baseline), as the server counts them. */
  stored(): Promise<number>;
  /** Gateway: a POST to its operator API (throws unless 2xx). */
  ops?: (path: string, body: unknown) => Promise<void>;
  close(): Promise<void>;
}

export const POOL_SIZE = 10;
const ROOT = join(__dirname, '..');
/** Linux reports process CPU in clock ticks of 1/100 s (USER_HZ) on every architecture Node runs on. */
const TICKS_PER_SEC = 100;

export function gatewayDir(): string {
  return process.env.BENCH_GATEWAY || ROOT;
}

export function startServer(spec: ServerSpec, store: StoreSpec): Promise<RunningServer> {
  return spec.kind === 'gateway' ? startGateway(spec, store) : startBaseline(spec, store);
}

function storeEnv(store: StoreSpec): Record<string, string> {
  return store.kind === 'pg' ? { DATABASE_URL: store.url } : { DATA_DIR: store.dataDir };
}

/** Only what a server needs: nothing of the caller's DATABASE_URL, PORT or LOG_LEVEL leaks in. */
const baseEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
});

async function startGateway(spec: ServerSpec, store: StoreSpec): Promise<RunningServer> {
  const dir = gatewayDir();
  const main = join(dir, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build in ${dir}`);
  const token = randomBytes(24).toString('base64url');
  const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), main], {
    cwd: dir,
    env: {
      ...baseEnv(),
      ...spec.env,
      ...storeEnv(store),
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      OPS_TOKEN: token,
      SEED_DEMO: 'false',
      // One benchmark client sends thousands a second: measured is the pipeline, not its budget.
      RATE_LIMIT_PER_MINUTE: '100000000',
      RATE_LIMIT_BURST: '1000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Its JSON log lines: the one saying where it listens is read, the rest drained as a collector would.
  const url = await firstLine(child, (line) => {
    const entry = parseJson(line);
    return entry?.msg === 'gateway listening' && typeof entry.url === 'string' ? entry.url : undefined;
  });
  await until(async () => (await fetch(`${url}/readyz`)).status === 200, 20_000, 'the gateway to be ready');
  const ops = (path: string, body: unknown) => opsPost(url, token, path, body);
  await ops('/ops/clients', {
    id: BENCH_CLIENT_ID,
    name: 'Benchmark',
    organisation: 'Benchmark HVA',
    kind: spec.clientKind ?? 'new',
    sandbox: false,
  });
  await ops(
    '/ops/register/persons',
    motherCodes().map((c) => ({ personalIdentityCode: c })),
  );
  return {
    ...processGauges(child),
    url,
    opsToken: token,
    ops,
    stored: async () => registeredCount(await (await fetch(`${url}/metrics`)).text()),
    close: () => stop(child),
  };
}

async function startBaseline(spec: ServerSpec, store: StoreSpec): Promise<RunningServer> {
  const script = join(__dirname, 'baseline-server.ts');
  const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), '--import', 'tsx', script], {
    cwd: ROOT,
    env: {
      ...baseEnv(),
      ...storeEnv(store),
      BENCH_POOL_SIZE: String(POOL_SIZE),
      BASELINE: BASELINE_MODE[spec.kind as BaselineKind],
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await firstLine(child, (line) => parseJson(line)?.url as string | undefined);
  return {
    ...processGauges(child),
    url,
    stored: async () => Number(await (await fetch(`${url}/stored`)).text()),
    close: () => stop(child),
  };
}

function processGauges(child: ChildProcess): Pick<RunningServer, 'pid' | 'cpuMs' | 'peakRssMiB'> {
  const pid = child.pid as number;
  return {
    pid,
    cpuMs() {
      // /proc/<pid>/stat: the command may hold spaces, so count the fields after its closing parenthesis.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC;
    },
    peakRssMiB() {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return Number(kb) / 1024;
    },
  };
}

/** The sum of vtj_notifications_total{outcome="registered"} over channels and kinds. */
function registeredCount(metrics: string): number {
  let n = 0;
  for (const line of metrics.split('\n')) {
    if (line.startsWith('vtj_notifications_total{') && line.includes('outcome="registered"'))
      n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}

async function opsPost(url: string, token: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${(await res.text()).slice(0, 500)}`);
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Reads the child's stdout until `pick` finds a value; keeps draining it afterwards. */
function firstLine(child: ChildProcess, pick: (line: string) => string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    let found = false;
    lines.on('line', (line) => {
      const value = found ? undefined : pick(line);
      if (value !== undefined) {
        found = true;
        resolve(value);
      }
    });
    child.once('exit', (code) => {
      if (!found) reject(new Error(`the server exited (${code}) before it said where it listens`));
    });
  });
}

async function until(check: () => Promise<boolean>, withinMs: number, what: string): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** SIGTERM (both servers close their database on it), SIGKILL if it has not exited in 15 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
