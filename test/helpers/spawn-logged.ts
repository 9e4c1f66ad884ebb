import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { type LogSource, lineWriter } from './run-log';

/**
 * Spawns a process whose stdout and stderr also go, line by line, to the
 * run's log under `logName` (test/helpers/run-log.ts), and tells when it has
 * exited.
 */
export function spawnLogged(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  logName: LogSource,
): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const logOut = lineWriter(logName);
  const logErr = lineWriter(logName);
  child.stdout?.on('data', (chunk: Buffer) => logOut.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => logErr.write(chunk));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      logOut.end();
      logErr.end();
      resolve();
    }),
  );
  return { child, exited };
}
