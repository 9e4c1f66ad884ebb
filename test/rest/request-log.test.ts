import assert from 'node:assert/strict';
import { scrub } from '../../src/infra/logger';
import { newRequestId } from '../../src/pipeline/request-pipeline';
import { birth } from '../helpers/builders';
import { flakyDb } from '../helpers/flaky-db';
import { CLIENTS, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { birthEnvelope, SOAP_OPEN, V2 } from '../helpers/soap-hostile';
import { sharedDb } from '../helpers/test-db';

/** One JSON log line per request, with the request id and the X-Road message id; never the body. */
describe('request log lines', () => {
  const lines = (logLines: string[]) =>
    logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');

  it('logs each request with its id, the X-Road message id, the route template and the status', async () => {
    const h = await startHarness({ env: SOAP_OPEN });
    await seedStandard(h);
    h.logLines.length = 0;
    const res = await h.http
      .post('/v1/births')
      .set('X-Road-Client', CLIENTS.rest)
      .set('X-Road-Id', 'msg-0001')
      .set('X-Request-Id', '0b7e1c2a-5f3d-4c8e-9a1b-2c3d4e5f6a7b')
      .send(birth({}, 'log-birth-1'))
      .expect(201);
    assert.equal(res.headers['x-request-id'], '0b7e1c2a-5f3d-4c8e-9a1b-2c3d4e5f6a7b');
    const refused = await h.http
      .get('/v1/notifications/unknown-one')
      .set('X-Road-Client', CLIENTS.rest)
      .expect(404);
    assert.equal(
      refused.body.instance,
      `urn:uuid:${refused.headers['x-request-id']}`,
      'one id for the answer and the log',
    );
    await h.http
      .post(V2.path)
      .set('Content-Type', 'text/xml; charset=utf-8')
      .send(birthEnvelope(V2, { IlmoitusTunnus: 'log-birth-2' }))
      .expect(200);

    const [rest, status, soap] = lines(h.logLines);
    assert.deepEqual(
      { ...rest, time: undefined, ms: undefined, pid: undefined, hostname: undefined, level: undefined },
      {
        requestId: '0b7e1c2a-5f3d-4c8e-9a1b-2c3d4e5f6a7b',
        xRoadId: 'msg-0001',
        method: 'POST',
        route: '/v1/births',
        status: 201,
        msg: 'request',
        service: 'vtj-gateway',
        time: undefined,
        ms: undefined,
        pid: undefined,
        hostname: undefined,
        level: undefined,
      },
    );
    assert.equal(status?.route, '/v1/notifications/:notificationId');
    assert.equal(soap?.xRoadId, '6c1f6a3e-2d5b-4f7a-9c0e-1b2d3e4f5a6b', "the SOAP message's xrd:id");
    const all = h.logLines.join('\n');
    for (const secret of [PERSONS.mother, 'log-birth-1', 'unknown-one'])
      assert.ok(!all.includes(secret), `${secret} not logged`);
  });

  it("logs a failure with the request's id and its X-Road message id, on REST and SOAP alike", async () => {
    const seed = await startHarness({ env: SOAP_OPEN });
    await seedStandard(seed);
    const state: { failWith?: Error } = {};
    const h = await startHarness({ env: SOAP_OPEN, db: flakyDb(await sharedDb(), state) });
    state.failWith = new Error(`boom at ${PERSONS.mother}`);
    const rest = await h.http
      .post('/v1/births')
      .set('X-Road-Client', CLIENTS.rest)
      .set('X-Road-Id', 'msg-0002')
      .send(birth({}, 'log-birth-3'))
      .expect(500);
    await h.http
      .post(V2.path)
      .set('Content-Type', 'text/xml; charset=utf-8')
      .send(birthEnvelope(V2, { IlmoitusTunnus: 'log-birth-4' }))
      .expect(500);
    const failures = h.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'request failed');
    assert.deepEqual(
      failures.map((l) => [l.requestId, l.xRoadId]),
      [
        [rest.headers['x-request-id'], 'msg-0002'],
        [failures[1]?.requestId, '6c1f6a3e-2d5b-4f7a-9c0e-1b2d3e4f5a6b'],
      ],
    );
    assert.match(String(failures[1]?.requestId), /^[0-9a-f-]{36}$/);
    assert.ok(!h.logLines.join('\n').includes(PERSONS.mother), 'no identity code logged');
  });

  it('makes up request ids the log never masks: none shaped like a personal identity code', () => {
    // A random UUID has that shape about once in forty (`…123456-7890…`); masked, it finds no log line.
    for (let i = 0; i < 4000; i++) {
      const id = newRequestId();
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(scrub(id), id);
    }
  });

  it('echoes the X-Road-Id exactly as sent, and not at all when it is not ASCII text', async () => {
    const h = await startHarness();
    await seedStandard(h);
    const status = (id: string) =>
      h.http.get('/v1/notifications/none').set('X-Road-Client', CLIENTS.rest).set('X-Road-Id', id);
    const ascii = await status('msg 0002/%41').expect(404);
    assert.equal(ascii.headers['x-road-id'], 'msg 0002/%41');
    // Latin-1 bytes in the header: Node sent them back UTF-8 encoded, so the echo differed from the request.
    const latin1 = await status('msg-\u00e4').expect(404);
    assert.equal(latin1.headers['x-road-id'], undefined);
  });

  it('makes up a UUID when the caller sends none, or one that is not a UUID', async () => {
    const h = await startHarness();
    const a = await h.http.get('/healthz').set('X-Request-Id', 'has spaces in it');
    assert.match(a.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
  });
});
