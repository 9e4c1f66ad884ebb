import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { settle } from './canary';

/** The test process's heap after a full collection, to show that hostile input leaves no growth behind. */
/** A full garbage collection: `global.gc` when exposed, else V8's own after enabling it; undefined if neither. */
export function garbageCollector(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** Heap in use after collecting (or after a short settle when no collector is available). */
export async function heapUsedAfterGc(gc: (() => void) | undefined): Promise<number> {
  for (let i = 0; i < 3; i++) {
    if (gc) gc();
    await settle(gc ? 10 : 200);
  }
  return process.memoryUsage().heapUsed;
}
