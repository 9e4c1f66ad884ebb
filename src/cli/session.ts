import { userInfo } from 'node:os';
import pino from 'pino';
import { type Config, ConfigError, configFromEnvironment } from '../config';
import { createLogger } from '../infra/logger';
import type { Database } from '../infra/pg/database';
import { openDatabase } from '../infra/pg/open-database';
import { checkRegisterMode, RegisterModeConflict } from '../infra/pg/register-mode-sql';
import { systemClock } from '../infra/system-clock';
import { buildServices, registerModeOf, type Services } from '../services';

/** The options every command accepts (declared on the program). */
export interface GlobalOptions {
  json?: boolean;
  color?: boolean;
  operator?: string;
}

/** Where a command writes, and how: JSON or tables, colour or not. */
export interface Output {
  json: boolean;
  color: boolean;
  /** The terminal's width when stdout is one; tables are fitted to it. */
  width: number | undefined;
  print(text: string): void;
  printJson(value: unknown): void;
}

export function outputFor(opts: GlobalOptions): Output {
  const tty = process.stdout.isTTY === true;
  return {
    json: opts.json === true,
    color: tty && opts.color !== false,
    width: tty ? process.stdout.columns : undefined,
    print: (text) => void process.stdout.write(`${text}\n`),
    printJson: (value) => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}

/** Who the audit log names for a change: --operator, else `cli:<os user>`. */
export function operatorName(opts: GlobalOptions): string {
  if (opts.operator !== undefined) return opts.operator;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown'; // no passwd entry for this uid (some containers)
  }
}

/**
 * Runs `fn` over the same database and core the gateway uses (settings from
 * the environment, as the gateway reads them), then closes the database —
 * which also releases the embedded database's lock.
 */
export async function withGateway<T>(
  fn: (services: Services) => Promise<T>,
  opts: { outbox?: boolean } = {},
): Promise<T> {
  const config = configFromEnvironment();
  // Warnings and errors only, to stderr: stdout is the command's output.
  const level = config.logLevel === 'info' ? 'warn' : config.logLevel;
  const logger = createLogger(level, pino.destination({ fd: 2, sync: true }));
  const db = await openDatabase(config, logger);
  try {
    if (opts.outbox) await checkOutboxMode(db, config);
    return await fn(buildServices(config, { db, clock: systemClock, logger }));
  } finally {
    await db.close();
  }
}

/**
 * The outbox commands act for the register the outbox belongs to: in the
 * other mode (REGISTER_URL set or not, unlike the gateway) while anything is
 * pending, they refuse (exit 2) instead of settling notifications with the
 * wrong register. The CLI never records a mode; only a gateway's start does.
 */
async function checkOutboxMode(db: Database, config: Config): Promise<void> {
  try {
    await checkRegisterMode(db, registerModeOf(config));
  } catch (err) {
    if (err instanceof RegisterModeConflict) throw new ConfigError([err.explain('this command')]);
    throw err;
  }
}
