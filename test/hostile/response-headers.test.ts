import assert from 'node:assert/strict';
import { birth } from '../helpers/builders';
import { asClient, seedStandard, startHarness } from '../helpers/harness';
import { birthEnvelope, postSoapRaw, SOAP_OPEN, V2 } from '../helpers/soap-hostile';

/** Every answer, not only the operator page: no content sniffing, nothing kept by a cache. */
describe('security headers on every channel', () => {
  it('sends nosniff and no-store on REST, SOAP, the operator API, the metrics and the errors', async () => {
    const h = await startHarness({ env: SOAP_OPEN });
    await seedStandard(h);
    const answers = [
      await asClient(h).births(birth()).expect(201), // carries a child's code
      await postSoapRaw(h, V2.path, birthEnvelope(V2, { IlmoitusTunnus: 'headers-1' })).expect(200),
      await h.ops('get', '/ops/clients').expect(200),
      await h.http.get('/metrics').expect(200),
      await h.http.get('/no/such/path').expect(404),
      await h.http.get('/readyz').expect(200),
    ];
    for (const [i, res] of answers.entries()) {
      assert.equal(res.headers['x-content-type-options'], 'nosniff', `answer ${i}`);
      assert.equal(res.headers['cache-control'], 'no-store', `answer ${i}`);
    }
  });
});
