import assert from 'node:assert/strict';
import { birth, death } from '../helpers/builders';
import { asClient, CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';
import { SOAP_OPEN, SOAP_V2, soapCall } from '../helpers/soap-envelope';

interface Entry {
  notificationId: string | null;
  outcome: string;
  channel: string;
  operation: string | null;
  clientId: string | null;
  at: string;
}

/** The operator's view: GET /ops/audit with these filters, checked against openapi.yaml. */
async function audit(h: Harness, query: Record<string, string>) {
  const res = await h.ops('get', `/ops/audit?${new URLSearchParams(query)}`);
  assertMatchesOpenApi(res, '/ops/audit', 'get');
  return res;
}
const ids = (res: { body: { entries: Entry[] } }) => res.body.entries.map((e) => e.notificationId);

describe('GET /ops/audit: the audit trail for operators', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness({ env: SOAP_OPEN });
    await seedStandard(h);
    const rest = asClient(h);
    await rest.births(birth({}, 'q-b1')).expect(201); // 12:00:00, mother PERSONS.mother
    h.clock.advance(60_000);
    await rest.births(birth({ mother: { personalIdentityCode: PERSONS.mother2 } }, 'q-b2')).expect(201);
    h.clock.advance(60_000);
    await rest.deaths(death({}, 'q-d1')).expect(201);
    h.clock.advance(60_000);
    await rest.births(birth({ birth: { municipalityCode: '9', liveBorn: true } }, 'q-bad')).expect(400);
    h.clock.advance(60_000);
    const soap = await soapCall(h, SOAP_V2, 'IlmoituksenTila', { notificationId: 'q-b1' }, CLIENTS.existing);
    assert.equal(soap.status, 500); // another client's notification: not found
    h.clock.advance(60_000);
    await asClient(h, CLIENTS.sandbox).status('q-s1').expect(404);
    await h.gateway.audit.flush();
  });

  it('lists every row newest first, each in the documented shape', async () => {
    const res = await audit(h, {});
    assert.deepEqual(ids(res), ['q-s1', 'q-b1', 'q-bad', 'q-d1', 'q-b2', 'q-b1']);
    assert.equal(res.body.nextCursor, null);
  });

  it('filters by client, outcome, channel, operation and notification id, together', async () => {
    assert.deepEqual(ids(await audit(h, { client: CLIENTS.rest })), ['q-bad', 'q-d1', 'q-b2', 'q-b1']);
    assert.deepEqual(ids(await audit(h, { outcome: 'validation_failed' })), ['q-bad']);
    assert.deepEqual(ids(await audit(h, { channel: 'soap-v2' })), ['q-b1']);
    assert.deepEqual(ids(await audit(h, { operation: 'status' })), ['q-s1', 'q-b1']);
    assert.deepEqual(ids(await audit(h, { notificationId: 'q-b1', channel: 'rest' })), ['q-b1']);
    assert.deepEqual(
      ids(await audit(h, { client: CLIENTS.rest, outcome: 'REGISTERED', operation: 'birth' })),
      ['q-b2', 'q-b1'],
    );
  });

  it('finds the rows naming a person by the code, which it hashes: mother, and the deceased', async () => {
    assert.deepEqual(ids(await audit(h, { person: PERSONS.mother })), ['q-bad', 'q-b1']);
    assert.deepEqual(ids(await audit(h, { person: PERSONS.elderly })), ['q-d1']);
    // The child too, by the code it was given.
    const [first] = (await audit(h, { notificationId: 'q-b2' })).body.entries as { persons: string[] }[];
    assert.equal(first?.persons.length, 2);
    assert.deepEqual(ids(await audit(h, { person: '020290-322H' })), []);
  });

  it('filters by time: an instant with its offset, or a Helsinki day', async () => {
    // The harness's now is 12:00 Helsinki; rows a minute apart.
    assert.deepEqual(
      ids(await audit(h, { from: '2026-11-23T12:01:00+02:00', to: '2026-11-23T12:03:00+02:00' })),
      ['q-d1', 'q-b2'],
    );
    assert.equal((await audit(h, { from: '2026-11-23', to: '2026-11-23' })).body.entries.length, 6);
    assert.equal((await audit(h, { to: '2026-11-22' })).body.entries.length, 0);
  });

  it('pages with limit and the cursor it gives, to the end', async () => {
    const seen: (string | null)[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const res = await audit(h, { limit: '4', ...(cursor ? { cursor } : {}) });
      seen.push(...ids(res));
      cursor = res.body.nextCursor;
      pages++;
    }
    assert.equal(pages, 2);
    assert.deepEqual(seen, ['q-s1', 'q-b1', 'q-bad', 'q-d1', 'q-b2', 'q-b1']);
  });

  it('refuses bad filters, each named with its reason, without echoing a code', async () => {
    const res = await audit(h, {
      person: '131052-308X',
      limit: '0',
      from: 'yesterday',
      channel: 'fax',
      operation: 'marriage',
      cursor: 'not-a-cursor',
      outcome: 'no way',
      personId: PERSONS.mother,
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'VALIDATION_FAILED');
    const fields = Object.fromEntries(
      (res.body.errors as { field: string; code: string }[]).map((e) => [e.field, e.code]),
    );
    assert.deepEqual(fields, {
      personId: 'UNKNOWN_FIELD',
      from: 'INVALID_DATE',
      outcome: 'INVALID_FORMAT',
      channel: 'INVALID_VALUE',
      operation: 'INVALID_VALUE',
      person: 'INVALID_CHECK_CHARACTER',
      limit: 'OUT_OF_RANGE',
      cursor: 'INVALID_FORMAT',
    });
    assert.doesNotMatch(res.text, /\d{6}[-+A-FU-Y]\d{3}/i);
    const order = await audit(h, { from: '2026-11-24', to: '2026-11-23' });
    assert.deepEqual(
      order.body.errors.map((e: { field: string }) => e.field),
      ['to'],
    );
    // Years Helsinki time and the database cannot place: a field error, never a 500.
    const far = await audit(h, { from: '0000-01-01T00:00Z', to: '9999-12-31T23:59:59.999-23:59' });
    assert.equal(far.status, 400);
    assert.deepEqual(
      far.body.errors.map((e: { field: string; code: string }) => [e.field, e.code]),
      [
        ['from', 'OUT_OF_RANGE'],
        ['to', 'OUT_OF_RANGE'],
      ],
    );
    const twice = await h.ops('get', '/ops/audit?client=a&client=b').expect(400);
    assert.equal(twice.body.errors[0].field, 'client');
  });

  it('is for operators only', async () => {
    const res = await h.http.get('/ops/audit');
    assert.equal(res.status, 401);
    assertMatchesOpenApi(res, '/ops/audit', 'get');
  });
});

describe('the audit trail and text the database cannot hold', () => {
  it('records a request whose notification id holds half a surrogate pair, and every row after it', async () => {
    const h = await startHarness();
    await seedStandard(h);
    const rest = asClient(h);
    // Valid JSON (JSON.stringify writes \ud800 escaped); decoded, the id holds a lone surrogate.
    await rest.births(birth({}, 'half-\ud800-pair')).expect(400);
    await h.gateway.audit.flush();
    await rest.births(birth({}, 'after-it')).expect(201);
    await h.gateway.audit.flush();
    const res = await audit(h, {});
    assert.deepEqual(ids(res), ['after-it', 'half-\uFFFD-pair']);
  });
});
