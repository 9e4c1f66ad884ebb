import { DomainError } from '../../core/errors';

/**
 * The one interface both stores implement: a real PostgreSQL server through
 * `pg`, or the embedded PGlite. The same SQL runs on both; the differences
 * (int8 and date parsing, error handlers, connection handling) are settled
 * inside the two adapters and nowhere else.
 */
export type Row = Record<string, unknown>;

export interface Queryable {
  query<R = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
}

/** What a transaction's work runs its statements on. */
export interface TransactionQueryable extends Queryable {
  /**
   * The transaction's last statement: nothing may run on the transaction
   * after it, and the work returns once it has answered. On PostgreSQL the
   * COMMIT goes out right behind it, in the same write, so the transaction
   * holds its locks one round trip less; when the statement fails, that
   * COMMIT ends the transaction undone (PostgreSQL rolls back a failed
   * transaction on COMMIT) and the statement's error is thrown. A statement
   * that must not commit in some case has to fail in that case (see
   * vtj_expect_rows in the migrations), never merely report it.
   */
  queryLast<R = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface TransactionOptions {
  /**
   * The transaction's prepared statements run on their generic plans
   * (plan_cache_mode, for this transaction only: PGlite sets it in the
   * transaction; the pg adapter on the connection's session, and back for
   * any other use of it, to spare every transaction a statement): planned once per
   * connection, never again at an execution. PostgreSQL's own choice kept
   * planning the registering transaction's first statement at every execution
   * (its plan for a few codes looks cheaper than one for any number), at
   * about a fifth of the transaction's CPU. For the store's transactions, all
   * of them look-ups by key; not for the operators' searches, whose best plan
   * depends on the values.
   */
  genericPlans?: boolean;
}

/** What a PGlite transaction sends first, after BEGIN, when it asks for generic plans. */
export const GENERIC_PLANS = 'SET LOCAL plan_cache_mode = force_generic_plan';

export interface Database extends Queryable {
  readonly kind: 'pg' | 'pglite';
  /**
   * Runs `fn` in one transaction. Never await a query on the Database itself
   * inside `fn`: PGlite serialises everything and would wait forever.
   */
  transaction<T>(fn: (tx: TransactionQueryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** Type OIDs whose default parsing differs between pg and PGlite. */
export const TYPE_OIDS = { int8: 20, date: 1082 } as const;

/** int8 as a JS number (counts stay far below 2^53); date as the plain 'YYYY-MM-DD' it is. */
export const parseInt8 = (v: string): number => Number(v);
export const parseDate = (v: string): string => v;

/**
 * The database cannot answer now: a connection could not be opened or was
 * lost, an answer did not come in time, the server is shutting down, or a
 * lock was not granted in time. Nothing about the request itself is wrong:
 * the same request may simply be sent again. It is the core's
 * SERVICE_UNAVAILABLE, so it reaches every channel coded; what happened is in
 * `reason` and `cause`, for the log only.
 */
export class DatabaseUnavailableError extends DomainError {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('SERVICE_UNAVAILABLE');
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
