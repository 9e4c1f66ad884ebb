import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

/** What every benchmark shares: its settings from the environment, and one JSON file of results per run. */

/** A positive whole number from the environment, or the fallback when unset. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number`);
  return n;
}

function git(dir: string, ...args: string[]): string {
  try {
    return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Which version of the gateway a run measured: its checkout, commit, and whether it had changes. */
export function checkout(dir: string): { dir: string; commit: string; dirty: boolean } {
  return {
    dir,
    commit: git(dir, 'rev-parse', '--short', 'HEAD'),
    dirty: git(dir, 'status', '--porcelain') !== '',
  };
}

/** The machine a run took place on; the load average from `loadStart` (taken at the run's start) to now. */
export function machine(loadStart: number) {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: { start: loadStart, end: os.loadavg()[0] ?? 0 },
  };
}

export const loadAverage = (): number => os.loadavg()[0] ?? 0;

/** Writes bench/results/<kind>-<date>[-<tag>].json; returns its path. */
export function writeResults(kind: string, started: Date, tag: string | undefined, report: unknown): string {
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = started.toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const file = join(dir, `${kind}-${stamp}${tag ? `-${tag}` : ''}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
