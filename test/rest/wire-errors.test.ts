import assert from 'node:assert/strict';
import { DatabaseUnavailableError } from '../../src/infra/pg/database';
import { birth } from '../helpers/builders';
import { flakyDb } from '../helpers/flaky-db';
import { asClient, CLIENTS, type Harness, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';
import { sharedDb } from '../helpers/test-db';

const PROBLEM = /^application\/problem\+json/;

describe('REST wire errors: identity, parsing, limits, routing', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await seedStandard(h);
  });

  it('answers a request without X-Road-Client with 401 MISSING_CLIENT_IDENTITY', async () => {
    const res = await h.http.post('/v1/births').send(birth()).expect(401).expect('Content-Type', PROBLEM);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.body.code, 'MISSING_CLIENT_IDENTITY');
  });

  it('answers a malformed X-Road-Client with 401 MISSING_CLIENT_IDENTITY saying what is expected', async () => {
    const res = await h.http
      .post('/v1/births')
      .set('X-Road-Client', 'FI/GOV/only-three')
      .send(birth())
      .expect(401);
    assert.match(res.body.detail, /INSTANCE\/CLASS\/MEMBER\/SUBSYSTEM/);
  });

  it('decodes percent-encoded X-Road-Client parts', async () => {
    await h.http
      .post('/v1/births')
      .set('X-Road-Client', 'FI/GOV/0123456-7/synnytys'.replace('-', '%2D'))
      .send(birth())
      .expect(201);
  });

  it('answers an unregistered client with 403 UNKNOWN_CLIENT', async () => {
    const res = await asClient(h, 'FI/GOV/9999999-9/tuntematon').births(birth()).expect(403);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.body.code, 'UNKNOWN_CLIENT');
  });

  it('answers malformed JSON with 400 MALFORMED_REQUEST, never an HTML page or a stack trace', async () => {
    const res = await h.http
      .post('/v1/births')
      .set('X-Road-Client', CLIENTS.rest)
      .set('Content-Type', 'application/json')
      .send('{"notificationId": "a",')
      .expect(400)
      .expect('Content-Type', PROBLEM);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.body.code, 'MALFORMED_REQUEST');
    assert.doesNotMatch(res.text, /at .*\.(ts|js):\d+|<html/i);
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const huge = { ...birth(), padding: 'x'.repeat(h.config.bodyLimitBytes + 10) };
    const res = await asClient(h).births(huge).expect(413);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.body.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(
      res.body.detail,
      `The request body is larger than the gateway accepts: at most ${h.config.bodyLimitBytes} bytes.`,
    );
  });

  it('answers a non-JSON body with 415 UNSUPPORTED_MEDIA_TYPE and a bodiless POST with 400', async () => {
    const res = await h.http
      .post('/v1/births')
      .set('X-Road-Client', CLIENTS.rest)
      .set('Content-Type', 'text/xml')
      .send('<birth/>')
      .expect(415);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.body.code, 'UNSUPPORTED_MEDIA_TYPE');
    const empty = await h.http.post('/v1/births').set('X-Road-Client', CLIENTS.rest).expect(400);
    assert.equal(empty.body.code, 'MALFORMED_REQUEST');
  });

  it('answers a JSON array or a scalar body with a clear 400', async () => {
    const arr = await asClient(h).births([1, 2]).expect(400);
    assert.equal(arr.body.code, 'VALIDATION_FAILED');
    assert.equal(arr.body.errors[0].code, 'INVALID_TYPE');
  });

  it('answers unknown paths with 404 NOT_FOUND and wrong methods with 405 METHOD_NOT_ALLOWED', async () => {
    const missing = await h.http.get('/v1/nothing-here').set('X-Road-Client', CLIENTS.rest).expect(404);
    assert.equal(missing.body.code, 'NOT_FOUND');
    const wrong = await h.http.get('/v1/births').set('X-Road-Client', CLIENTS.rest).expect(405);
    assert.equal(wrong.body.code, 'METHOD_NOT_ALLOWED');
    assert.equal(wrong.headers.allow, 'POST');
  });

  it('answers a path that does not decode, or decodes to a NUL, with 400 MALFORMED_REQUEST', async () => {
    // A malformed escape, an encoded lone surrogate (not UTF-8), a NUL: the router or the database used
    // to fail on each with a 500.
    for (const id of ['%zz', 'a%', '%ED%A0%80', '%C0%AF', '%00', 'x%00y']) {
      const res = await h.http.get(`/v1/notifications/${id}`).set('X-Road-Client', CLIENTS.rest);
      assert.equal(res.status, 400, `${id}: ${res.status} ${res.text}`);
      assert.match(String(res.headers['content-type']), PROBLEM);
      assert.equal(res.body.code, 'MALFORMED_REQUEST', id);
      assert.match(res.body.detail, /path/, id);
      assertMatchesOpenApi(res, '/v1/notifications/{notificationId}', 'get');
    }
    // Another control character is an odd id, but no reason to refuse the path: not found.
    await asClient(h).status('x\u0001y').expect(404);
  });
});

describe('REST server-side failures', () => {
  it('answers an unexpected error with 500 INTERNAL and a correlation id that is also in the log', async () => {
    const state: { failWith?: Error } = {};
    const seed = await startHarness();
    await seedStandard(seed);
    const h = await startHarness({ db: flakyDb(await sharedDb(), state) });
    state.failWith = new Error('boom at 131052-308T');
    const res = await asClient(h).births(birth()).expect(500).expect('Content-Type', PROBLEM);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.body.code, 'INTERNAL');
    assert.doesNotMatch(res.text, /boom|\.ts:\d+/);
    const id = String(res.body.instance).replace('urn:uuid:', '');
    const logged = h.logLines.find((l) => l.includes(id));
    assert.ok(logged, 'the correlation id is in the log');
    assert.doesNotMatch(logged, /131052-308T/, 'the log masks personal identity codes');
  });

  it('answers a database outage with 503 SERVICE_UNAVAILABLE', async () => {
    const state: { failWith?: Error } = {};
    const seed = await startHarness();
    await seedStandard(seed);
    const h = await startHarness({ db: flakyDb(await sharedDb(), state) });
    // What the pg adapter throws for a server shutting down (57P01), a lost connection or a timeout.
    state.failWith = new DatabaseUnavailableError('terminating connection (57P01)');
    const res = await asClient(h).births(birth()).expect(503);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.body.code, 'SERVICE_UNAVAILABLE');
    assert.equal(res.headers['retry-after'], '5');
    assert.match(res.body.detail, /same notificationId/);
    const ready = await h.http.get('/readyz').expect(503);
    assert.equal(ready.body.status, 'unavailable');
  });
});
