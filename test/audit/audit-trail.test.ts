import assert from 'node:assert/strict';
import type { AuditRecord } from '../../src/core/audit/audit-record';
import { birth, death, hetu } from '../helpers/builders';
import { asClient, CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import {
  LEGACY_SOAP,
  SOAP_OPEN,
  SOAP_V2,
  soapCall,
  soapEnvelope,
  xRoadHeaders,
} from '../helpers/soap-envelope';

/** Anything shaped like a personal identity code, also glued to other text (`FI131052-308T`). */
const CODE_SHAPED = /\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/i;

const LIVING = hetu('120240', '-', 311);

/** Every row of the trail, newest first, after writing what waits. */
async function trail(h: Harness): Promise<AuditRecord[]> {
  await h.gateway.audit.flush();
  return (await h.gateway.audit.list({ limit: 1000 })).entries;
}

/** The rows of one notification id, oldest first. */
const of = (rows: AuditRecord[], notificationId: string) =>
  rows.filter((r) => r.notificationId === notificationId).reverse();

describe('notification audit trail: one row per notification request on every channel', () => {
  let h: Harness;
  let rows: AuditRecord[];
  let childCode: string;

  before(async () => {
    h = await startHarness({ env: SOAP_OPEN });
    await seedStandard(h);
    await h
      .ops('post', '/ops/register/persons')
      .send([{ personalIdentityCode: LIVING }])
      .expect(200);
    const rest = asClient(h);
    const created = await rest
      .births(birth({}, 'audit-b1'))
      .set('X-Road-Id', 'msg-rest-1')
      .set('X-Road-UserId', `FI${PERSONS.elderly}`)
      .expect(201);
    childCode = created.body.child.personalIdentityCode;
    await rest.births(birth({}, 'audit-b1')).expect(201); // replay
    await rest.births(birth({ birth: { municipalityCode: '91', liveBorn: true } }, 'audit-bad')).expect(400);
    await rest.status('audit-b1').expect(200);
    await rest.status('audit-none').expect(404);
    await rest.deaths(death({}, 'audit-d1')).expect(201);
    await rest.deaths(death({}, 'audit-d2')).expect(409);
    await h.http
      .post('/v1/births')
      .set('X-Road-Client', 'FI/GOV/9999999-9/nobody')
      .send(birth({}, 'audit-unknown'))
      .expect(403);
    await h.http.post('/v1/births').send(birth({}, 'audit-anonymous')).expect(401);
    await h.http
      .post('/v1/births')
      .set('X-Road-Client', CLIENTS.rest)
      .set('Content-Type', 'application/json')
      .send('{"notificationId": ')
      .expect(400);
    // Checked only, nothing registered or disclosed: the translation is not audited.
    await h.http
      .post('/v1/migration/translate')
      .set('X-Road-Client', CLIENTS.existing)
      .set('Content-Type', 'text/xml')
      .send(
        soapEnvelope(
          '',
          '<x:IlmoituksenTila xmlns:x="urn:fi:vtj:ilmoitus:v2"><x:IlmoitusTunnus>t</x:IlmoitusTunnus></x:IlmoituksenTila>',
        ),
      )
      .expect(200);

    const soapBirth = await soapCall(
      h,
      SOAP_V2,
      'SyntymaIlmoitus',
      birth({ mother: { personalIdentityCode: PERSONS.mother2 } }, 'audit-s1'),
      CLIENTS.existing,
      {
        id: 'msg-soap-1',
        userId: `FI${PERSONS.mother}`,
      },
    );
    assert.equal(soapBirth.status, 200, soapBirth.xml);
    const deathOf = (id: string) =>
      soapCall(
        h,
        LEGACY_SOAP,
        'KuolemaIlmoitus',
        death({ deceased: { personalIdentityCode: LIVING } }, id),
        CLIENTS.existing,
      );
    assert.equal((await deathOf('audit-s2')).status, 200);
    assert.equal((await deathOf('audit-s3')).status, 500);
    const unreadable = await h.http
      .post('/soap/v2')
      .set('Content-Type', 'text/xml; charset=utf-8')
      .send(
        `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header>${xRoadHeaders(CLIENTS.existing)}`,
      );
    assert.equal(unreadable.status, 500);
    rows = await trail(h);
  });

  it('records an accepted birth: REGISTERED 201, the identified client, the X-Road message id', () => {
    const [first] = of(rows, 'audit-b1');
    assert.ok(first);
    assert.deepEqual(
      {
        ...first,
        id: undefined,
        at: undefined,
        personHashes: first.personHashes.length,
        userHash: typeof first.userHash,
      },
      {
        id: undefined,
        at: undefined,
        channel: 'rest',
        operation: 'birth',
        clientId: CLIENTS.rest,
        clientIdentified: true,
        xRoadId: 'msg-rest-1',
        userId: 'FI[hetu]',
        userHash: 'string',
        notificationId: 'audit-b1',
        outcome: 'REGISTERED',
        replayed: false,
        httpStatus: 201,
        personHashes: 2, // the mother and the child
      },
    );
    assert.equal(first.at.toISOString(), h.clock.now().toISOString());
  });

  it('records a replay as what it answered, marked replayed', () => {
    const [, replay] = of(rows, 'audit-b1').filter((r) => r.operation === 'birth');
    assert.equal(replay?.outcome, 'REGISTERED');
    assert.equal(replay?.replayed, true);
    assert.equal(replay?.httpStatus, 201);
  });

  it('records refusals with their code and status: validation, register state, before identification', () => {
    const outcome = (id: string) =>
      of(rows, id).map((r) => [r.operation, r.outcome, r.httpStatus, r.clientIdentified]);
    assert.deepEqual(outcome('audit-bad'), [['birth', 'VALIDATION_FAILED', 400, true]]);
    assert.equal(of(rows, 'audit-bad')[0]?.personHashes.length, 1, 'the mother named, hashed');
    assert.deepEqual(outcome('audit-d2'), [['death', 'ALREADY_DECEASED', 409, true]]);
    // Refused before the body was read: the client as named, no notification id.
    const unknown = rows.find((r) => r.outcome === 'UNKNOWN_CLIENT');
    assert.deepEqual(
      [unknown?.clientId, unknown?.clientIdentified, unknown?.httpStatus, unknown?.notificationId],
      ['FI/GOV/9999999-9/nobody', false, 403, null],
    );
    const anonymous = rows.find((r) => r.outcome === 'MISSING_CLIENT_IDENTITY');
    assert.deepEqual([anonymous?.clientId, anonymous?.httpStatus], [null, 401]);
    const malformed = rows.find((r) => r.channel === 'rest' && r.outcome === 'MALFORMED_REQUEST');
    // Identified before its body was refused: identified it stays.
    assert.deepEqual(
      [malformed?.operation, malformed?.clientId, malformed?.clientIdentified, malformed?.httpStatus],
      ['birth', CLIENTS.rest, true, 400],
    );
  });

  it('records status queries, found or not', () => {
    const status = of(rows, 'audit-b1').filter((r) => r.operation === 'status');
    assert.deepEqual(
      status.map((r) => [r.outcome, r.httpStatus, r.personHashes.length]),
      [['REGISTERED', 200, 2]],
    );
    assert.deepEqual(
      of(rows, 'audit-none').map((r) => [r.operation, r.outcome, r.httpStatus]),
      [['status', 'NOTIFICATION_NOT_FOUND', 404]],
    );
  });

  it('records both SOAP interfaces: HTTP 200 for an answer, 500 for a fault, xrd:id and xrd:userId', () => {
    assert.deepEqual(
      of(rows, 'audit-s1').map((r) => [r.channel, r.operation, r.outcome, r.httpStatus, r.xRoadId, r.userId]),
      [['soap-v2', 'birth', 'REGISTERED', 200, 'msg-soap-1', 'FI[hetu]']],
    );
    assert.deepEqual(
      [...of(rows, 'audit-s2'), ...of(rows, 'audit-s3')].map((r) => [r.channel, r.outcome, r.httpStatus]),
      [
        ['legacy-soap', 'REGISTERED', 200],
        ['legacy-soap', 'ALREADY_DECEASED', 500],
      ],
    );
    const unreadable = rows.find((r) => r.channel === 'soap-v2' && r.outcome === 'MALFORMED_REQUEST');
    assert.deepEqual(
      [unreadable?.operation, unreadable?.clientId, unreadable?.httpStatus],
      [null, null, 500],
    );
  });

  it('has one row per request and none for the translation', () => {
    assert.equal(rows.length, 14);
    assert.ok(!rows.some((r) => r.notificationId === 't'));
  });

  it('keeps no personal identity code in clear anywhere in the table', async () => {
    // Every column as text; the hashes apart, as hex can look like a code to a case-blind pattern.
    const all = await h.db.query<{ text: string; whole: string; hashes: string[] }>(
      `SELECT (to_jsonb(a) - 'person_hashes' - 'user_hash')::text AS text, to_jsonb(a)::text AS whole,
         person_hashes || coalesce(user_hash, '') AS hashes FROM notification_audit a`,
    );
    assert.equal(all.length, 14);
    for (const { text, whole, hashes } of all) {
      assert.doesNotMatch(text, CODE_SHAPED, text);
      for (const hash of hashes.filter(Boolean)) assert.match(hash, /^[0-9a-f]{64}$/);
      for (const code of [...Object.values(PERSONS), LIVING, childCode]) {
        assert.ok(!whole.toUpperCase().includes(code), whole);
      }
    }
  });

  it('hashes a person the same in every row: the mother of a birth and of its status query', () => {
    const [b] = of(rows, 'audit-b1');
    const s = of(rows, 'audit-b1').find((r) => r.operation === 'status');
    assert.deepEqual([...(b?.personHashes ?? [])].sort(), [...(s?.personHashes ?? [])].sort());
    assert.match(b?.personHashes[0] ?? '', /^[0-9a-f]{64}$/);
    // The same userId, the same hash; another, another.
    assert.notEqual(of(rows, 'audit-b1')[0]?.userHash, of(rows, 'audit-s1')[0]?.userHash);
  });

  it('records a rate-limited request as RATE_LIMITED 429', async () => {
    const limited = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '1' } });
    await seedStandard(limited);
    const client = asClient(limited);
    await client.births(birth({}, 'audit-r1')).expect(201);
    await client.births(birth({}, 'audit-r2')).expect(429);
    const [row] = (await trail(limited)).filter((r) => r.outcome === 'RATE_LIMITED');
    // Refused before the body was read: the client is known, the notification not.
    assert.deepEqual(
      [row?.clientId, row?.clientIdentified, row?.httpStatus, row?.notificationId],
      [CLIENTS.rest, false, 429, null],
    );
  });
});
