import assert from 'node:assert/strict';
import { MAX_FIELD_ERRORS } from '../../src/core/errors';
import { birth } from '../helpers/builders';
import { CLIENTS, seedStandard, startHarness } from '../helpers/harness';
import { birthEnvelope, postSoapRaw, SOAP_OPEN, V2 } from '../helpers/soap-hostile';

/** An error answer is never a larger copy of its request: bounded field lists, bounded field paths. */
describe('error answers do not amplify the request', function () {
  this.timeout(60_000);
  const rest = async (body: string) => {
    const h = await startHarness();
    await seedStandard(h);
    return h.http
      .post('/v1/births')
      .set('X-Road-Client', CLIENTS.rest)
      .set('Content-Type', 'application/json')
      .send(body);
  };

  it('answers one enormous unknown key with a small problem', async () => {
    const body = JSON.stringify({ ...(birth() as object), ['k'.repeat(1_000_000)]: 1 });
    const res = await rest(body);
    assert.equal(res.status, 400);
    assert.ok(res.text.length < 8_000, `${res.text.length} bytes answered to ${body.length}`);
    assert.ok(res.body.errors.some((e: { field: string }) => e.field.endsWith('…')));
  });

  it('lists at most the bounded number of field errors, and says how many more there were', async () => {
    const extra = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`u${i}`, 1]));
    const body = JSON.stringify({ ...(birth() as object), ...extra });
    const res = await rest(body);
    assert.equal(res.status, 400);
    assert.ok(res.text.length < body.length / 10, `${res.text.length} bytes answered to ${body.length}`);
    assert.equal(res.body.errors.length, MAX_FIELD_ERRORS + 1);
    assert.match(res.body.errors.at(-1).message, /^59900 more invalid fields are not listed$/);
  });

  it('on SOAP too: an enormous unknown element name is not echoed whole', async () => {
    const h = await startHarness({ env: SOAP_OPEN });
    await seedStandard(h);
    const name = `X${'y'.repeat(200_000)}`;
    const xml = birthEnvelope(V2, { [`Lapsi/${name}`]: '1' });
    const res = await postSoapRaw(h, V2.path, xml);
    assert.equal(res.status, 500);
    assert.ok(res.text.length < 20_000, `${res.text.length} bytes answered to ${xml.length}`);
  });
});
