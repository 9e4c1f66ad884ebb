import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports process CPU in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SEC = 100;

/**
 * CPU time (user + system, in clock ticks) used so far by each process named
 * `postgres` on this machine: the PostgreSQL server's backends, which the
 * servers under measurement share the cores with. A process that ends
 * between two readings takes its time with it, so read it across a round,
 * not across a server's start or stop. Empty where /proc is not readable.
 */
export function postgresCpuTicks(): PostgresCpu {
  const ticks = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return ticks;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

/** Ticks of each `postgres` process by pid, read at one moment. */
export type PostgresCpu = Map<string, number>;

/**
 * PostgreSQL's CPU (ms) between two readings: per process, so that a backend
 * ending in between (a pool closing an idle connection) does not subtract its
 * whole life's CPU from the round; its last ticks are lost instead.
 */
export function postgresCpuSince(before: PostgresCpu, after: PostgresCpu = postgresCpuTicks()): number {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return (ticks * 1000) / TICKS_PER_SEC;
}

/** CPU time (ms) this process has used: the load generator runs in it. */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The whole machine's CPU time so far, in clock ticks: all of it, and how much was idle (iowait counted idle). */
export function machineTicks(): { total: number; idle: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] as string;
    const t = line.trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: t.reduce((a, b) => a + b, 0), idle: (t[3] ?? 0) + (t[4] ?? 0) };
  } catch {
    return { total: 0, idle: 0 };
  }
}

/** The share of the machine's CPU left idle since `before`; undefined where /proc is not readable. */
export function idleShareSince(before: { total: number; idle: number }): number | undefined {
  const now = machineTicks();
  const total = now.total - before.total;
  return total > 0 ? (now.idle - before.idle) / total : undefined;
}
