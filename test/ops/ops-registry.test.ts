import assert from 'node:assert/strict';
import { CLIENTS, type Harness, OPS_TOKEN, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdefgh';
const path = (id: string) => `/ops/clients/${encodeURIComponent(id)}`;

describe('operator API: client changes, exceptions, audit trail, migration summary', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { OPS_TOKENS: `alice:${ALICE},bob:${BOB}` } });
    await seedStandard(h);
  });
  const as = (token: string, method: 'get' | 'post' | 'patch' | 'delete', url: string) =>
    h.http[method](url).set('Authorization', `Bearer ${token}`);

  it('grants and revokes an exception, moving the cut-off, and audits who did what', async () => {
    const granted = await as(ALICE, 'post', `${path(CLIENTS.existing)}/exceptions`)
      .send({ channel: 'soap-v2', until: '2026-12-31', reason: 'Supplier ships the REST client in December' })
      .expect(201);
    assertMatchesOpenApi(granted, '/ops/clients/{clientId}/exceptions', 'post');
    assert.equal(granted.body.grantedBy, 'alice');
    let shown = await as(BOB, 'get', path(CLIENTS.existing)).expect(200);
    assert.equal(shown.body.migration.cutoffs['soap-v2'], '2026-12-31');
    assert.equal(shown.body.channels['soap-v2'].allowed, true, 'open again today, 2026-11-23');

    const revoked = await as(BOB, 'delete', `${path(CLIENTS.existing)}/exceptions/${granted.body.id}`).expect(
      200,
    );
    assertMatchesOpenApi(revoked, '/ops/clients/{clientId}/exceptions/{exceptionId}', 'delete');
    assert.equal(revoked.body.revokedBy, 'bob');
    shown = await as(BOB, 'get', path(CLIENTS.existing)).expect(200);
    assert.equal(shown.body.migration.cutoffs['soap-v2'], '2026-06-30');
    assert.deepEqual(
      shown.body.audit.map((a: { operator: string; action: string }) => `${a.operator} ${a.action}`),
      ['operator client.create', 'alice exception.grant', 'bob exception.revoke'],
    );
    assert.equal(shown.body.audit[1].details.reason, 'Supplier ships the REST client in December');
    // Revoking again: nothing in force with that id.
    await as(BOB, 'delete', `${path(CLIENTS.existing)}/exceptions/${granted.body.id}`).expect(404);
  });

  it('audits client changes, and refuses bad changes field by field', async () => {
    const changed = await as(ALICE, 'patch', path(CLIENTS.rest))
      .send({ name: 'Synnytysosasto B', sandbox: true })
      .expect(200);
    assertMatchesOpenApi(changed, '/ops/clients/{clientId}', 'patch');
    assert.equal(changed.body.name, 'Synnytysosasto B');
    const bad = await as(ALICE, 'patch', path(CLIENTS.rest))
      .send({ kind: 'old', id: 'x', sandbox: 'yes' })
      .expect(400);
    const got = bad.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`).sort();
    assert.deepEqual(got, ['id:UNKNOWN_FIELD', 'kind:INVALID_VALUE', 'sandbox:INVALID_TYPE']);
    await as(ALICE, 'patch', path('FI/GOV/0000000-0/none')).send({ name: 'x' }).expect(404);
    const trail = (await as(BOB, 'get', path(CLIENTS.rest)).expect(200)).body.audit;
    assert.deepEqual(
      trail.map((a: { operator: string; action: string; details: unknown }) => [
        a.operator,
        a.action,
        a.details,
      ]),
      [
        [
          'operator',
          'client.create',
          {
            name: 'Synnytysosasto',
            organisation: 'Demo HVA',
            kind: 'new',
            sandbox: false,
            certificateFingerprints: [],
          },
        ],
        ['alice', 'client.update', { changes: { name: 'Synnytysosasto B', sandbox: true } }],
      ],
    );
  });

  it('refuses exceptions that could not mean anything', async () => {
    const past = await as(ALICE, 'post', `${path(CLIENTS.existing)}/exceptions`)
      .send({ channel: 'soap-v3', until: '2026-11-22', reason: '' })
      .expect(400);
    const got = past.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`).sort();
    assert.deepEqual(got, ['channel:INVALID_VALUE', 'reason:REQUIRED', 'until:OUT_OF_RANGE']);
    const forNew = await as(ALICE, 'post', `${path(CLIENTS.rest)}/exceptions`)
      .send({ channel: 'soap-v2', until: '2026-12-31', reason: 'please' })
      .expect(400);
    assert.equal(forNew.body.errors[0].field, 'channel');
  });

  it('refuses control characters and unpaired surrogates in what operators write, field by field', async () => {
    // Each of these was a 500: PostgreSQL stores no NUL, and the audit trail's JSON no lone surrogate.
    const bad = await as(ALICE, 'post', '/ops/clients')
      .send({
        id: 'FI/GOV/0123456-7/nul\u0000',
        name: 'Synnytys\u0000osasto',
        organisation: 'Demo \ud800 HVA',
        kind: 'new',
      })
      .expect(400);
    const fields = (res: { body: { errors: { field: string; code: string }[] } }) =>
      res.body.errors.map((e) => `${e.field}:${e.code}`).sort();
    assert.deepEqual(fields(bad), ['id:INVALID_FORMAT', 'name:INVALID_VALUE', 'organisation:INVALID_VALUE']);
    const surrogateId = await as(ALICE, 'post', '/ops/clients')
      .send({ id: 'FI/GOV/0123456-7/\udc00', name: 'x', organisation: 'y', kind: 'new' })
      .expect(400);
    assert.deepEqual(fields(surrogateId), ['id:INVALID_FORMAT']);
    const garbled = await as(ALICE, 'patch', path(CLIENTS.rest))
      .send({ name: 'Clear \u001b[2J screen', organisation: 'line\nbreak' })
      .expect(400);
    assert.deepEqual(fields(garbled), ['name:INVALID_VALUE', 'organisation:INVALID_VALUE']);
    for (const reason of ['Vendor \u0000 ships', 'Vendor ships \udbff']) {
      const res = await as(ALICE, 'post', `${path(CLIENTS.existing)}/exceptions`)
        .send({ channel: 'soap-v2', until: '2026-12-31', reason })
        .expect(400);
      assert.deepEqual(fields(res), ['reason:INVALID_VALUE']);
    }
    // Letters of any script, and characters outside the Basic Multilingual Plane, are text.
    await as(ALICE, 'post', '/ops/clients')
      .send({ id: 'FI/GOV/0123456-7/äö𝔘', name: 'Äitiys 𝔘 ❤', organisation: 'Åland', kind: 'new' })
      .expect(201);
  });

  it('summarises the migration, and knows each named operator; a wrong token is 401', async () => {
    const summary = await as(OPS_TOKEN, 'get', '/ops/migration').expect(200);
    assertMatchesOpenApi(summary, '/ops/migration', 'get');
    assert.equal(summary.body.clients, 3);
    assert.deepEqual(summary.body.byStatus, { ok: 3, 'fix-by': 0, overdue: 0 });
    assert.equal(summary.body.cutoffs['soap-v2'], '2026-06-30T20:59:59.000Z');
    await h.http
      .get('/ops/migration')
      .set('Authorization', 'Bearer alice-token-0123456789abcdeX')
      .expect(401);
  });
});
