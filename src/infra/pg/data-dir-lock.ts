import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { systemClock } from '../system-clock';

/**
 * The embedded database is single-process: two PGlite instances over one data
 * directory would corrupt it. Whoever opens it — the gateway or a
 * `vtj-gateway` command — first binds a Unix socket named after the
 * directory. The kernel releases the socket when its process dies, however it
 * dies, and a pid that another process gets later means nothing to it.
 *
 * On Linux the socket is in the abstract namespace (no file: nothing stale is
 * ever left behind); elsewhere it is a socket file in the temporary directory,
 * removed when nothing answers on it. Abstract sockets belong to a network
 * namespace: processes in different containers sharing one data directory do
 * not see each other's lock.
 *
 * The holder answers every connection with who it is, so a refusal names it
 * at once. A process that was just killed holds the socket until the kernel
 * has torn it down (a large process takes a moment), and a holder whose event
 * loop is busy cannot answer: a lock that is held but silent is waited for,
 * up to a bound, before refusing.
 */
const GATEWAY = 'the gateway';
/** How long a silent holder is waited for; a killed process is gone well within it. */
export const SILENT_HOLDER_WAIT_MS = 10_000;
const HELLO_WAIT_MS = 500;
const RETRY_MS = 100;

export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';
  constructor(
    readonly dataDir: string,
    /** Undefined when the holder did not say (it was busy or dying throughout the wait). */
    readonly pid: number | undefined,
    readonly holder: string,
  ) {
    const remedy =
      holder === GATEWAY
        ? 'stop it, or use the operator API /ops/ of the running gateway'
        : 'wait for it to finish, or stop it';
    const who = pid === undefined ? `${holder}` : `${holder} (pid ${pid})`;
    super(
      `${who.charAt(0).toUpperCase()}${who.slice(1)} has the embedded database in ${dataDir} open; ${remedy}, ` +
        'or set DATABASE_URL to use a PostgreSQL server.',
    );
  }
}

interface Hello {
  pid: number;
  holder: string;
  since: string;
}

export interface DataDirLock {
  /** Gives the lock up. Idempotent. */
  release(): void;
}

/** Takes the data directory's lock or throws DatabaseLockedError naming the process that holds it. */
export async function lockDataDir(
  dataDir: string,
  opts: { silentHolderWaitMs?: number } = {},
): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true });
  const address = socketAddress(realpathSync(dataDir));
  const hello: Hello = { pid: process.pid, holder: holderName(), since: systemClock.now().toISOString() };
  const giveUpAt = performance.now() + (opts.silentHolderWaitMs ?? SILENT_HOLDER_WAIT_MS);

  for (;;) {
    const server = await tryListen(address, JSON.stringify(hello));
    if (server) return holding(server, address);
    const holder = await askHolder(address);
    if (holder === 'nobody') {
      // A socket file left by a dead process (never in the abstract namespace): clear it and try again.
      if (!address.startsWith('\0')) unlinkQuietly(address);
      continue;
    }
    if (holder !== 'silent') throw new DatabaseLockedError(dataDir, holder.pid, holder.holder);
    if (performance.now() >= giveUpAt) throw new DatabaseLockedError(dataDir, undefined, 'another process');
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

function holding(server: Server, address: string): DataDirLock {
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      server.close();
      if (!address.startsWith('\0')) unlinkQuietly(address);
    },
  };
}

/** Binds the socket, answering each caller with `hello`; undefined when another process has it. */
function tryListen(address: string, hello: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.end(hello);
    });
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(undefined);
      else reject(err);
    });
    server.listen(address, () => {
      // The lock must not keep a process alive that is otherwise done.
      server.unref();
      resolve(server);
    });
  });
}

/** Who holds the socket: its hello, 'silent' (it takes calls but does not answer), or 'nobody'. */
function askHolder(address: string): Promise<Hello | 'silent' | 'nobody'> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(address);
    const done = (result: Hello | 'silent' | 'nobody') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('silent'), HELLO_WAIT_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('end', () => done(parseHello(text) ?? 'silent'));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'nobody' : 'silent'),
    );
  });
}

function parseHello(text: string): Hello | undefined {
  try {
    const h = JSON.parse(text) as Partial<Hello>;
    if (!Number.isInteger(h.pid)) return undefined;
    return {
      pid: h.pid as number,
      holder: String(h.holder ?? 'another process'),
      since: String(h.since ?? ''),
    };
  } catch {
    return undefined;
  }
}

/** One name per data directory (its real path, so two spellings of it are one lock). */
function socketAddress(realDir: string): string {
  const id = createHash('sha256').update(realDir).digest('hex').slice(0, 32);
  return process.platform === 'linux'
    ? `\0vtj-gateway-data-dir-${id}`
    : join(tmpdir(), `vtj-gateway-${id}.sock`);
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
