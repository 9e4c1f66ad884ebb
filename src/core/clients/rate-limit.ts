import { DomainError } from '../errors';
import type { Clock } from '../time/clock';

export interface RateBudget {
  /** Requests per minute a key may make on this instance, on average. */
  readonly perMinute: number;
  /** How many it may make at once after a quiet spell. */
  readonly burst: number;
}

/**
 * A token bucket per key (a client, an operator): `burst` tokens, refilled at
 * `perMinute`. Kept in the instance's memory: no database round trip on the
 * request path, and no failure of its own when the database is down. Several
 * instances each hold their share of the budget (config: the budget is split
 * by RATE_LIMIT_INSTANCES), so one misbehaving client is held back on every
 * instance while the others keep their own budgets.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly budget: RateBudget,
    private readonly clock: Clock,
    /** Buckets kept at most; the fullest (quietest) are dropped first, and come back full. */
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one token for `key`, or throws RATE_LIMITED. */
  take(key: string): void {
    const now = this.clock.now().getTime();
    const b = this.buckets.get(key) ?? { tokens: this.budget.burst, at: now };
    const refilled = Math.min(this.budget.burst, b.tokens + ((now - b.at) / 60_000) * this.budget.perMinute);
    if (refilled < 1) {
      this.buckets.set(key, { tokens: refilled, at: now });
      throw new DomainError('RATE_LIMITED');
    }
    this.buckets.delete(key); // re-inserted last: the Map's order is least recently used first
    this.buckets.set(key, { tokens: refilled - 1, at: now });
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }
}
