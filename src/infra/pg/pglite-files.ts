import { closeSync, fsyncSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/**
 * PGlite's data directory on disk, with PostgreSQL's fsync calls reaching
 * the disk. As shipped (0.5.16), nothing PGlite writes is ever synced:
 * - its start parameters include `-F` (fsync off), so PostgreSQL asks for no sync;
 * - with fsync on, PostgreSQL's default `wal_sync_method=fdatasync` calls the
 *   Emscripten runtime's fdatasync, which only checks the descriptor;
 * - and its fsync() goes to the file system's `fsync` stream operation, which
 *   Emscripten's NODEFS does not have: it does nothing either.
 * Here NODEFS gets that operation (Node's fsync on the file's descriptor),
 * PostgreSQL runs with fsync on and syncs its WAL with fsync() at every
 * commit, before COMMIT returns; checkpoints sync the data files and
 * directories the same way. Each sync blocks PGlite's thread (the gateway's
 * event loop) for as long as the disk takes, once per group-commit batch:
 * 0.7-4 ms on the benchmark machine (BENCHMARKS.md, "Syncing the embedded
 * store"). Requests arriving meanwhile wait in the kernel's socket buffers
 * and join the next batch; making the sync off the event loop instead, owed
 * until PostgreSQL returned, was tried and was no faster.
 */
export class SyncingNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const { emscriptenOpts } = await super.init(pg, opts);
    return {
      emscriptenOpts: {
        ...emscriptenOpts,
        preRun: [...(emscriptenOpts.preRun ?? []), addFsync],
      },
    };
  }
}

interface NodeFsModule {
  NODEFS: {
    stream_ops: Record<string, unknown>;
    tryFSOperation<T>(f: () => T): T;
  };
}

/** Emscripten calls the stream's `fsync` for fsync(2) and treats what it returns as the result (undefined: 0). */
function addFsync(mod: unknown): void {
  const { NODEFS } = mod as NodeFsModule;
  NODEFS.stream_ops.fsync = (stream: { nfd: number }) => NODEFS.tryFSOperation(() => fsyncSync(stream.nfd));
}

/**
 * How PGlite starts PostgreSQL here: its defaults with fsync on (see above),
 * and 32 MB of shared buffers instead of PostgreSQL's 128, more than a
 * one-process store needs: the process starts at about 180 MB resident
 * instead of 290, and a little sooner.
 */
export const START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams.filter((p) => p !== '-F'),
  '-c',
  'fsync=on',
  '-c',
  'wal_sync_method=fsync',
  '-c',
  'shared_buffers=32MB',
];

/** Syncs every file and directory under `dir` (for a data directory made by copying). */
export function syncTree(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) syncTree(path);
    else syncPath(path);
  }
  syncPath(dir);
}

/** Syncs one file or directory. */
export function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
