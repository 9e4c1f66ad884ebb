import { CommanderError } from 'commander';
import { ConfigError } from '../config';
import { type ErrorCode, isDomainError } from '../core/errors';
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
  /** The database (or for replay, the gateway) did not answer: the same command may be run again. */
  unavailable: 4,
  /** Stopped by Ctrl-C or SIGTERM (replay): the same command goes on from where it stopped. */
  interrupted: 130,
} as const;

/**
 * The CLI's table of the core's codes: the exit code of each. One table; a
 * test holds it against the catalogue.
 */
export const CLI_EXIT: Readonly<Record<ErrorCode, number>> = {
  MISSING_CLIENT_IDENTITY: EXIT.refused,
  UNKNOWN_CLIENT: EXIT.refused,
  CLIENT_CERT_MISMATCH: EXIT.refused,
  CHANNEL_NOT_ALLOWED: EXIT.refused,
  CHANNEL_RETIRED: EXIT.refused,
  VALIDATION_FAILED: EXIT.refused,
  TEMPORARY_CODE_NOT_ALLOWED: EXIT.refused,
  STILLBIRTH_NOT_REGISTRABLE: EXIT.refused,
  PERSON_NOT_FOUND: EXIT.refused,
  ALREADY_DECEASED: EXIT.refused,
  DEATH_BEFORE_BIRTH: EXIT.refused,
  NOTIFICATION_ID_REUSED: EXIT.refused,
  NOTIFICATION_NOT_FOUND: EXIT.refused,
  MALFORMED_REQUEST: EXIT.refused,
  DTD_FORBIDDEN: EXIT.refused,
  PAYLOAD_TOO_LARGE: EXIT.refused,
  UNSUPPORTED_MEDIA_TYPE: EXIT.refused,
  NOT_FOUND: EXIT.refused,
  METHOD_NOT_ALLOWED: EXIT.refused,
  UNAUTHORIZED: EXIT.refused,
  CLIENT_ALREADY_EXISTS: EXIT.refused,
  CLIENT_NOT_FOUND: EXIT.refused,
  EXCEPTION_NOT_FOUND: EXIT.refused,
  REGISTRATION_WITHDRAWN: EXIT.refused,
  NOT_IN_OUTBOX: EXIT.refused,
  IDENTITY_CODES_EXHAUSTED: EXIT.refused,
  REGISTER_UNAVAILABLE: EXIT.unavailable,
  RATE_LIMITED: EXIT.unavailable,
  SERVICE_UNAVAILABLE: EXIT.unavailable,
  INTERNAL: EXIT.refused,
};

/** A command's input cannot be used (a file that cannot be read, or is not JSON): exit 1, said in one line. */
export class CliInputError extends Error {
  override readonly name = 'CliInputError';
}

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
    return CLI_EXIT[err.code];
  }
  // The rest: one line, or one JSON object with --json; no stack, nothing shaped like an identity code.
  const fail = (code: string, message: string, exit: number, extra: object = {}, prefix = '') => {
    write(opts.json ? JSON.stringify({ code, message, ...extra }) : `${prefix}${message}`);
    return exit;
  };
  if (err instanceof ConfigError) return fail('CONFIG', err.message, EXIT.config, { errors: err.problems });
  if (err instanceof CliInputError) return fail('INPUT', err.message, EXIT.refused, {}, 'error: ');
  if (err instanceof DatabaseLockedError) {
    return fail('DATABASE_LOCKED', err.message, EXIT.locked, { pid: err.pid });
  }
  const message = scrub(err instanceof Error ? err.message : String(err)) as string;
  return fail('INTERNAL', message, EXIT.refused, {}, 'error: ');
}
