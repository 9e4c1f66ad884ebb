import type { Queryable, Row } from './database';

/**
 * Writes whose results nobody waits for (moving a code series on, marking
 * deaths) are held back and sent as data-modifying CTEs of the batch's
 * notification insert: one round trip instead of three. Anything else run on
 * the transaction sends them first, so a read always sees them, and they
 * always reach the database before COMMIT.
 */
export class WriteBehind implements Queryable {
  private deferred: { sql: string; params: readonly unknown[] }[] = [];

  constructor(private readonly q: Queryable) {}

  defer(sql: string, params: readonly unknown[]): void {
    this.deferred.push({ sql, params });
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
  queryCarrying<R = Row>(text: string, params: readonly unknown[]): Promise<R[]> {
    if (this.deferred.length === 0) return this.q.query<R>(text, params);
    const all = [...params];
    const ctes = this.deferred.map((d, i) => {
      const offset = all.length;
      all.push(...d.params);
      return `deferred_${i} AS (${d.sql.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + offset}`)})`;
    });
    this.deferred = [];
    return this.q.query<R>(`WITH ${ctes.join(',\n')}\n${text}`, all);
  }

  async flush(): Promise<void> {
    while (this.deferred.length > 0) {
      const d = this.deferred.shift() as { sql: string; params: readonly unknown[] };
      await this.q.query(d.sql, d.params);
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
