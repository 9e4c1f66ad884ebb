import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config';
import {
  type DeliveryPolicy,
  leaseUntil,
  needsAttention,
  nextAttemptAt,
  retryDelayMs,
} from '../../src/core/notifications/delivery-policy';

const POLICY: DeliveryPolicy = {
  maxAttempts: 5,
  maxAgeMs: 3_600_000,
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
  leaseMs: 3000,
};

describe('the outbox delivery policy: exponential backoff with jitter', () => {
  it('doubles the ceiling with every attempt, up to the cap, and waits between half and all of it', () => {
    for (const [attempt, ceiling] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [7, 60_000],
      [30, 60_000],
    ] as const) {
      assert.equal(
        retryDelayMs(attempt, POLICY, () => 0),
        ceiling / 2,
      );
      assert.equal(
        retryDelayMs(attempt, POLICY, () => 1),
        ceiling,
      );
      const mid = retryDelayMs(attempt, POLICY, () => 0.5);
      assert.ok(mid > ceiling / 2 && mid < ceiling);
    }
  });

  it('leaves a claim to its instance for the lease; after an attempt has ended, waits the backoff only', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    assert.equal(leaseUntil(now, POLICY).getTime() - now.getTime(), 3000);
    assert.equal(nextAttemptAt(1, now, POLICY, () => 0).getTime() - now.getTime(), 500);
    assert.equal(nextAttemptAt(4, now, POLICY, () => 1).getTime() - now.getTime(), 8000);
  });

  it('takes a generous lease: twice the register timeout and 5 s, or OUTBOX_LEASE_MS above the timeout', () => {
    assert.equal(loadConfig({}).register.delivery.leaseMs, 9000);
    assert.equal(loadConfig({ REGISTER_TIMEOUT_MS: '400' }).register.delivery.leaseMs, 5800);
    assert.equal(loadConfig({ OUTBOX_LEASE_MS: '30000' }).register.delivery.leaseMs, 30000);
    assert.throws(
      () => loadConfig({ OUTBOX_LEASE_MS: '2000' }),
      /OUTBOX_LEASE_MS must be .* above REGISTER_TIMEOUT_MS/,
    );
  });

  it('hands a notification to the operators after the last attempt, or once it is too old', () => {
    const received = new Date('2026-11-23T10:00:00Z');
    assert.equal(needsAttention(4, received, new Date('2026-11-23T10:10:00Z'), POLICY), false);
    assert.equal(needsAttention(5, received, new Date('2026-11-23T10:10:00Z'), POLICY), true);
    assert.equal(needsAttention(1, received, new Date('2026-11-23T11:00:00Z'), POLICY), true);
  });
});
