import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { motherCodes, restBirths } from './bodies';
import { runLoad } from './load';
import { summarizeProfile } from './profile-summary';
import { REST_BIRTHS } from './scenarios';
import { startServer } from './servers';
import { freshStore, type StoreKind } from './stores';
import { WAL_STATS_SETTLE_MS, type WalUsage, walPerRequest, walUsage } from './wal-usage';

/**
 * Where the gateway's CPU goes on single REST births: the gateway started as
 * `npm start` starts it, under `node --cpu-prof`, loaded for BENCH_DURATION
 * seconds (15) at BENCH_CONNECTIONS (10) after a warm-up, and the profile
 * summarized by area and function; on PostgreSQL also the write-ahead log
 * written per request (wal-usage.ts). `npm run bench:profile [-- pg|pglite]`.
 */
async function main(): Promise<void> {
  const kind = (process.argv[2] ?? 'pg') as StoreKind;
  const serverKind = process.argv[3] === 'baseline' ? 'baseline' : 'gateway';
  const duration = Number(process.env.BENCH_DURATION ?? 15);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
  const rate = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
  const profiled = process.env.BENCH_PROFILE !== '0';
  if (!process.env.BENCH_GATEWAY)
    execFileSync(process.execPath, ['scripts/build.cjs'], { cwd: join(__dirname, '..'), stdio: 'inherit' });
  const profileDir = mkdtempSync(join(tmpdir(), 'vtj-bench-profile-'));
  const store = await freshStore(kind, process.env.BENCH_PG_URL);
  try {
    const server = await startServer(
      { kind: serverKind, nodeArgs: profiled ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] },
      store.spec,
    );
    const body = restBirths(motherCodes(), new Date(), randomBytes(4).toString('hex'));
    let stopped: Promise<void> | undefined;
    try {
      await runLoad(server.url, REST_BIRTHS, body, connections, 3);
      const url = store.spec.kind === 'pg' ? store.spec.url : undefined;
      if (url) await new Promise((resolve) => setTimeout(resolve, WAL_STATS_SETTLE_MS));
      const cpu = server.cpuMs();
      const wal: WalUsage | undefined = url ? await walUsage(url) : undefined;
      const run = await runLoad(server.url, REST_BIRTHS, body, connections, duration, rate);
      const cpuMs = server.cpuMs() - cpu;
      process.stdout.write(
        `${serverKind} on ${kind}: ${run.requestsPerSec.toFixed(0)} req/s, p99 ${run.p99Ms} ms, ` +
          `${(cpuMs / Math.max(1, run.succeeded)).toFixed(3)} ms CPU per request\n`,
      );
      stopped = server.close();
      await stopped;
      // Its connections closed, every backend has reported what it wrote.
      if (url && wal) process.stdout.write(`${walPerRequest(wal, await walUsage(url), run.succeeded)}\n`);
    } finally {
      await (stopped ?? server.close());
    }
    if (!profiled) return;
    const [file] = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no profile written');
    const s = summarizeProfile(join(profileDir, file), Number(process.env.BENCH_TOP ?? 30));
    process.stdout.write(`profile: ${s.totalMs} ms (the whole process life, start-up included)\n\n`);
    for (const a of s.areas) process.stdout.write(`${String(a.share).padStart(5)} %  ${a.area}\n`);
    process.stdout.write('\n');
    for (const f of s.functions)
      process.stdout.write(`${String(f.share).padStart(5)} %  ${f.name}  ${f.source}\n`);
  } finally {
    await store.drop();
    if (process.env.BENCH_KEEP) process.stdout.write(`profile kept in ${profileDir}\n`);
    else rmSync(profileDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
