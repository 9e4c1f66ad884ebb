import assert from 'node:assert/strict';
import type { AuditRecord } from '../../src/core/audit/audit-record';
import { birth, death } from '../helpers/builders';
import { CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';

/** Anything shaped like a personal identity code, also glued to other text. */
const CODE_SHAPED = /\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/i;

async function trail(h: Harness): Promise<AuditRecord[]> {
  await h.gateway.audit.flush();
  return (await h.gateway.audit.list({ limit: 1000 })).entries;
}

/**
 * A batch is one request for many notifications: each item leaves its own
 * row in the audit trail, as its single request would, on channel `batch`.
 */
describe('batches in the audit trail: one row per item', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await seedStandard(h);
  });
  afterEach(() => h.gateway.batchWorker.stop());

  it('a batch waits for an audit backlog to be written before its items are decided', async () => {
    // The backlog a replay faster than the trail's writer would leave: 2,500 rows not yet written (the
    // trail's own flushes held back while they are recorded).
    const trail = h.gateway.audit;
    const flush = trail.flush.bind(trail);
    let holding = true;
    trail.flush = () => (holding ? Promise.resolve() : flush());
    for (let i = 0; i < 2500; i++)
      h.gateway.audit.record({
        channel: 'rest',
        operation: 'status',
        clientId: CLIENTS.rest,
        clientIdentified: true,
        xRoadId: null,
        userId: null,
        notificationId: `backlog-${i}`,
        outcome: 'OK',
        replayed: false,
        httpStatus: 200,
        persons: [],
      });
    assert.equal(trail.waiting, 2500);
    holding = false;
    // What waits unwritten when the batch's item reaches the core.
    const waitingAtSubmit: number[] = [];
    const service = h.gateway.notifications;
    const submit = service.submit.bind(service);
    service.submit = (...args: Parameters<typeof submit>) => {
      waitingAtSubmit.push(h.gateway.audit.waiting);
      return submit(...args);
    };
    await h.http
      .post('/v1/batches')
      .set('X-Road-Client', CLIENTS.rest)
      .send({ items: [{ type: 'birth', notification: birth({}, 'bw-1') }] })
      .expect(200);
    assert.equal(waitingAtSubmit.length, 1);
    assert.ok((waitingAtSubmit[0] as number) < 2000, `${waitingAtSubmit[0]} rows still waited`);
  });

  it('records every item of a JSON batch: registered, refused, replayed and undecodable alike', async () => {
    await h.http
      .post('/v1/batches')
      .set('X-Road-Client', CLIENTS.rest)
      .set('X-Road-Id', 'msg-batch-1')
      .set('X-Road-UserId', `FI${PERSONS.elderly}`)
      .send({
        items: [
          { type: 'birth', notification: birth({}, 'ba-1') },
          {
            type: 'birth',
            notification: birth({ birth: { municipalityCode: '91', liveBorn: true } }, 'ba-2'),
          },
          { type: 'death', notification: death({}, 'ba-3') },
          { type: 'birth', notification: birth({}, 'ba-1') },
          { type: 'marriage', notification: {} },
        ],
      })
      .expect(200);
    // Rows in the order the items were decided, not sent: compared as a set.
    const rows = (await trail(h)).filter((r) => r.channel === 'batch');
    assert.deepEqual(
      rows.map((r) => [r.notificationId, r.operation, r.outcome, r.httpStatus, r.replayed].join(' ')).sort(),
      [
        'ba-1 birth REGISTERED 201 false',
        'ba-2 birth VALIDATION_FAILED 400 false',
        'ba-3 death REGISTERED 201 false',
        'ba-1 birth REGISTERED 201 true',
        '  VALIDATION_FAILED 400 false',
      ].sort(),
    );
    for (const r of rows) {
      assert.equal(r.clientId, CLIENTS.rest);
      assert.equal(r.xRoadId, 'msg-batch-1');
      assert.ok(r.userHash, 'the userId is kept as a hash');
      // Hashes are hex, where six digits, a C and more digits may stand by chance: the rest is scanned.
      const { userHash: _u, personHashes: _p, ...text } = r;
      assert.doesNotMatch(JSON.stringify(text), CODE_SHAPED, 'no personal identity code in clear');
      assert.ok(r.personHashes.every((x) => /^[0-9a-f]{64}$/.test(x)));
    }
    const first = rows.find((r) => r.notificationId === 'ba-1' && !r.replayed);
    assert.equal(first?.personHashes.length, 2, 'the mother and the child, hashed');
  });

  it('records every line of an NDJSON batch once it is decided in the background', async () => {
    const lines = [
      JSON.stringify({ type: 'birth', notification: birth({}, 'bn-1') }),
      '{not json',
      JSON.stringify({ type: 'death', notification: death({}, 'bn-2') }),
    ];
    await h.http
      .post('/v1/batches')
      .set('X-Road-Client', CLIENTS.rest)
      .set('Content-Type', 'application/x-ndjson')
      .send(`${lines.join('\n')}\n`)
      .expect(202);
    await h.gateway.batchWorker.drain();
    const rows = (await trail(h)).filter((r) => r.channel === 'batch');
    assert.deepEqual(
      rows.map((r) => `${r.notificationId} ${r.outcome}`).sort(),
      ['bn-1 REGISTERED', 'bn-2 REGISTERED', 'null MALFORMED_REQUEST'].sort(),
    );
  });
});
