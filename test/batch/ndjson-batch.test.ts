import assert from 'node:assert/strict';
import { birth, death, type Json } from '../helpers/builders';
import { asClient, CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';

const line = (type: 'birth' | 'death', notification: Json) => JSON.stringify({ type, notification });

function upload(h: Harness, body: string | Buffer, client: string = CLIENTS.rest) {
  return h.http
    .post('/v1/batches')
    .set('X-Road-Client', client)
    .set('Content-Type', 'application/x-ndjson')
    .send(body);
}

const progress = (h: Harness, location: string, client: string = CLIENTS.rest) =>
  h.http.get(location).set('X-Road-Client', client);

/** Waits for this instance's worker to have decided everything it can claim, then reads the batch. */
async function settled(h: Harness, location: string): Promise<Json> {
  await h.gateway.batchWorker.drain();
  const res = await progress(h, location).expect(200);
  assertMatchesOpenApi(res, '/v1/batches/{batchId}', 'get');
  return res.body;
}

describe('POST /v1/batches, application/x-ndjson: taken in, then decided in the background', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { BATCH_MAX_LINE_BYTES: '2048' } });
    await seedStandard(h);
  });
  // Nothing of a test goes on deciding in the background while the next one empties the database.
  afterEach(() => h.gateway.batchWorker.stop());

  it('answers a bad line on its own, by its line number, and decides the others', async () => {
    const body = Buffer.concat([
      Buffer.from(
        [
          line('birth', birth({}, 'n-1')),
          '',
          'this is not JSON',
          '[1, 2]',
          JSON.stringify({ type: 'wedding', notification: birth({}, 'n-2') }),
          `{"type":"birth","notification":{"notificationId":"${'x'.repeat(3000)}"}}`,
          '',
        ].join('\n'),
      ),
      Buffer.from([0xc3, 0x28, 0x0a]), // line 7: not UTF-8
      Buffer.from(`${line('death', death({}, 'n-3'))}\r\n   \n${line('birth', birth({}, 'n-1'))}`), // no final newline
    ]);
    const res = await upload(h, body).expect(202);
    assertMatchesOpenApi(res, '/v1/batches', 'post');
    assert.equal(res.body.total, 8);
    assert.equal(res.headers.location as string, `/v1/batches/${res.body.id}`);
    assert.equal(res.body.location, res.headers.location as string);

    const batch = await settled(h, res.headers.location as string);
    assert.equal(batch.status, 'done');
    assert.deepEqual([batch.total, batch.processed, batch.waiting], [8, 8, 0]);
    const items = batch.items as Json[];
    const brief = items.map((i) => [
      i.index,
      i.line,
      i.status,
      (i.problem as Json | undefined)?.code ?? null,
    ]);
    assert.deepEqual(brief, [
      [0, 1, 201, null],
      [1, 3, 400, 'MALFORMED_REQUEST'],
      [2, 4, 400, 'VALIDATION_FAILED'],
      [3, 5, 400, 'VALIDATION_FAILED'],
      [4, 6, 413, 'PAYLOAD_TOO_LARGE'],
      [5, 7, 400, 'MALFORMED_REQUEST'],
      [6, 8, 201, null],
      [7, 10, 201, null],
    ]);
    assert.match(((items[1] as Json).problem as Json).detail as string, /line 3 is not valid JSON/);
    assert.match(((items[4] as Json).problem as Json).detail as string, /line 6 is longer than 2048 bytes/);
    assert.match(((items[5] as Json).problem as Json).detail as string, /line 7 .*not UTF-8/);
    assert.equal(items[7]?.replayed, true, 'the repeat of line 1 is a replay');
    assert.deepEqual(batch.summary, {
      registered: 3,
      accepted: 0,
      refused: 5,
      replayed: 1,
      refusedByCode: { MALFORMED_REQUEST: 2, VALIDATION_FAILED: 2, PAYLOAD_TOO_LARGE: 1 },
    });
    // Every item as REST's own: registered notifications are there to see, on the REST interface.
    const status = await asClient(h).status('n-1').expect(200);
    assert.deepEqual(((items[0] as Json).result as Json).child, status.body.child);
  });

  it('decides items whose answers echo what jsonb cannot hold: an escaped NUL, half a surrogate pair', async () => {
    // JSON.stringify writes both escaped (\u0000, \ud800): valid JSON and UTF-8 on the wire.
    const body = [
      line('birth', birth({}, 'echo-ok')),
      line('birth', birth({}, 'echo-\u0000-nul')),
      line('birth', birth({}, 'echo-\ud800-half')),
    ].join('\n');
    const res = await upload(h, body).expect(202);
    const batch = await settled(h, res.headers.location as string);
    assert.equal(batch.status, 'done', JSON.stringify(batch));
    const items = batch.items as Json[];
    assert.deepEqual(
      items.map((i) => i.status),
      [201, 400, 400],
    );
    assert.equal((items[1] as Json).notificationId, 'echo-\uFFFD-nul');
  });

  it('shows waiting items until they are decided, then their results, in pages', async () => {
    // The worker stopped: nothing is decided until it starts again.
    await h.gateway.batchWorker.stop();
    const lines = Array.from({ length: 25 }, (_, i) => line('birth', birth({}, `p-${i}`)));
    const res = await upload(h, `${lines.join('\n')}\n`).expect(202);

    const waiting = await progress(h, res.headers.location as string).expect(200);
    assertMatchesOpenApi(waiting, '/v1/batches/{batchId}', 'get');
    assert.equal(waiting.body.status, 'processing');
    assert.deepEqual([waiting.body.total, waiting.body.processed, waiting.body.waiting], [25, 0, 25]);
    assert.deepEqual(waiting.body.items[0], { index: 0, line: 1, state: 'waiting' });

    h.gateway.batchWorker.start(60_000);
    await settled(h, res.headers.location as string);
    await h.gateway.batchWorker.stop();
    const seen: Json[] = [];
    let next: string | undefined = `${res.headers.location as string}?limit=10`;
    while (next) {
      const page: { body: Json } = await progress(h, next).expect(200);
      assertMatchesOpenApi(page as never, '/v1/batches/{batchId}', 'get');
      seen.push(...(page.body.items as Json[]));
      next = page.body.next as string | undefined;
    }
    assert.deepEqual(
      seen.map((i) => i.index),
      Array.from({ length: 25 }, (_, i) => i),
    );
    assert.ok(seen.every((i) => i.state === 'done' && i.status === 201));
    assert.equal(
      new Set(
        seen.map((i) => (i.result as { child: { personalIdentityCode: string } }).child.personalIdentityCode),
      ).size,
      25,
    );
    const after = await progress(h, `${res.headers.location as string}?after=22`).expect(200);
    assert.deepEqual(
      after.body.items.map((i: Json) => i.index),
      [23, 24],
    );
    assert.equal(after.body.next, undefined);

    const bad = await progress(h, `${res.headers.location as string}?limit=0&after=x`).expect(400);
    assert.deepEqual(
      bad.body.errors.map((e: Json) => `${e.field}:${e.code}`),
      ['after:OUT_OF_RANGE', 'limit:OUT_OF_RANGE'],
    );
  });

  it('gives every item as NDJSON, one result per line, when asked for it', async () => {
    const lines = [line('birth', birth({}, 'j-1')), 'nope', line('death', death({}, 'j-2'))];
    const res = await upload(h, lines.join('\n')).expect(202);
    await settled(h, res.headers.location as string);
    const all = await progress(h, res.headers.location as string)
      .set('Accept', 'application/x-ndjson')
      .expect(200);
    assert.match(String(all.headers['content-type']), /^application\/x-ndjson/);
    const items = all.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      items.map((i) => [i.line, i.state, i.status]),
      [
        [1, 'done', 201],
        [2, 'done', 400],
        [3, 'done', 201],
      ],
    );
  });

  it('shows a batch only to the client that sent it', async () => {
    const res = await upload(h, line('birth', birth({}, 'o-1'))).expect(202);
    await settled(h, res.headers.location as string);
    const theirs = await progress(h, res.headers.location as string, CLIENTS.existing).expect(404);
    assertMatchesOpenApi(theirs, '/v1/batches/{batchId}', 'get');
    assert.equal(theirs.body.code, 'NOT_FOUND');
    await progress(h, '/v1/batches/not-a-batch-id').expect(404);
    await progress(h, '/v1/batches/00000000-0000-4000-8000-000000000000').expect(404);
    await h.http.get(res.headers.location as string).expect(401);
  });

  it('refuses a batch of more than BATCH_MAX_ITEMS items whole: nothing of it is decided', async () => {
    h = await startHarness({ env: { BATCH_MAX_ITEMS: '3' } });
    await seedStandard(h);
    const lines = [1, 2, 3, 4].map((i) => line('birth', birth({}, `t-${i}`)));
    const res = await upload(h, lines.join('\n')).expect(413);
    assertMatchesOpenApi(res, '/v1/batches', 'post');
    assert.match(res.body.detail, /at most 3 items in one batch \(line 4 is item 4\)/);
    await h.gateway.batchWorker.drain();
    await asClient(h).status('t-1').expect(404);
    const [{ n } = { n: -1 }] = await h.db.query<{ n: number }>(
      'SELECT count(*)::integer AS n FROM batch_items',
    );
    assert.equal(n, 0);
    await upload(h, lines.slice(0, 3).join('\n')).expect(202);
  });

  it('refuses a batch of more than BATCH_MAX_BYTES of items whole, however few its items', async () => {
    h = await startHarness({ env: { BATCH_MAX_BYTES: '1024' } });
    await seedStandard(h);
    const lines = [1, 2, 3, 4, 5].map((i) => line('birth', birth({}, `b-${i}`)));
    assert.ok(lines.slice(0, 2).join('').length < 1024 && lines.join('').length > 1024);
    const res = await upload(h, lines.join('\n')).expect(413);
    assertMatchesOpenApi(res, '/v1/batches', 'post');
    assert.match(res.body.detail, /at most 1024 bytes of items in one batch \(line \d goes past it\)/);
    await h.gateway.batchWorker.drain();
    await asClient(h).status('b-1').expect(404);
    await upload(h, lines.slice(0, 2).join('\n')).expect(202);
  });

  it('refuses a body without items, and a compressed one', async () => {
    const blank = await upload(h, '\n  \n\n').expect(400);
    assert.equal(blank.body.code, 'MALFORMED_REQUEST');
    assert.match(blank.body.detail, /holds no items/);
    const gz = await upload(h, 'x').set('Content-Encoding', 'gzip').expect(415);
    assert.equal(gz.body.code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('decides items again whose worker died: the lease runs out, the repeat is a replay', async () => {
    const res = await upload(h, [1, 2, 3].map((i) => line('birth', birth({}, `l-${i}`))).join('\n')).expect(
      202,
    );
    await h.gateway.batchWorker.drain();
    // As if a worker had claimed the items and died after registering two of them, before recording any.
    await h.db.query(
      `UPDATE batch_items SET outcome = NULL, result = NULL, body = $2, claimed_by = 'dead', claimed_until = $3
       WHERE batch_id = $1 AND idx < 2`,
      [res.body.id, line('birth', birth({}, 'l-1')), new Date(h.clock.now().getTime() + 15_000)],
    );
    await h.db.query(`UPDATE batch_items SET body = $2 WHERE batch_id = $1 AND idx = 1`, [
      res.body.id,
      line('birth', birth({}, 'l-2')),
    ]);
    await h.db.query(`UPDATE batches SET state = 'open', completed_at = NULL WHERE id = $1`, [res.body.id]);
    await h.gateway.batchWorker.drain();
    let batch = await settled(h, res.headers.location as string);
    assert.equal(batch.status, 'processing', 'not claimed again while the lease runs');
    h.clock.advance(15_001);
    batch = await settled(h, res.headers.location as string);
    assert.equal(batch.status, 'done');
    const items = batch.items as Json[];
    assert.deepEqual(
      items.map((i) => [i.status, i.replayed ?? false]),
      [
        [201, true],
        [201, true],
        [201, false],
      ],
    );
    const [{ n } = { n: -1 }] = await h.db.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM notifications WHERE notification_id LIKE 'l-%'`,
    );
    assert.equal(n, 3, 'each notification registered once');
  });

  it('decides the items of a sandbox client by its own rules', async () => {
    const res = await upload(
      h,
      [
        line('birth', birth({ mother: { personalIdentityCode: PERSONS.sandboxMother } }, 's-1')),
        line('birth', birth({}, 's-2')),
      ].join('\n'),
      CLIENTS.sandbox,
    ).expect(202);
    await h.gateway.batchWorker.drain();
    const batch = await progress(h, res.headers.location as string, CLIENTS.sandbox).expect(200);
    const [first, second] = batch.body.items as Json[];
    assert.match(
      ((first as Json).result as { child: { personalIdentityCode: string } }).child.personalIdentityCode,
      /^201126A9\d\d.$/,
    );
    assert.equal(((second as Json).problem as Json).code, 'PERSON_NOT_FOUND');
  });
});
