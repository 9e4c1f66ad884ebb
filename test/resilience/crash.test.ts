import assert from 'node:assert/strict';
import { runCrash } from '../crash/crash-run';

/**
 * A small crash run in CI (test/crash/crash-run.ts; larger runs and their
 * results are in README.md, "Crash runs"): the gateway SIGKILLed twice and
 * the register once under load on every channel, and still every
 * acknowledged notification registered exactly once with its code.
 */
describe('crash run: SIGKILL under load, every acknowledged notification registered exactly once', function () {
  this.timeout(300_000);
  it('keeps every promise across two gateway kills and one register kill', async () => {
    const report = await runCrash({ notifications: 60, gatewayKills: 2 });
    assert.equal(report.registerHolds.keys, 60);
    assert.equal(report.acknowledged.registered + report.acknowledged.received, 60);
  });
});
