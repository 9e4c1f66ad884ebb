import { execFileSync } from 'node:child_process';
import { log, runScenario, type ScenarioResult, type Settings, type StreamResult } from './measure';
import { checkout, envInt, loadAverage, machine, writeResults } from './results-file';
import { SCENARIOS } from './scenarios';
import { gatewayDir } from './servers';
import type { StoreKind } from './stores';

/**
 * `npm run bench [-- SCENARIO…]`: the scenarios of bench/scenarios.ts (all
 * unless named) on each store, one JSON file of results per run in
 * bench/results/, and a table on stdout. A benchmark, not a test: it never
 * fails on numbers. Settings: BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP
 * (seconds), BENCH_CONNECTIONS, BENCH_STORES (pglite,pg), BENCH_PG_URL (the
 * PostgreSQL server; a fresh database per server is created and dropped),
 * BENCH_GATEWAY (another checkout whose built gateway to measure).
 */

function settings(): Settings {
  const stores = (process.env.BENCH_STORES || 'pglite,pg').split(',') as StoreKind[];
  if (stores.some((k) => k !== 'pglite' && k !== 'pg')) throw new Error('BENCH_STORES: pglite, pg or both');
  return {
    connections: envInt('BENCH_CONNECTIONS', 10),
    durationSec: envInt('BENCH_DURATION', 8),
    warmupSec: envInt('BENCH_WARMUP', 3),
    rounds: envInt('BENCH_ROUNDS', 5),
    stores,
    pgServerUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/',
  };
}

const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
const n0 = (v: number) => Math.round(v).toLocaleString('en-US');

/** CPU per request: the server's own, then PostgreSQL's and the load generator's where measured. */
function cpu(r: StreamResult): string {
  const pg = r.postgresCpuMsPerRequest > 0 ? ` + ${r.postgresCpuMsPerRequest.toFixed(2)} PostgreSQL` : '';
  const idle = r.idleShare !== undefined ? `, machine ${pct(r.idleShare)} idle` : '';
  return `${r.cpuMsPerRequest.toFixed(2)}${pg} + ${r.loadCpuMsPerRequest.toFixed(2)} load ms CPU${idle}`;
}

function table(results: ScenarioResult[]): string {
  const rows = results.map((r) => {
    const m = r.measured;
    const ref = r.reference;
    const rounds = r.roundRatios.map((v) => (v * 100).toFixed(0)).join(' / ');
    const flag = m.flagged || ref.flagged ? ' (errors: see JSON)' : '';
    return (
      `| ${r.scenario} | ${r.store} | ${m.label} ${n0(m.requestsPerSec)} req/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, ${cpu(m)} | ` +
      `${ref.label} ${n0(ref.requestsPerSec)} req/s, p50 ${ref.p50Ms} ms, p99 ${ref.p99Ms} ms, ${cpu(ref)} | ` +
      `${pct(r.ratio)} (${rounds}) | ${r.offeredRate ? `p99 ≤ ${r.targetRatio}× at ${r.offeredRate} req/s` : `≥ ${pct(r.targetRatio)}`}: ${r.targetMet ? 'met' : 'not met'}${flag} |`
    );
  });
  return [
    '| scenario | store | measured (medians; CPU per request) | reference | ratio, median (per round) | target |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const named = process.argv.slice(2);
  const unknown = named.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`,
    );
  const scenarios = named.length > 0 ? SCENARIOS.filter((s) => named.includes(s.id)) : SCENARIOS;
  const s = settings();
  const dir = gatewayDir();
  if (!process.env.BENCH_GATEWAY)
    execFileSync(process.execPath, ['scripts/build.cjs'], { cwd: dir, stdio: 'inherit' });
  const started = new Date();
  const loadStart = loadAverage();
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    for (const store of s.stores) {
      const r = await runScenario(scenario, store, s);
      log(`${scenario.id} ${store}: median ratio ${pct(r.ratio)}`);
      results.push(r);
    }
  }
  const run = {
    date: started.toISOString(),
    gateway: checkout(dir),
    machine: machine(loadStart),
    settings: { ...s, pgServerUrl: new URL(s.pgServerUrl).host },
    results,
  };
  const file = writeResults('births', started, run.gateway.commit, run);
  process.stdout.write(`\n${table(results)}\n\nResults: ${file}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
