import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import express from 'express';
import { restFastLane } from '../../src/channels/rest/fast-lane';
import { DomainError } from '../../src/core/errors';
import { createMetrics } from '../../src/http/metrics';
import { createLogger } from '../../src/infra/logger';
import type { RequestPipeline } from '../../src/pipeline/request-pipeline';
import { birth, death } from '../helpers/builders';
import { CLIENTS, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { listen } from '../helpers/listen';

/** One request as the wire carries it. */
interface Sent {
  path: '/v1/births' | '/v1/deaths';
  headers: Record<string, string>;
  body: Buffer;
}
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const asRest = (path: Sent['path'], body: Buffer, headers: Record<string, string> = {}): Sent => ({
  path,
  body,
  headers: { 'Content-Type': 'application/json', 'X-Road-Client': CLIENTS.rest, ...headers },
});

/**
 * The answers the fast lane gives must be the answers express's routes give:
 * every scenario runs twice over a fresh database and the same clock, once in
 * the plain form the fast lane takes and once with a query string, which
 * sends it past the fast lane to the routes; status, headers and body must be
 * equal (the request id is sent, so it and the correlation id agree too).
 */
const SCENARIOS: Sent[] = [
  asRest('/v1/births', json(birth({}, 'fl-1'))),
  asRest('/v1/births', json(birth({}, 'fl-1'))), // a repeat: Idempotent-Replayed
  asRest(
    '/v1/births',
    json(birth({ child: { birthDateTime: '2026-11-20T10:00:00+02:00', sex: 'male' } }, 'fl-1')),
  ), // same id, other content
  asRest('/v1/births', json(birth({ mother: { personalIdentityCode: PERSONS.mother2 } }, 'fl-2')), {
    'X-Road-Id': 'msg-42',
    'X-Road-UserId': 'FI123',
  }),
  asRest('/v1/births', json(birth({ birth: { municipalityCode: '091', liveBorn: false } }, 'fl-3'))),
  asRest('/v1/births', json({ notificationId: 7, child: { sex: 'robot' }, extra: true })),
  asRest('/v1/births', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(birth({}, 'fl-4'))])),
  asRest('/v1/births', Buffer.from('"a string"')),
  asRest('/v1/births', Buffer.from('[]')),
  asRest('/v1/births', Buffer.from('  {"notificationId": ')),
  asRest('/v1/births', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
  asRest('/v1/births', json(birth({}, 'fl-5')), { 'Content-Type': 'application/json; charset=UTF-8' }),
  asRest('/v1/births', json(birth({}, 'fl-6')), { 'X-Road-Client': 'FI/GOV/9999999-9/unknown' }),
  asRest('/v1/births', json(birth({}, 'fl-7')), { 'X-Road-Client': 'not a client id' }),
  asRest('/v1/births', json(birth({}, 'fl-8')), { 'X-Road-Client': CLIENTS.sandbox }),
  asRest('/v1/deaths', json(death({ deceased: { personalIdentityCode: PERSONS.elderly } }, 'fd-1'))),
  asRest('/v1/deaths', json(death({ deceased: { personalIdentityCode: PERSONS.elderly } }, 'fd-2'))),
  asRest('/v1/deaths', json(death({ deceased: { personalIdentityCode: PERSONS.deceasedMother } }, 'fd-3'))),
  asRest('/v1/deaths', json({ notificationId: 'fd-4', deceased: {}, death: { date: 'yesterday' } })),
];

