import assert from 'node:assert/strict';
import { formatHetu } from '../../src/core/hetu/hetu';
import type { RegisterGuard } from '../../src/core/ports';
import { birth, death, type Json } from '../helpers/builders';
import { asClient, CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';

const post = (h: Harness, body: unknown, client: string = CLIENTS.rest) =>
  h.http
    .post('/v1/batches')
    .set('X-Road-Client', client)
    .send(body as object);

const item = (type: 'birth' | 'death', notification: Json) => ({ type, notification });

/** An answer with what differs between two runs of the same requests removed: the correlation ids. */
function comparable(body: Json): Json {
  const { instance: _instance, ...rest } = body;
  return rest;
}

/**
 * The notifications of the comparison, in order: registered, invalid, refused by the register's state,
 * repeated in the same batch, reused with other content, a stillbirth, a sandbox-only code.
 */
const MIXED: { type: 'birth' | 'death'; notification: Json }[] = [
  item('birth', birth({}, 'b-1')),
  item(
    'birth',
    birth(
      {
        birth: { municipalityCode: '91', liveBorn: true },
        mother: { personalIdentityCode: '131052-308U' },
      },
      'b-2',
    ),
  ),
  item('death', death({}, 'd-1')),
  item('death', death({}, 'd-2')), // the same person again: ALREADY_DECEASED
  item('birth', birth({ mother: { personalIdentityCode: '010199-2247' } }, 'b-3')), // not in the register
  item('birth', birth({}, 'b-1')), // a repeat: replayed
  item('birth', birth({ child: { birthDateTime: '2026-11-20T14:32:00+02:00', sex: 'male' } }, 'b-1')), // reused
  item('birth', birth({ birth: { municipalityCode: '091', liveBorn: false } }, 'b-4')),
  item('birth', birth({ mother: { personalIdentityCode: PERSONS.temporary } }, 'b-5')),
  item('birth', birth({ child: { birthDateTime: '2026-11-21T01:00:00+02:00', sex: 'male' } }, 'b-6')),
  item('birth', birth({ mother: { personalIdentityCode: PERSONS.deceasedMother } }, 'b-7')),
];

describe('POST /v1/batches, application/json: many notifications, each as its own request', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await seedStandard(h);
  });

  it('answers every item exactly as its single REST request, sent in the same order, is answered', async () => {
    const res = await post(h, { items: MIXED }).expect(200);
    assertMatchesOpenApi(res, '/v1/batches', 'post');
    const batch = res.body.results as Json[];
    assert.equal(batch.length, MIXED.length);

    // The same notifications, one request each, on a fresh database at the same moment.
    h = await startHarness();
    await seedStandard(h);
    for (const [index, { type, notification }] of MIXED.entries()) {
      const single = await (type === 'birth' ? asClient(h).births : asClient(h).deaths)(notification);
      const got = batch[index] as Json;
      assert.equal(got.index, index);
      assert.equal(got.type, type);
      assert.equal(got.notificationId, notification.notificationId);
      assert.equal(got.status, single.status, `item ${index}: ${JSON.stringify(got)}`);
      assert.equal(got.replayed === true, single.headers['idempotent-replayed'] === 'true', `item ${index}`);
      if (single.status < 300) assert.deepEqual(got.result, single.body, `item ${index}`);
      else assert.deepEqual(comparable(got.problem as Json), comparable(single.body), `item ${index}`);
    }
    const statuses = batch.map((r) => r.status);
    assert.deepEqual(statuses, [201, 400, 201, 409, 422, 201, 422, 422, 422, 201, 409]);
    assert.deepEqual(res.body.summary, {
      total: 11,
      registered: 4,
      accepted: 0,
      refused: 7,
      replayed: 1,
      refusedByCode: {
        VALIDATION_FAILED: 1,
        ALREADY_DECEASED: 1,
        PERSON_NOT_FOUND: 1,
        NOTIFICATION_ID_REUSED: 1,
        STILLBIRTH_NOT_REGISTRABLE: 1,
        TEMPORARY_CODE_NOT_ALLOWED: 1,
        DEATH_BEFORE_BIRTH: 1,
      },
    });
  });

  it('is one idempotency with single requests: either may come first', async () => {
    const single = await asClient(h).births(birth({}, 'alone-first')).expect(201);
    const res = await post(h, { items: [item('birth', birth({}, 'alone-first'))] }).expect(200);
    assert.equal(res.body.results[0].status, 201);
    assert.equal(res.body.results[0].replayed, true);
    assert.deepEqual(res.body.results[0].result, single.body);

    const batched = await post(h, { items: [item('death', death({}, 'batch-first'))] }).expect(200);
    const again = await asClient(h).deaths(death({}, 'batch-first')).expect(201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, batched.body.results[0].result);
    const status = await asClient(h).status('batch-first').expect(200);
    assert.equal(status.body.channel, 'rest');
  });

  it('gives every child of a batch its own code, in the order of the items', async () => {
    const items = Array.from({ length: 40 }, (_, i) =>
      item(
        'birth',
        birth({ mother: { personalIdentityCode: i % 2 ? PERSONS.mother : PERSONS.mother2 } }, `many-${i}`),
      ),
    );
    const res = await post(h, { items }).expect(200);
    const codes = (res.body.results as { result: { child: { personalIdentityCode: string } } }[]).map(
      (r) => r.result.child.personalIdentityCode,
    );
    assert.equal(new Set(codes).size, 40);
    // Girls of one day take the even numbers from 002 up, in the items' order.
    assert.deepEqual(
      codes.slice(0, 3),
      [2, 4, 6].map((n) => formatHetu('2026-11-20', 'A', n)),
    );
  });

  it('answers the item members that are wrong, each item on its own', async () => {
    const res = await post(h, {
      items: [
        'a string',
        { type: 'marriage', notification: birth({}, 'x-1') },
        { notification: birth({}, 'x-2') },
        { type: 'birth', notification: birth({}, 'x-3'), note: 'hi' },
        { type: 'death', notification: [] },
        item('birth', birth({}, 'x-4')),
      ],
    }).expect(200);
    assertMatchesOpenApi(res, '/v1/batches', 'post');
    const fields = (r: Json) =>
      ((r.problem as Json).errors as { field: string; code: string }[]).map((e) => `${e.field}:${e.code}`);
    const [notObject, unknownType, noType, extra, notNotification, good] = res.body.results as Json[];
    assert.deepEqual(fields(notObject as Json), ['(item):INVALID_TYPE']);
    assert.deepEqual(fields(unknownType as Json), ['type:INVALID_VALUE']);
    assert.equal((unknownType as Json).notificationId, 'x-1');
    assert.deepEqual(fields(noType as Json), ['type:REQUIRED']);
    assert.deepEqual(fields(extra as Json), ['note:UNKNOWN_FIELD']);
    assert.deepEqual(fields(notNotification as Json), ['notification:INVALID_TYPE']);
    assert.equal((good as Json).status, 201);
    assert.equal(res.body.summary.refusedByCode.VALIDATION_FAILED, 5);
  });

  it('refuses what is not a batch as a whole, with the reason', async () => {
    const malformed = await h.http
      .post('/v1/batches')
      .set('X-Road-Client', CLIENTS.rest)
      .set('Content-Type', 'application/json')
      .send('{"items": [')
      .expect(400);
    assertMatchesOpenApi(malformed, '/v1/batches', 'post');
    assert.equal(malformed.body.code, 'MALFORMED_REQUEST');

    const shapes: [unknown, string[]][] = [
      [[item('birth', birth())], ['(body):INVALID_TYPE']],
      [{}, ['items:REQUIRED']],
      [{ items: {} }, ['items:INVALID_TYPE']],
      [{ items: [], more: 1 }, ['items:OUT_OF_RANGE', 'more:UNKNOWN_FIELD']],
    ];
    for (const [body, expected] of shapes) {
      const res = await post(h, body).expect(400);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
      assert.deepEqual(
        res.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`),
        expected,
      );
    }

    const xml = await h.http
      .post('/v1/batches')
      .set('X-Road-Client', CLIENTS.rest)
      .set('Content-Type', 'text/xml')
      .send('<items/>')
      .expect(415);
    assertMatchesOpenApi(xml, '/v1/batches', 'post');
    await h.http.get('/v1/batches').set('X-Road-Client', CLIENTS.rest).expect(405);
  });

  it('refuses more items than BATCH_SYNC_MAX_ITEMS, pointing to NDJSON', async () => {
    h = await startHarness({ env: { BATCH_SYNC_MAX_ITEMS: '3' } });
    await seedStandard(h);
    const items = [1, 2, 3, 4].map((i) => item('birth', birth({}, `big-${i}`)));
    const res = await post(h, { items }).expect(413);
    assertMatchesOpenApi(res, '/v1/batches', 'post');
    assert.equal(res.body.code, 'PAYLOAD_TOO_LARGE');
    assert.match(
      res.body.detail,
      /at most 3 items in one application\/json batch \(this one has 4\); send larger batches as application\/x-ndjson/,
    );
    await post(h, { items: items.slice(0, 3) }).expect(200);
  });

  it('identifies the caller once, by REST’s rules: no identity, an unknown client', async () => {
    const body = { items: [item('birth', birth())] };
    const anonymous = await h.http.post('/v1/batches').send(body).expect(401);
    assertMatchesOpenApi(anonymous, '/v1/batches', 'post');
    assert.equal(anonymous.body.code, 'MISSING_CLIENT_IDENTITY');
    const unknown = await post(h, body, 'FI/GOV/0000000-0/tuntematon').expect(403);
    assert.equal(unknown.body.code, 'UNKNOWN_CLIENT');
    // Nothing of either was stored.
    await asClient(h)
      .status(birth().notificationId as string)
      .expect(404);
  });

  it('applies the sandbox rules of the calling client to every item', async () => {
    const res = await post(
      h,
      {
        items: [
          item('birth', birth({ mother: { personalIdentityCode: PERSONS.sandboxMother } }, 's-1')),
          item('birth', birth({}, 's-2')), // a production person: not visible to a sandbox client
        ],
      },
      CLIENTS.sandbox,
    ).expect(200);
    assert.match(res.body.results[0].result.child.personalIdentityCode, /^201126A9\d\d.$/);
    assert.equal(res.body.results[1].problem.code, 'PERSON_NOT_FOUND');
  });

  it('leaves out a registered item’s result when asked to (Prefer: return=minimal), never a refusal’s problem', async () => {
    const res = await post(h, {
      items: [item('birth', birth({}, 'min-1')), item('birth', birth({}, 'min-1')), 'bad'],
    })
      .set('Prefer', 'return=minimal')
      .expect(200);
    assertMatchesOpenApi(res, '/v1/batches', 'post');
    assert.equal(res.headers['preference-applied'], 'return=minimal');
    assert.deepEqual(res.body.results.slice(0, 2), [
      { index: 0, notificationId: 'min-1', type: 'birth', status: 201 },
      { index: 1, notificationId: 'min-1', type: 'birth', status: 201, replayed: true },
    ]);
    assert.equal(res.body.results[2].problem.code, 'VALIDATION_FAILED');
    const full = await post(h, { items: [item('birth', birth({}, 'min-1'))] }).expect(200);
    assert.equal(full.headers['preference-applied'], undefined);
    assert.equal(full.body.results[0].result.notificationId, 'min-1');
  });

  it('counts each item in the metrics, as a REST notification', async () => {
    await post(h, {
      items: [item('birth', birth({}, 'm-1')), item('birth', birth({}, 'm-1')), 'bad'],
    }).expect(200);
    const metrics = (await h.http.get('/metrics')).text;
    assert.match(metrics, /vtj_notifications_total\{channel="rest",kind="birth",outcome="registered"\} 1/);
    assert.match(metrics, /vtj_notifications_total\{channel="rest",kind="birth",outcome="replayed"\} 1/);
  });

  it('tells a client with too many JSON batches being decided at once to wait (429, Retry-After)', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const inRegister = new Promise<void>((resolve) => {
      entered = resolve;
    });
    // The register holds the first batch until the second has been answered.
    const guard: RegisterGuard = {
      async run(fn) {
        entered();
        await held;
        return fn();
      },
    };
    h = await startHarness({ env: { BATCH_SYNC_CONCURRENCY: '1' }, guard });
    await seedStandard(h);
    const first = post(h, { items: [item('birth', birth({}, 'c-1'))] }).then((r) => r);
    await inRegister;
    const second = await post(h, { items: [item('birth', birth({}, 'c-2'))] }).expect(429);
    assertMatchesOpenApi(second, '/v1/batches', 'post');
    assert.equal(second.body.code, 'RATE_LIMITED');
    assert.equal(second.headers['retry-after'], '1');
    // Another client is not refused for this one's batches.
    const other = post(h, { items: [item('birth', birth({}, 'c-3'))] }, CLIENTS.existing).then((r) => r);
    release();
    assert.equal((await first).status, 200);
    assert.equal((await other).status, 200);
    await post(h, { items: [item('birth', birth({}, 'c-2'))] }).expect(200);
  });
});
