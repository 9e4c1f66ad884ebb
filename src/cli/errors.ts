import { CommanderError } from 'commander';
import { ConfigError } from '../config';
import { isDomainError } from '../core/errors';
import { scrub } from '../infra/logger';
import { DatabaseLockedError } from '../infra/pg/data-dir-lock';

/** Exit codes: what went wrong, for scripts. */
export const EXIT = {
  ok: 0,
  /** A usage error, or the request was refused (validation, not found, already exists). */
  refused: 1,
  /** The settings (environment variables) are invalid. */
  config: 2,
  /** Another process has the embedded database open. */
  locked: 3,
} as const;

/** The field an error names, with the option that sets it when it has one: `kind (--kind)`. */
export type OptionNames = Readonly<Record<string, string>>;

/**
 * Writes an error to stderr — a JSON object with --json, else readable lines —
 * and returns the exit code. Expected errors never show a stack trace.
 */
export function reportError(err: unknown, opts: { json: boolean; options?: OptionNames }): number {
  const write = (text: string) => void process.stderr.write(`${text}\n`);
  if (err instanceof CommanderError) {
    // Commander has printed its own message (usage errors) or the help.
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version'
      ? EXIT.ok
      : err.exitCode;
  }
  if (isDomainError(err)) {
    if (opts.json) {
      write(JSON.stringify({ code: err.code, message: err.message, errors: err.fieldErrors }));
    } else {
      write(`error ${err.code}: ${err.message}`);
      for (const f of err.fieldErrors) {
        const option = opts.options?.[f.field.replace(/\[\d+\]$/, '')];
        write(`  ${f.field}${option ? ` (${option})` : ''}: ${f.code}: ${f.message}`);
      }
    }
    return EXIT.refused;
  }
  // The rest: one line, or one JSON object with --json; no stack, nothing shaped like an identity code.
  const fail = (code: string, message: string, exit: number, extra: object = {}, prefix = '') => {
    write(opts.json ? JSON.stringify({ code, message, ...extra }) : `${prefix}${message}`);
    return exit;
  };
  if (err instanceof ConfigError) return fail('CONFIG', err.message, EXIT.config, { errors: err.problems });
  if (err instanceof DatabaseLockedError) {
    return fail('DATABASE_LOCKED', err.message, EXIT.locked, { pid: err.pid });
  }
  const message = scrub(err instanceof Error ? err.message : String(err)) as string;
  return fail('INTERNAL', message, EXIT.refused, {}, 'error: ');
}