describe('REST fast lane: POST /v1/births and /v1/deaths answered before the routes', () => {
  it('answers every scenario exactly as the express routes answer it', async () => {
    const fast = await runAll((path) => path);
    const routed = await runAll((path) => `${path}?via=routes`);
    assert.equal(fast.length, SCENARIOS.length);
    for (const [i, answer] of fast.entries()) {
      assert.deepEqual(answer, routed[i], `scenario ${i}: ${SCENARIOS[i]?.body.toString().slice(0, 60)}`);
    }
    // The scenarios reach what they are meant to: registrations, a replay, refusals of several kinds.
    assert.deepEqual(
      fast.map((a) => a.status),
      [201, 201, 422, 201, 422, 400, 201, 400, 400, 400, 400, 201, 403, 401, 422, 201, 409, 409, 400],
    );
    assert.equal(fast[1]?.headers['idempotent-replayed'], 'true');
  });

  it('refuses a body cut short as the routes do, and registers nothing of it', async () => {
    const h = await startHarness();
    await seedStandard(h);
    const server = await listen(h.gateway.app);
    try {
      for (const path of ['/v1/births', '/v1/births?via=routes']) {
        const text = await cutShort(server.url, path, json(birth({}, 'fl-cut')));
        // Node's HTTP parser refuses the request itself when the connection ends mid-body.
        assert.match(text, /^HTTP\/1\.1 400 /, path);
      }
      const status = await h.http.get('/v1/notifications/fl-cut').set('X-Road-Client', CLIENTS.rest);
      assert.equal(status.status, 404, 'nothing of a cut-short body is registered');
    } finally {
      await server.close();
    }
  });

  it('takes only the plain form and passes every other request on untouched', async () => {
    const reached: string[] = [];
    const refuse = async (): Promise<never> => {
      throw new DomainError('SERVICE_UNAVAILABLE', { reason: 'answered by the fast lane' });
    };
    const pipeline = {
      identify: refuse,
      handle: refuse,
      failed: (error: unknown) => ({ ok: false, error, correlationId: 'c' }),
    } as unknown as RequestPipeline;
    const app = express();
    app.use(
      restFastLane({
        pipeline,
        tls: undefined,
        bodyLimitBytes: 100,
        metrics: createMetrics(),
        logger: createLogger('silent'),
        lifecycle: { draining: false },
      }),
    );
    app.use((req, res) => {
      reached.push(`${req.method} ${req.url} ${req.get('Content-Type')}`);
      res.status(418).end();
    });
    const server = await listen(app);
    const send = (method: string, path: string, headers: Record<string, string>, body = '{}') =>
      exchange(server.url, method, path, headers, Buffer.from(body)).then((a) => a.status);
    const plain = { 'Content-Type': 'application/json' };
    try {
      assert.equal(await send('POST', '/v1/births', plain), 503);
      assert.equal(
        await send('POST', '/v1/deaths', { 'Content-Type': 'Application/JSON; charset="utf-8"' }),
        503,
      );
      assert.equal(await send('POST', '/v1/births/', plain), 418);
      assert.equal(await send('POST', '/v1/births?x=1', plain), 418);
      assert.equal(await send('POST', '/V1/births', plain), 418);
      assert.equal(await send('PUT', '/v1/births', plain), 418);
      assert.equal(await send('POST', '/v1/batches', plain), 418);
      assert.equal(await send('POST', '/v1/births', { 'Content-Type': 'application/merge-patch+json' }), 418);
      assert.equal(
        await send('POST', '/v1/births', { 'Content-Type': 'application/json; charset=latin1' }),
        418,
      );
      assert.equal(await send('POST', '/v1/births', { 'Content-Type': 'text/plain' }), 418);
      assert.equal(await send('POST', '/v1/births', { ...plain, 'Content-Encoding': 'gzip' }), 418);
      assert.equal(await send('POST', '/v1/births', plain, ''), 418, 'an empty body');
      assert.equal(await send('POST', '/v1/births', plain, 'x'.repeat(101)), 418, 'over the limit');
      assert.equal(reached.length, 11);
    } finally {
      await server.close();
    }
  });
});

/** Every scenario in order against a fresh gateway and database, each path as `route` makes it. */
async function runAll(route: (path: string) => string): Promise<Answer[]> {
  const h = await startHarness();
  await seedStandard(h);
  const server = await listen(h.gateway.app);
  try {
    const answers: Answer[] = [];
    for (const [i, s] of SCENARIOS.entries()) {
      const requestId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const a = await exchange(
        server.url,
        'POST',
        route(s.path),
        { ...s.headers, 'X-Request-Id': requestId },
        s.body,
      );
      const { date: _date, connection: _c, 'keep-alive': _k, ...headers } = a.headers;
      answers.push({ ...a, headers });
    }
    return answers;
  } finally {
    await server.close();
  }
}

function exchange(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, {
      method,
      agent: false,
      headers: { ...headers, 'Content-Length': String(body.length) },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.end(body);
  });
}

/** A request declaring its whole body, sending half of it and closing its side: the raw answer. */
function cutShort(base: string, path: string, body: Buffer): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Road-Client: ${CLIENTS.rest}\r\n` +
        `X-Request-Id: ${randomUUID()}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.end(body.subarray(0, body.length >> 1));
  });
}
