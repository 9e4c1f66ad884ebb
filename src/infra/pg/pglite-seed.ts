import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { syncPath, syncTree } from './pglite-files';

/**
 * A new embedded database is a copy of a seed: a data directory that
 * PGlite's initdb made once, in a process of its own. Left to itself, PGlite
 * runs initdb in the process that opens a new directory, in a second
 * WebAssembly instance beside its own: that process peaks at about 0.8 GB
 * and still holds 0.4 GB long after, where one that opened an existing
 * directory holds 0.25 (BENCHMARKS.md, "Memory"). The seed is made by
 * `npm run build` (which `npm install` runs), else by the first process that
 * needs it, in a child process that exits when done. It is kept beside the
 * installed PGlite, one per PGlite version, since a data directory is only
 * good for the PostgreSQL that made it.
 */

/** The file whose presence says a data directory is whole: PGlite looks for it, and it is copied last. */
export const PG_VERSION = 'PG_VERSION';

const PGLITE_ENTRY = require.resolve('@electric-sql/pglite');
/** node_modules/@electric-sql/pglite, whichever node_modules holds it. */
const PGLITE_DIR = join(dirname(PGLITE_ENTRY), '..');
/** node_modules/.cache/vtj-gateway: the usual place for what a package builds from its dependencies. */
const CACHE_DIR = join(PGLITE_DIR, '..', '..', '.cache', 'vtj-gateway');

/** The child's program: initdb into the directory it is given, and a clean shutdown. */
const MAKE_SEED = `
const [pglite, dir] = process.argv.slice(1);
const { PGlite } = require(pglite);
(async () => {
  const db = new PGlite(dir);
  await db.waitReady;
  await db.close();
})().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\\n');
  process.exit(1);
});
`;

function pgliteVersion(): string {
  return (JSON.parse(readFileSync(join(PGLITE_DIR, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Where the seed for the installed PGlite is kept. */
export function seedPath(cacheDir = CACHE_DIR): string {
  return join(cacheDir, `pglite-${pgliteVersion()}-seed`);
}

/**
 * The seed's directory, made now when it does not exist yet (in a child
 * process: initdb never runs in this one). `release` is called once the
 * caller has copied it: a seed that could not be kept (node_modules not
 * writable) is then removed.
 */
export async function seedDataDir(cacheDir = CACHE_DIR): Promise<{ dir: string; release(): void }> {
  const kept = seedPath(cacheDir);
  if (existsSync(join(kept, PG_VERSION))) return { dir: kept, release: () => {} };
  if (!writable(cacheDir)) {
    // An installation this user may not write to: a seed for this process only.
    const own = mkdtempSync(join(tmpdir(), 'vtj-gateway-seed-'));
    const dir = join(own, 'seed');
    await makeSeed(dir);
    return { dir, release: () => rmSync(own, { recursive: true, force: true }) };
  }
  removeAbandoned(cacheDir);
  // Made under a name of its own and renamed into place whole: two processes making it at once each make
  // one, the first rename wins, and a process killed meanwhile leaves no half seed where seeds are looked for.
  const temp = join(cacheDir, `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await makeSeed(temp);
    syncTree(temp); // PGlite wrote it without syncing: on disk before it is taken for a seed
    try {
      renameSync(temp, kept);
      syncPath(cacheDir);
    } catch (err) {
      if (!existsSync(join(kept, PG_VERSION))) throw err;
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return { dir: kept, release: () => {} };
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs initdb into `dir` in a child process. */
function makeSeed(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', MAKE_SEED, PGLITE_ENTRY, dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0 && existsSync(join(dir, PG_VERSION))) resolve();
      else
        reject(
          new Error(
            `Creating the embedded database failed (initdb exited ${signal ?? code}): ${stderr.trim().slice(0, 2000)}`,
          ),
        );
    });
  });
}

/** Seeds being made by processes that have died since. */
function removeAbandoned(cacheDir: string): void {
  for (const name of readdirSync(cacheDir)) {
    const pid = Number(/^tmp-(\d+)-/.exec(name)?.[1]);
    if (pid && !isAlive(pid)) rmSync(join(cacheDir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes `dataDir` (held under its lock by the caller) a database when it is
 * not one yet: the seed's files are copied in, PG_VERSION last, so that a
 * process killed during the copy leaves a directory PGlite does not take for
 * a database, and the next start copies again over what was left.
 */
export async function initialiseDataDir(dataDir: string): Promise<boolean> {
  if (existsSync(join(dataDir, PG_VERSION))) return false;
  const seed = await seedDataDir();
  try {
    for (const entry of readdirSync(seed.dir)) {
      if (entry !== PG_VERSION) cpSync(join(seed.dir, entry), join(dataDir, entry), { recursive: true });
    }
    // On disk before PG_VERSION says the directory is whole, and PG_VERSION on disk before it is used.
    syncTree(dataDir);
    cpSync(join(seed.dir, PG_VERSION), join(dataDir, PG_VERSION));
    syncPath(join(dataDir, PG_VERSION));
    syncPath(dataDir);
  } finally {
    seed.release();
  }
  return true;
}
