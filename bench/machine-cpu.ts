import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports process CPU in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SEC = 100;

/**
 * CPU time (user + system, ms) used so far by every process named
 * `postgres` on this machine: the PostgreSQL server's backends, which the
 * servers under measurement share the cores with. A process that ends
 * between two readings takes its time with it, so read it across a round,
 * not across a server's start or stop. Zero where /proc is not readable.
 */
export function postgresCpuMs(): number {
  let ticks = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return (ticks * 1000) / TICKS_PER_SEC;
}

/** CPU time (ms) this process has used: the load generator runs in it. */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
