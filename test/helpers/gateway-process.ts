import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnLogged } from './spawn-logged';

const ROOT = join(__dirname, '..', '..');

export interface GatewayProcess {
  url: string;
  pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the output once it matches `pattern` (within `ms`). */
  waitForOutput(pattern: RegExp, ms?: number): Promise<string>;
  /** Sends `signal` to the process's whole group (npm, tsx, node alike) and waits until it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts the gateway as its own operating-system processes, the way an
 * operator runs it (`npm start`, production logging), in a process group of
 * its own so that a test can SIGKILL all of it at once. Resolves once it
 * listens; PORT=0 unless the test names a port, and the address comes from its
 * start-up log.
 */
export function startGatewayProcess(
  env: Record<string, string | undefined>,
  opts: { readyWithinMs?: number } = {},
): Promise<GatewayProcess> {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    PORT: '0',
    LOG_LEVEL: 'info',
    // Load and race tests send as one client far past a hospital's budget.
    RATE_LIMIT_PER_MINUTE: '100000000',
    RATE_LIMIT_BURST: '1000000',
    OPS_RATE_LIMIT_PER_MINUTE: '100000000',
    // No load balancer to drain for: a test's gateway stops at once (the graceful-shutdown test sets it).
    SHUTDOWN_DRAIN_MS: '0',
    ...env,
  };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  const { child, exited } = spawnLogged(
    'npm',
    ['start', '--silent'],
    { cwd: ROOT, env: childEnv, detached: true },
    'gateway-process',
  );
  let output = '';
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) killGroup(child, signal);
    await exited;
    // npm exits on the signal at once; the gateway under it may still be shutting down (and holding the
    // embedded database's lock). Done means the whole group is gone.
    if (child.pid !== undefined) await groupGone(child.pid);
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill('SIGKILL');
      reject(new Error(`the gateway did not start within ${opts.readyWithinMs ?? 60_000} ms:\n${output}`));
    }, opts.readyWithinMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /"url":"(https?:\/\/[^"]+)"[^\n]*"msg":"gateway listening"/.exec(output);
      if (m?.[1] && child.pid !== undefined) {
        clearTimeout(timer);
        const waitForOutput = async (pattern: RegExp, ms = 10_000) => {
          for (const until = Date.now() + ms; !pattern.test(output); ) {
            if (Date.now() > until) throw new Error(`no ${pattern} in the gateway's output:\n${output}`);
            await new Promise((r) => setTimeout(r, 20));
          }
          return output;
        };
        resolve({ url: m[1], pid: child.pid, output: () => output, waitForOutput, kill });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited (${signal ?? code}) before it listened:\n${output}`));
    });
  });
}

/** Waits until no live process is left in group `pgid`; SIGKILLs what is left after GROUP_EXIT_WAIT_MS. */
async function groupGone(pgid: number): Promise<void> {
  const deadline = Date.now() + GROUP_EXIT_WAIT_MS;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) {
      signalGroup(pgid, 'SIGKILL');
      if (Date.now() > deadline + GROUP_EXIT_WAIT_MS) throw new Error(`process group ${pgid} did not exit`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const GROUP_EXIT_WAIT_MS = 30_000;

/** Whether group `pgid` has a member that is not a zombie (read from /proc where there is one). */
function groupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return signalGroup(pgid, 0);
  }
  for (const pid of entries) {
    try {
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') return true;
    } catch {
      // gone while we looked
    }
  }
  return false;
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal); // the group is gone already, or never formed
  }
}
