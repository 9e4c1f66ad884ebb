import assert from 'node:assert/strict';
import { CLIENTS, type Harness, OPS_TOKEN, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';

describe('operator API', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await seedStandard(h);
  });

  it('refuses requests without the bearer token with 401 UNAUTHORIZED', async () => {
    const none = await h.http.get('/ops/clients').expect(401);
    assertMatchesOpenApi(none, '/ops/clients', 'get');
    assert.equal(none.body.code, 'UNAUTHORIZED');
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    await h.http.get('/ops/clients').set('Authorization', 'Bearer wrong-token-wrong-token').expect(401);
    await h.http.get('/ops/clients').set('Authorization', 'Basic abc').expect(401);
  });

  it('lists clients with the channels each may use now', async () => {
    const res = await h.ops('get', '/ops/clients').expect(200);
    assertMatchesOpenApi(res, '/ops/clients', 'get');
    const existing = res.body.clients.find((c: { id: string }) => c.id === CLIENTS.existing);
    assert.equal(existing.channels.rest.allowed, true);
    // Today (2026-11-23) both SOAP cut-offs have passed.
    assert.deepEqual(existing.channels['soap-v2'], {
      allowed: false,
      code: 'CHANNEL_RETIRED',
      cutoff: '2026-06-30T20:59:59.000Z',
      successor: 'rest',
    });
    const fresh = res.body.clients.find((c: { id: string }) => c.id === CLIENTS.rest);
    assert.equal(fresh.channels['legacy-soap'].code, 'CHANNEL_NOT_ALLOWED');
  });

  it('shows one client by its percent-encoded id, and 404 CLIENT_NOT_FOUND for an unknown one', async () => {
    const res = await h.ops('get', `/ops/clients/${encodeURIComponent(CLIENTS.sandbox)}`).expect(200);
    assertMatchesOpenApi(res, '/ops/clients/{clientId}', 'get');
    assert.equal(res.body.sandbox, true);
    const missing = await h.ops('get', `/ops/clients/${encodeURIComponent('FI/GOV/1/x')}`).expect(404);
    assert.equal(missing.body.code, 'CLIENT_NOT_FOUND');
  });

  it('answers an id in the path that does not decode, or decodes to a NUL, with 400 MALFORMED_REQUEST', async () => {
    const client = encodeURIComponent(CLIENTS.existing);
    for (const path of [
      '/ops/clients/%zz',
      '/ops/clients/FI%2FGOV%2F0123456-7%2F%00',
      `/ops/clients/${client}/exceptions/%E0%80`,
      `/ops/outbox/${client}/x%00/retry`,
    ]) {
      const method = path.endsWith('retry') ? 'post' : path.includes('exceptions') ? 'delete' : 'get';
      const res = await h.http[method](path).set('Authorization', `Bearer ${OPS_TOKEN}`);
      assert.equal(res.status, 400, `${path}: ${res.status} ${res.text}`);
      assert.equal(res.body.code, 'MALFORMED_REQUEST', path);
    }
  });

  it('refuses a duplicate client with 409 CLIENT_ALREADY_EXISTS and a bad one with field errors', async () => {
    const dup = await h
      .ops('post', '/ops/clients')
      .send({ id: CLIENTS.rest, name: 'x', organisation: 'y', kind: 'new' })
      .expect(409);
    assertMatchesOpenApi(dup, '/ops/clients', 'post');
    assert.equal(dup.body.code, 'CLIENT_ALREADY_EXISTS');
    const bad = await h
      .ops('post', '/ops/clients')
      .send({
        id: 'not-an-xroad-id',
        name: 'x',
        organisation: 'y',
        kind: 'old',
        certificateFingerprints: ['zz'],
      })
      .expect(400);
    // The schema's finding (kind) and the core's (id, the fingerprint) in one answer.
    const got = bad.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`).sort();
    assert.deepEqual(got, [
      'certificateFingerprints[0]:INVALID_FORMAT',
      'id:INVALID_FORMAT',
      'kind:INVALID_VALUE',
    ]);
    assert.equal(bad.body.title, 'The request has invalid fields');
    const bad2 = await h
      .ops('post', '/ops/clients')
      .send({
        id: 'not-an-xroad-id',
        name: 'x',
        organisation: 'y',
        kind: 'new',
        certificateFingerprints: ['zz'],
      })
      .expect(400);
    const got2 = bad2.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`).sort();
    assert.deepEqual(got2, ['certificateFingerprints[0]:INVALID_FORMAT', 'id:INVALID_FORMAT']);
  });

  it('loads persons all-or-nothing, reporting each bad entry by index', async () => {
    const res = await h
      .ops('post', '/ops/register/persons')
      .send([
        { personalIdentityCode: '010199-2247' },
        { personalIdentityCode: '131052-308U' },
        { personalIdentityCode: '010150-123A', deathDate: '1949-12-31' },
      ])
      .expect(400);
    assertMatchesOpenApi(res, '/ops/register/persons', 'post');
    const got = res.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`);
    assert.deepEqual(got, [
      '[1].personalIdentityCode:INVALID_CHECK_CHARACTER',
      '[2].deathDate:DEATH_BEFORE_BIRTH',
    ]);
    // A member the schema refuses and a code the core refuses, in one answer.
    const mixed = await h
      .ops('post', '/ops/register/persons')
      .send([{ personalIdentityCode: '131052-308U' }, { personalIdentityCode: '010150-123A', alive: true }])
      .expect(400);
    assert.deepEqual(
      mixed.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`),
      ['[1].alive:UNKNOWN_FIELD', '[0].personalIdentityCode:INVALID_CHECK_CHARACTER'],
    );
    const ok = await h
      .ops('post', '/ops/register/persons')
      .send([{ personalIdentityCode: '010199-2247' }, { personalIdentityCode: '010150-123A' }])
      .expect(200);
    assertMatchesOpenApi(ok, '/ops/register/persons', 'post');
    assert.deepEqual(ok.body, { created: 1, updated: 1 });
  });

  it('serves health, readiness and the OpenAPI document', async () => {
    assertMatchesOpenApi(await h.http.get('/healthz').expect(200), '/healthz', 'get');
    const ready = await h.http.get('/readyz').expect(200);
    assertMatchesOpenApi(ready, '/readyz', 'get');
    const doc = await h.http.get('/v1/openapi.json').expect(200);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.ok(doc.body.paths['/v1/births']);
  });
});
