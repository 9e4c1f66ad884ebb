import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { startBaseline } from './baseline-server';
import { startGateway } from './gateway-server';
import type { RunningTarget, TargetSpec, TargetStats } from './target';

/** Builds a target in this process. */
export function startTarget(spec: TargetSpec): Promise<RunningTarget> {
  return spec.target === 'gateway' ? startGateway(spec.store, spec.mothers, spec) : startBaseline(spec.store);
}

export type ChildReply =
  | { type: 'ready'; url: string }
  | { type: 'stats'; stats: TargetStats }
  | { type: 'closed' }
  | { type: 'failed'; error: string };

/**
 * Starts a target: by default in a child process of its own, so the load
 * generator's work never runs on the server's event loop (where it would
 * slow the cheaper baseline most). BENCH_INLINE=1 builds the target in this
 * process instead, as a cross-check.
 */
export async function launch(spec: TargetSpec, inline: boolean): Promise<RunningTarget> {
  if (inline) return startTarget(spec);
  // Inherits this process's execArgv, i.e. the tsx loader.
  const child = fork(join(__dirname, 'target-process.ts'), [JSON.stringify(spec)], { stdio: 'inherit' });
  const ready = await next(child, 'ready');
  return {
    url: ready.url,
    stats: async () => {
      const reply = next(child, 'stats');
      child.send({ type: 'stats' });
      return (await reply).stats;
    },
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      await next(child, 'closed');
      await exited;
    },
  };
}

function next<T extends ChildReply['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<ChildReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildReply) => {
      if (m.type !== type && m.type !== 'failed') return;
      cleanup();
      if (m.type === 'failed') reject(new Error(`target process failed: ${m.error}`));
      else resolve(m as Extract<ChildReply, { type: T }>);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`target process exited (${code}) while waiting for '${type}'`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
