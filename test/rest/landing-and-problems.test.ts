import assert from 'node:assert/strict';
import { SOAP_FAULTS } from '../../src/channels/soap/fault-table';
import { ERROR_GUIDE } from '../../src/core/error-guide';
import { ERROR_CATALOGUE, ERROR_CODES } from '../../src/core/errors';
import { PROBLEMS } from '../../src/http/problems';
import { type Harness, OPS_TOKEN, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';

describe('GET / and GET /problems/{code}', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await seedStandard(h);
  });

  it('serves a small landing page whose every link works: contracts, operator page, health', async () => {
    const res = await h.http
      .get('/')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
    const links = [...res.text.matchAll(/href="([^"#]+)"/g)].map((m) => m[1] as string);
    for (const expected of [
      '/v1/openapi.json',
      '/soap/v2?wsdl',
      '/soap/legacy?wsdl',
      '/ops/',
      '/healthz',
      '/readyz',
    ]) {
      assert.ok(links.includes(expected), `the page links ${expected}`);
    }
    for (const link of links) {
      const target = await h.http.get(link).set('Authorization', `Bearer ${OPS_TOKEN}`);
      assert.equal(target.status, 200, `${link} answers`);
    }
  });

  it('explains every error code at its problem type: meaning, what to do, REST status and SOAP faultcode', async () => {
    for (const code of ERROR_CODES) {
      const res = await h.http.get(`/problems/${code}`).expect(200);
      assertMatchesOpenApi(res, '/problems/{code}', 'get');
      assert.deepEqual(res.body, {
        type: `/problems/${code}`,
        code,
        title: ERROR_CATALOGUE[code].title,
        status: PROBLEMS[code].status,
        soapFaultcode: `soap:${SOAP_FAULTS[code].faultClass}.${code}`,
        meaning: ERROR_GUIDE[code].meaning,
        action: ERROR_GUIDE[code].action,
      });
      assert.ok(res.body.meaning.length > 20 && res.body.action.length > 10, code);
    }
    const unknown = await h.http.get('/problems/NO_SUCH_CODE').expect(404);
    assert.equal(unknown.body.code, 'NOT_FOUND');
  });
});
