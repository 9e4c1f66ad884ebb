import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { lineWriter } from '../helpers/run-log';

const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'vtj-gateway.cjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/vtj-gateway.cjs …` as an operator would, always on the
 * embedded database in `dataDir` (DATABASE_URL removed even when the suite
 * runs against PostgreSQL), logging as in production (warnings and errors,
 * to stderr). All it writes goes to the run's log too (test/helpers/run-log.ts).
 */
export function runCli(
  dataDir: string,
  args: readonly string[],
  opts: { input?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ...opts.env,
  };
  delete env.DATABASE_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    const logOut = lineWriter('cli');
    const logErr = lineWriter('cli');
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      logOut.write(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      logErr.write(d);
    });
    child.on('close', () => {
      logOut.end();
      logErr.end();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** The command line for an assertion message: what ran and what it said. */
export function explain(args: readonly string[], r: CliResult): string {
  return `vtj-gateway ${args.join(' ')} → exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}
