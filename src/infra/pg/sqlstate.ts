/**
 * Database errors are told apart by SQLSTATE (and constraint name), never by
 * message text, which differs between versions, locales and PGlite.
 */
export const SQLSTATE = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  undefinedTable: '42P01',
  adminShutdown: '57P01',
  cannotConnectNow: '57P03',
} as const;

export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isRetryable(err: unknown): boolean {
  const s = sqlState(err);
  return s === SQLSTATE.serializationFailure || s === SQLSTATE.deadlockDetected;
}

/** Errors that mean the database cannot be reached now: reported as SERVICE_UNAVAILABLE. */
export function isUnavailable(err: unknown): boolean {
  const s = sqlState(err);
  if (s?.startsWith('08') || s === SQLSTATE.adminShutdown || s === SQLSTATE.cannotConnectNow) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE';
}
