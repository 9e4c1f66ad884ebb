import assert from 'node:assert/strict';
import { DatabaseUnavailableError } from '../../src/infra/pg/database';
import { circuitBreakerGuard } from '../../src/infra/register-guard';

/**
 * The embedded register runs inside the gateway's own database transaction:
 * the database failing, or a deadlock the store runs again, is not the
 * register failing, and must not open its circuit (which would answer
 * births 202 pending for the reset time after a short database outage).
 */
describe('the register guard (circuit breaker)', () => {
  const settings = {
    timeoutMs: false as const,
    volumeThreshold: 2,
    errorThresholdPercentage: 50,
    resetTimeoutMs: 60_000,
  };
  const fail = (err: Error) => () => Promise.reject(err);

  it('opens when the register itself fails past the threshold', async () => {
    const guard = circuitBreakerGuard(settings);
    for (let i = 0; i < 4; i++) await assert.rejects(guard.run(fail(new Error('register down'))));
    assert.equal(guard.state(), 'open');
  });

  it('stays closed however often the database fails under it, and passes the failure on as it is', async () => {
    const outage = new DatabaseUnavailableError('the database did not answer');
    const guard = circuitBreakerGuard(settings, (err) => err instanceof DatabaseUnavailableError);
    for (let i = 0; i < 10; i++) await assert.rejects(guard.run(fail(outage)), (err) => err === outage);
    assert.equal(guard.state(), 'closed');
    assert.equal(await guard.run(() => Promise.resolve('answered')), 'answered');
  });
});
