import { DatabaseUnavailableError } from './database';

/**
 * Database errors are told apart by SQLSTATE (and constraint name), never by
 * message text, which differs between versions, locales and PGlite.
 */
export const SQLSTATE = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  undefinedTable: '42P01',
  protocolViolation: '08P01',
  lockNotAvailable: '55P03',
  queryCanceled: '57014',
  adminShutdown: '57P01',
  crashShutdown: '57P02',
  cannotConnectNow: '57P03',
  idleInTransactionTimeout: '25P03',
} as const;

export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isRetryable(err: unknown): boolean {
  const s = sqlState(err);
  return s === SQLSTATE.serializationFailure || s === SQLSTATE.deadlockDetected;
}

/**
 * Server errors that mean it cannot serve now, whatever the statement: the
 * connection (class 08, but a protocol violation, which is a bug), shutting
 * down or starting, out of resources (class 53, e.g. too many connections),
 * a statement or lock wait cut short by its timeout, or the session ended
 * for idling in a transaction.
 */
export function isUnavailableState(state: string | undefined): boolean {
  if (state === undefined || state === SQLSTATE.protocolViolation) return false;
  return (
    state.startsWith('08') ||
    state.startsWith('53') ||
    [
      SQLSTATE.lockNotAvailable,
      SQLSTATE.queryCanceled,
      SQLSTATE.adminShutdown,
      SQLSTATE.crashShutdown,
      SQLSTATE.cannotConnectNow,
      SQLSTATE.idleInTransactionTimeout,
    ].includes(state as never)
  );
}

/** The database cannot serve now: what the pg adapter throws then (SERVICE_UNAVAILABLE). */
export function isUnavailable(err: unknown): boolean {
  return err instanceof DatabaseUnavailableError;
}
