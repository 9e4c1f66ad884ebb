import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { systemClock } from '../system-clock';

/**
 * The embedded database is single-process: two PGlite instances over one data
 * directory would corrupt it. Whoever opens it — the gateway or a
 * `vtj-gateway` command — first creates this file exclusively, holding its
 * pid; a lock whose process is gone is taken over.
 */
export const LOCK_FILE = '.vtj-gateway.lock';
const GATEWAY = 'the gateway';

export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly holder: string,
  ) {
    const remedy =
      holder === GATEWAY
        ? 'stop it, or use the operator API /ops/ of the running gateway'
        : 'wait for it to finish, or stop it';
    super(
      `${holder.charAt(0).toUpperCase()}${holder.slice(1)} (pid ${pid}) has the embedded database in ${dataDir} ` +
        `open; ${remedy}, or set DATABASE_URL to use a PostgreSQL server. ` +
        `(If no process ${pid} is running, delete ${join(dataDir, LOCK_FILE)}.)`,
    );
  }
}

interface LockContent {
  pid: number;
  holder: string;
  since: string;
}

/** Lock files this process holds: a lock with our pid but not in here was left by an earlier process. */
const held = new Set<string>();

export interface DataDirLock {
  /** Removes the lock file if it is still this process's. Idempotent. */
  release(): void;
}

/** Takes the data directory's lock or throws DatabaseLockedError naming the process that holds it. */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(resolve(dataDir), LOCK_FILE);
  const mine = JSON.stringify({
    pid: process.pid,
    holder: holderName(),
    since: systemClock.now().toISOString(),
  } satisfies LockContent);

  for (let attempt = 0; ; attempt++) {
    if (tryCreate(path, mine)) break;
    const current = readLock(path);
    if (current === 'gone') continue; // released between our two steps: try again
    if (current !== 'unreadable' && isAlive(current.pid, path)) {
      throw new DatabaseLockedError(dataDir, current.pid, current.holder);
    }
    // A stale lock (its process is gone, or a crash left it half-written): take it over.
    if (attempt >= 5) throw new Error(`cannot take over the stale lock ${path}`);
    takeOverStale(path, current);
  }
  held.add(path);

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    held.delete(path);
    process.removeListener('exit', release);
    const current = readLock(path);
    if (current !== 'gone' && current !== 'unreadable' && current.pid === process.pid) unlinkQuietly(path);
  };
  // A process that exits without closing the database still leaves no lock behind.
  process.on('exit', release);
  return { release };
}

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(path: string): LockContent | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockContent>;
    if (!Number.isInteger(parsed.pid) || (parsed.pid as number) <= 0) return 'unreadable';
    return {
      pid: parsed.pid as number,
      holder: String(parsed.holder ?? 'another process'),
      since: String(parsed.since ?? ''),
    };
  } catch {
    return 'unreadable';
  }
}

/**
 * Moves the stale file aside (atomic: of two processes taking over at once,
 * one moves it), checks that what it moved is the stale lock it judged, and
 * puts it back (link fails if a new lock exists) if it moved a live one instead.
 */
function takeOverStale(path: string, judged: LockContent | 'unreadable'): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readLock(aside);
  const same =
    judged === 'unreadable'
      ? moved === 'unreadable'
      : moved !== 'gone' && moved !== 'unreadable' && moved.pid === judged.pid;
  if (!same) {
    try {
      linkSync(aside, path);
    } catch {
      // A newer lock is already there; the loop judges that one.
    }
  }
  unlinkQuietly(aside);
}

function isAlive(pid: number, path: string): boolean {
  // Our own pid: this process has it open, or (pids repeat in containers) an earlier process left it.
  if (pid === process.pid) return held.has(path);
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** How the lock names its holder to whoever is refused: the gateway, or a `vtj-gateway` command. */
function holderName(): string {
  const script = basename(process.argv[1] ?? '');
  return /^vtj-gateway(\.cjs)?$/.test(script) ? 'a vtj-gateway command' : GATEWAY;
}
