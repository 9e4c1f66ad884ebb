import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { CliInputError } from '../errors';

/** What a replay has counted so far. */
export interface Counts {
  registered: number;
  accepted: number;
  refused: number;
  replayed: number;
  refusedByCode: Record<string, number>;
}

export const noCounts = (): Counts => ({
  registered: 0,
  accepted: 0,
  refused: 0,
  replayed: 0,
  refusedByCode: {},
});

/**
 * Where a replay stands, beside its input: written after each chunk the
 * gateway has answered (in input order), so that a replay stopped in any way
 * — Ctrl-C, a kill, a lost connection — goes on from there when run again.
 * Chunks in flight when it stopped are sent again, which their notificationIds
 * make harmless; the refused file is cut back to what the checkpoint counted.
 */
export interface Checkpoint {
  version: 1;
  /** The input as it was (see ReplayInput.fingerprint), and for whom. */
  fingerprint: string;
  client: string;
  /** Units (lines, files) from the start whose answers are all counted. */
  done: number;
  /** The refused file's length at that point. */
  refusedBytes: number;
  counts: Counts;
  /** Time spent in the runs so far, for the rate. */
  elapsedMs: number;
}

export async function loadCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const c = JSON.parse(text) as Checkpoint;
    if (c.version !== 1 || typeof c.done !== 'number') throw new Error('not a checkpoint');
    return c;
  } catch {
    throw new CliInputError(`${path} is not a replay checkpoint; remove it, or run with --restart`);
  }
}

/** Written whole or not at all: a new file renamed over the old one. */
export async function saveCheckpoint(path: string, c: Checkpoint): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(c)}\n`);
  await rename(tmp, path);
}

export async function removeCheckpoint(path: string): Promise<void> {
  await rm(path, { force: true });
}
