import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { createPgDatabase } from '../../src/infra/pg/pg-database';
import { createPgliteDatabase } from '../../src/infra/pg/pglite-database';
import { postJson } from './listen';
import { spawnLogged } from './spawn-logged';
import { newTempDir, siblingDatabaseUrl } from './test-db';

const ROOT = join(__dirname, '..', '..');

export interface RegisterProcess {
  url: string;
  /** Where its data is: for restarting it over the same register. */
  env: Record<string, string>;
  output(): string;
  /** Loads test persons (POST /v1/persons). */
  loadPersons(persons: { personalIdentityCode: string; deathDate?: string }[]): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * The reference register service as its own process (`vtj-gateway register
 * serve`), over a database of its own: on a PostgreSQL run a sibling
 * database of the run's, else a fresh embedded one. `reuse` starts it again
 * over the data of an earlier one.
 */
export async function startRegisterProcess(
  opts: { reuse?: RegisterProcess; port?: number } = {},
): Promise<RegisterProcess> {
  const env: Record<string, string> = opts.reuse?.env ?? (await freshStore());
  const { child, exited } = spawnLogged(
    process.execPath,
    [join(ROOT, 'bin', 'vtj-gateway.cjs'), 'register', 'serve', '--port', String(opts.port ?? 0)],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: '', DATA_DIR: '', LOG_LEVEL: 'info', ...env } },
    'register-process',
  );
  let output = '';
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill('SIGKILL');
      reject(new Error(`the register did not start:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"register listening"/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the register exited (${signal ?? code}) before it listened:\n${output}`));
    });
  });
  return {
    url,
    env,
    output: () => output,
    kill,
    async loadPersons(persons) {
      const res = await postJson(`${url}/v1/persons`, persons, {});
      if (res.status !== 200) throw new Error(`loading persons: ${res.status} ${JSON.stringify(res.body)}`);
    },
  };
}

async function freshStore(): Promise<Record<string, string>> {
  const url = await siblingDatabaseUrl('register');
  return url ? { DATABASE_URL: url } : { DATA_DIR: newTempDir() };
}

/** What a stopped register holds: children (persons with a mother), deaths, and keys answered. */
export async function registerHolds(
  env: Record<string, string>,
): Promise<{ children: number; deaths: number; keys: number }> {
  const db = env.DATABASE_URL
    ? createPgDatabase({
        connectionString: env.DATABASE_URL,
        poolSize: 1,
        timeouts: loadConfig({}).databaseTimeouts,
        onError: () => {},
      })
    : await createPgliteDatabase(env.DATA_DIR as string);
  try {
    const [row] = await db.query<{ children: string; deaths: string; keys: string }>(
      `SELECT (SELECT count(*) FROM persons WHERE mother_code IS NOT NULL) AS children,
              (SELECT count(*) FROM persons WHERE death_date IS NOT NULL) AS deaths,
              (SELECT count(*) FROM register_requests WHERE answer IS NOT NULL) AS keys`,
    );
    return { children: Number(row?.children), deaths: Number(row?.deaths), keys: Number(row?.keys) };
  } finally {
    await db.close();
  }
}
