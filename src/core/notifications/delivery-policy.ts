/** When the outbox tries a notification again, and when it stops trying by itself. */
export interface DeliveryPolicy {
  /** After this many attempts a notification needs an operator's attention. */
  readonly maxAttempts: number;
  /** … or once it has waited this long since it was received. */
  readonly maxAgeMs: number;
  /** The wait before the second attempt; it doubles with every attempt, up to `backoffMaxMs`. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /**
   * How long a notification is left to the instance that claimed it (or
   * stored it) before another may try it: generously longer than one call to
   * the register may take, since it is measured from before the claim's
   * transaction, on the claiming instance's clock. A resend within it is
   * harmless all the same: the register answers a key it has seen with its
   * first answer and registers nothing twice.
   */
  readonly leaseMs: number;
}

/**
 * Exponential backoff with jitter ("equal jitter"): after attempt n, wait
 * between half and all of base·2^(n−1), capped, so that notifications that
 * failed together do not all come back together.
 */
export function retryDelayMs(attempt: number, p: DeliveryPolicy, random: () => number): number {
  const ceiling = Math.min(p.backoffMaxMs, p.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * When the next attempt after attempt `attempt`, ended at `now`, may start.
 * No lease: the call has ended, and none of this instance's is under way.
 */
export function nextAttemptAt(attempt: number, now: Date, p: DeliveryPolicy, random: () => number): Date {
  return new Date(now.getTime() + retryDelayMs(attempt, p, random));
}

/** Until when a notification claimed (or stored) at `now` is left to this instance's call. */
export function leaseUntil(now: Date, p: DeliveryPolicy): Date {
  return new Date(now.getTime() + p.leaseMs);
}

/** Has a notification been tried enough to be an operator's to decide? */
export function needsAttention(attempts: number, receivedAt: Date, now: Date, p: DeliveryPolicy): boolean {
  return attempts >= p.maxAttempts || now.getTime() - receivedAt.getTime() >= p.maxAgeMs;
}
