import assert from 'node:assert/strict';
import { runCli } from '../cli/run-cli';
import { startGatewayProcess } from '../helpers/gateway-process';
import { CLIENTS, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { linesWithIdentityCodes } from '../helpers/identity-codes';
import { startRegisterProcess } from '../helpers/register-process';
import { type LogSource, runLogCounts, runLogText } from '../helpers/run-log';
import { newTempDir } from '../helpers/test-db';

/**
 * The test run's log (test/helpers/run-log.ts) and its scan for personal
 * identity codes at the end of the run (test/setup/root-hooks.ts): the
 * scanner finds every shape of a code, and the log really holds what the
 * gateway and register processes and the command line write.
 */
describe('no personal identity code in the test run’s logs', () => {
  it('finds codes of every century sign, either case, with any check character, glued to anything', () => {
    const planted = [
      '{"msg":"request","route":"/v1/births"}', // 1: clean
      'mother 131052-308T registered', // 2
      '{"userId":"FI170993-2443"}', // 3: glued to letters
      'x131052-308Ty', // 4: glued on both sides
      '_010150+123A_', // 5: `_`, the 1800s
      'id 150324a906h', // 6: lower case
      ...'BCDEFYXWVU'.split('').map((sign) => `at ${`020290${sign}322H`}.`), // 7–16: every other century sign
      '9131052-308T0', // 17: inside a longer run of digits
      '131052-308Q', // 18: a check character that is never right is still a code's shape
      'the [hetu] was masked; FI/GOV/0123456-7/synnytys; 2026-11-20T14:32:00+02:00', // 19: clean
      'requestId 12345678-9012-4abc-8def-123456789012', // 20: a UUID, not a code
      'phone +358 40 123 4567, order 123456-78', // 21: clean
      'personHash 93b023cf1ea7a4e6fae171ad1081b724a1f49ae57795974e50361e6ff70d57e6', // 22: a SHA-256, not a code
      'cafe131052E3081x', // 23: a code in hex-like text that is no whole digest is still found
    ].join('\n');
    assert.deepEqual(linesWithIdentityCodes(planted), [
      2,
      3,
      4,
      5,
      6,
      ...Array.from({ length: 10 }, (_, i) => 7 + i),
      17,
      18,
      23,
    ]);
  });

  it('collects the log lines of the harness, the gateway and register processes, and the command line', async function () {
    this.timeout(120_000);
    const before = runLogCounts();
    const grew = (source: LogSource) => (runLogCounts().get(source) ?? 0) > (before.get(source) ?? 0);

    const h = await startHarness();
    await seedStandard(h);
    // A code in a header the gateway logs (X-Road's userId is `FI` + a code): masked in the log line.
    await h.http
      .get('/v1/notifications/x')
      .set('X-Road-Client', CLIENTS.rest)
      .set('X-Road-Id', `FI${PERSONS.mother}`);
    const gateway = await startGatewayProcess({ DATA_DIR: newTempDir(), DATABASE_URL: undefined });
    try {
      await fetch(`${gateway.url}/healthz`, { headers: { 'X-Road-Id': `FI${PERSONS.mother}` } });
      await gateway.waitForOutput(/"route":"\/healthz"/);
    } finally {
      await gateway.kill();
    }
    const register = await startRegisterProcess();
    await register.kill();
    const cli = await runCli(newTempDir(), ['clients', 'list']);
    assert.equal(cli.code, 0, cli.stderr);

    for (const source of ['harness', 'gateway-process', 'register-process', 'cli'] as const)
      assert.ok(grew(source), `the run's log has new lines from ${source}`);
    const text = runLogText();
    assert.match(text, /^harness\t.*"xRoadId":"FI\[hetu\]"/m, 'the in-process gateway masked the code');
    assert.match(text, /^gateway-process\t.*"msg":"gateway listening"/m);
    assert.match(text, /^register-process\t.*"msg":"register listening"/m);
    assert.deepEqual(linesWithIdentityCodes(text), [], 'no code in the log so far');
  });
});
