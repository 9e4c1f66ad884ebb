import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = `
const { lockDataDir } = require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'infra', 'pg', 'data-dir-lock.ts'))});
lockDataDir(process.argv[1]).then(() => {
  process.stdout.write('locked\\n');
  if (process.argv[2] === 'busy') for (;;) {} // holds the lock with an event loop that never answers
  setInterval(() => {}, 1000);
});
`;

export interface LockHolder {
  pid: number;
  child: ChildProcess;
  /** SIGKILLs it; resolves once it has exited. */
  kill(): Promise<void>;
}

/** Another process that takes the data directory's lock and keeps it: idle, or with a busy event loop. */
export function holdLockInAnotherProcess(
  dataDir: string,
  how: 'idle' | 'busy' = 'idle',
): Promise<LockHolder> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', SCRIPT, dataDir, how], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('locked') && child.pid !== undefined) {
        resolve({
          pid: child.pid,
          child,
          kill: async () => {
            child.kill('SIGKILL');
            await exited;
          },
        });
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`the lock holder exited (${code}) before it held the lock`)),
    );
  });
}
