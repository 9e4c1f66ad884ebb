import type { Queryable, Row, TransactionQueryable } from './database';
import { sqlState } from './sqlstate';

/**
 * What a write must do: `rows` rows (its statement returns one per row
 * written), or the transaction fails with `error()`.
 */
export interface Expectation {
  rows: number;
  error: () => Error;
  /**
   * A check the writes depend on (speculative-lock.ts): carried by the last
   * statement, it is checked before any other write of it runs, so that a
   * failed check has taken no lock but its own.
   */
  guard?: boolean;
}

/** A write held back: whether it has been sent (alone, or carried by a statement). */
export interface Deferred {
  sent: boolean;
}

/** A write held back, as WriteBehind keeps it. */
interface Held {
  sql: string;
  params: readonly unknown[];
  expect?: Expectation;
  handle: Deferred;
}

/** The SQLSTATE of vtj_expect_rows (migrations/009_expect_rows.sql). */
const EXPECTATION_FAILED = 'VT001';

/**
 * Writes whose results nobody waits for (moving a code series on, marking
 * deaths, claiming codes unchecked) are held back and sent as data-modifying
 * CTEs of the batch's notification insert: one round trip instead of four.
 * Anything else run on the transaction sends them first, so a read always
 * sees them, and they always reach the database before COMMIT. A held-back
 * write with an expectation is checked wherever it goes: alone, by its row
 * count; carried by the last statement, in that statement (`finish`).
 */
export class WriteBehind implements Queryable {
  private deferred: Held[] = [];

  constructor(private readonly q: TransactionQueryable) {}

  /**
   * Holds a write back. Its parameters are read when it is sent, so a caller may still change them
   * until the handle says it has gone (speculative-lock.ts: where a speculated code series moves to).
   */
  defer(sql: string, params: readonly unknown[], expect?: Expectation): Deferred {
    const handle = { sent: false };
    this.deferred.push({ sql, params, expect, handle });
    return handle;
  }

  async query<R = Row>(text: string, params?: readonly unknown[]): Promise<R[]> {
    await this.flush();
    return this.q.query<R>(text, params);
  }

  async exec(sql: string): Promise<void> {
    await this.flush();
    await this.q.exec(sql);
  }

  /** Runs an INSERT/UPDATE with the held-back writes as CTEs in front of it. */
  async queryCarrying<R = Row>(text: string, params: readonly unknown[]): Promise<R[]> {
    // Only `finish` checks expectations inside the statement: writes bearing one go first, alone.
    if (this.deferred.some((d) => d.expect)) await this.flush();
    const { ctes, all } = this.carried(params);
    return this.q.query<R>(ctes.length > 0 ? `WITH ${ctes.join(',\n')}\n${text}` : text, all);
  }

  /**
   * The transaction's last statement (TransactionQueryable.queryLast), an
   * INSERT/UPDATE with a RETURNING clause, with the held-back writes as CTEs
   * in front of it. It fails, and the transaction ends undone, unless it and
   * every held-back write with an expectation wrote the rows expected; the
   * error is then the first unmet expectation's.
   */
  async finish(text: string, params: readonly unknown[], expect: Expectation): Promise<void> {
    const guards = new Map<string, Expectation>();
    const expectations = new Map<string, Expectation>([['last', expect]]);
    const { ctes, all } = this.carried(params, (name, e) => (e.guard ? guards : expectations).set(name, e));
    // Checked left to right, each CTE run as its check reads it: the guards first, before any write.
    const checks = [...guards, ...expectations].map(([name, e]) => {
      all.push(e.rows, name);
      return `vtj_expect_rows((SELECT count(*) FROM ${name}), $${all.length - 1}, $${all.length})`;
    });
    ctes.push(`last AS (${text})`);
    try {
      await this.q.queryLast(`WITH ${ctes.join(',\n')}\nSELECT ${checks.join(' AND ')} AS ok`, all);
    } catch (err) {
      const name = (err as Error).message;
      const unmet = sqlState(err) === EXPECTATION_FAILED && (guards.get(name) ?? expectations.get(name));
      throw unmet ? unmet.error() : err;
    }
  }

  /** The held-back writes as CTEs `deferred_<i>`, their parameters numbered after `params`. */
  private carried(params: readonly unknown[], expecting?: (name: string, e: Expectation) => void) {
    const all = [...params];
    const ctes = this.deferred.map((d, i) => {
      d.handle.sent = true;
      const offset = all.length;
      all.push(...d.params);
      if (d.expect) expecting?.(`deferred_${i}`, d.expect);
      return `deferred_${i} AS (${d.sql.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + offset}`)})`;
    });
    this.deferred = [];
    return { ctes, all };
  }

  async flush(): Promise<void> {
    while (this.deferred.length > 0) {
      const d = this.deferred.shift() as Held;
      d.handle.sent = true;
      const rows = await this.q.query(d.sql, d.params);
      if (d.expect && rows.length !== d.expect.rows) throw d.expect.error();
    }
  }

  /** For savepoints: how many writes are held now, and dropping those held since. */
  mark(): number {
    return this.deferred.length;
  }
  discardTo(mark: number): void {
    this.deferred.length = Math.min(mark, this.deferred.length);
  }
}
