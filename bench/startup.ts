import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

/**
 * Start-up and CLI speed (`npm run bench:startup`), as an operator meets them:
 * wall time from spawning the process to the gateway answering /readyz 200 on
 * an existing embedded database (warm: a restart), and from spawning a CLI
 * command to its exit. Each figure is measured beside a baseline in the same
 * run, alternating round by round: an express app's start-to-first-answer, and
 * `node -e ''`. Also the way it was before (TypeScript compiled at run time by
 * tsx), so the change shows in one run. Needs `npm run build` (npm install
 * does it). BENCH_ROUNDS (default 10); BENCH_PG_URL adds the CLI on a
 * PostgreSQL database. Results: bench/results/startup-<date>.json.
 */
const ROOT = join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const PORT = 18_000 + Math.floor(Math.random() * 1000);

interface Case {
  name: string;
  command: string[];
  /** Until when: the process exits, or the gateway answers /readyz 200. */
  until: 'exit' | 'ready';
  env?: Record<string, string>;
}

const dataDir = mkdtempSync(join(tmpdir(), 'vtj-bench-startup-'));
const gatewayEnv = { DATA_DIR: dataDir, PORT: String(PORT), LOG_LEVEL: 'info', DATABASE_URL: '' };
const node = process.execPath;
const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');

const EXPRESS_BASELINE = `
const express = require('express');
const app = express();
app.get('/readyz', (_req, res) => res.json({ status: 'ok' }));
app.listen(${PORT}, '127.0.0.1');
`;

const GATEWAY_CASES: Case[] = [
  { name: 'gateway: node dist/main.js', command: [node, 'dist/main.js'], until: 'ready', env: gatewayEnv },
  { name: 'gateway: npm start', command: ['npm', 'start', '--silent'], until: 'ready', env: gatewayEnv },
  { name: 'before: tsx src/main.ts', command: [tsx, 'src/main.ts'], until: 'ready', env: gatewayEnv },
  { name: 'baseline: express app', command: [node, '-e', EXPRESS_BASELINE], until: 'ready' },
];
const CLI_CASES: Case[] = [
  {
    name: 'cli: vtj-gateway clients list',
    command: [node, 'bin/vtj-gateway.cjs', 'clients', 'list'],
    until: 'exit',
    env: gatewayEnv,
  },
  {
    name: 'cli: npx vtj-gateway clients list',
    command: ['npx', 'vtj-gateway', 'clients', 'list'],
    until: 'exit',
    env: gatewayEnv,
  },
  { name: 'cli: vtj-gateway --help', command: [node, 'bin/vtj-gateway.cjs', '--help'], until: 'exit' },
  {
    name: 'before: tsx, clients list',
    command: [
      node,
      '--require',
      'tsx/cjs',
      '-e',
      "require('./src/cli/main.ts').main(['node', 'x', 'clients', 'list'])",
    ],
    until: 'exit',
    env: gatewayEnv,
  },
  { name: "baseline: node -e ''", command: [node, '-e', ''], until: 'exit' },
  // With BENCH_PG_URL (a database of the benchmark's own): the same command on PostgreSQL.
  ...(process.env.BENCH_PG_URL
    ? [
        {
          name: 'cli: clients list, PostgreSQL',
          command: [node, 'bin/vtj-gateway.cjs', 'clients', 'list'],
          until: 'exit' as const,
          env: { DATABASE_URL: process.env.BENCH_PG_URL },
        },
      ]
    : []),
];

async function timeOnce(c: Case): Promise<number> {
  const started = performance.now();
  const [cmd, ...args] = c.command as [string, ...string[]];
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...c.env },
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (c.until === 'exit') {
    const code = await exited;
    if (code !== 0) throw new Error(`${c.name} exited ${code}`);
    return performance.now() - started;
  }
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${c.name} exited ${child.exitCode} before it was ready`);
      const ok = await fetch(`http://127.0.0.1:${PORT}/readyz`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    stop(child);
    await exited;
  }
}

function stop(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // gone already
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? 0, median: s[Math.floor(s.length / 2)] ?? 0, max: s[s.length - 1] ?? 0 };
};

async function measure(cases: Case[]): Promise<Record<string, number[]>> {
  const times: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
  for (const c of cases) await timeOnce(c); // warm-up, not counted: file caches, the first start's initdb
  for (let round = 0; round < ROUNDS; round++) {
    // Alternating, so a slow spell of the machine lands on every case.
    for (const c of round % 2 === 0 ? cases : [...cases].reverse()) times[c.name]?.push(await timeOnce(c));
  }
  return times;
}

async function main(): Promise<void> {
  const results = { ...(await measure(GATEWAY_CASES)), ...(await measure(CLI_CASES)) };
  rmSync(dataDir, { recursive: true, force: true });
  const summary = Object.entries(results).map(([name, ms]) => ({ name, ...stats(ms), rounds: ms }));
  const report = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) },
    node: process.version,
    rounds: ROUNDS,
    summary,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `startup-${report.measuredAt.slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  for (const s of summary) {
    process.stdout.write(
      `${s.name.padEnd(36)} median ${s.median.toFixed(0).padStart(5)} ms  (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})\n`,
    );
  }
  process.stdout.write(`\n${file}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
