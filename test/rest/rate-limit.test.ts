import assert from 'node:assert/strict';
import { birth } from '../helpers/builders';
import { asClient, CLIENTS, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';

/** One client past its budget is held back; the others, and the operators, keep theirs. */
describe('rate limits per client and per operator', () => {
  it('answers a client past its burst 429 RATE_LIMITED with Retry-After, and not the other clients', async () => {
    const h = await startHarness({
      env: { RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '3', OPS_RATE_LIMIT_PER_MINUTE: '100000' },
    });
    await seedStandard(h);
    const client = asClient(h, CLIENTS.rest);
    for (let i = 0; i < 3; i++) await client.status(`none-${i}`).expect(404);
    const limited = await client.births(birth()).expect(429);
    assertMatchesOpenApi(limited, '/v1/births', 'post');
    assert.equal(limited.body.code, 'RATE_LIMITED');
    assert.equal(limited.headers['retry-after'], '1');
    // Nothing was done with it: the notification is not stored.
    assert.equal(await h.gateway.store.notifications.find(CLIENTS.rest, 'synnytys-2026-000123'), undefined);
    // Another client is not held back by this one.
    await asClient(h, CLIENTS.sandbox).status('none').expect(404);
    // A second later the budget has a token again (60 a minute).
    h.clock.advance(1000);
    await client.births(birth()).expect(201);
  });

  it('limits each operator on the operator API apart from the clients', async () => {
    const h = await startHarness({ env: { OPS_RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '1000' } });
    await seedStandard(h); // uses some of the operator's budget (burst: a tenth of the minute's)
    let status = 200;
    for (let i = 0; i < 10 && status === 200; i++) status = (await h.ops('get', '/ops/clients')).status;
    assert.equal(status, 429);
    await asClient(h).status('none').expect(404);
  });
});
