import assert from 'node:assert/strict';
import { birth } from '../helpers/builders';
import { asClient, CLIENTS, type Harness, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';
import {
  LEGACY_SOAP,
  SOAP_OPEN,
  SOAP_V2,
  soapBody,
  soapEnvelope,
  xRoadHeaders,
} from '../helpers/soap-envelope';

interface Listed {
  id: string;
  migration: { status: string; fixBy?: string; severity?: string; cutoffs: Record<string, string | null> };
  usage: { channel: string; accepted30d: number; refused30d: number }[];
}

describe('migration registry: usage and status per client', () => {
  let h: Harness;
  beforeEach(async () => {
    // SOAP v2 open until 2027-12-31 for existing clients; the legacy interface is past its (default) cut-off.
    h = await startHarness({ env: { CUTOFF_SOAP_V2: SOAP_OPEN.CUTOFF_SOAP_V2 } });
    await seedStandard(h);
  });
  const soap = (path: string, ns: 'v2' | 'legacy', id: string) => {
    const endpoint = ns === 'v2' ? SOAP_V2 : LEGACY_SOAP;
    const xml = soapEnvelope(
      xRoadHeaders(CLIENTS.existing),
      soapBody('SyntymaIlmoitus', endpoint.namespace, birth({}, id)),
    );
    return h.http.post(path).set('Content-Type', 'text/xml').send(xml);
  };
  const list = async (query = '') => {
    const res = await h.ops('get', `/ops/clients${query}`).expect(200);
    assertMatchesOpenApi(res, '/ops/clients', 'get');
    return res.body.clients as Listed[];
  };

  it('counts accepted and refused calls per channel, from aggregated flushes, and classifies the client', async () => {
    await soap('/soap/v2', 'v2', 's-1').expect(200);
    await soap('/soap/v2', 'v2', 's-2').expect(200);
    await soap('/soap/legacy', 'legacy', 's-3').expect(500); // retired
    await asClient(h, CLIENTS.rest).births(birth({}, 'r-1')).expect(201);
    // Nothing is written per request: before the flush the registry shows no usage.
    assert.deepEqual((await list()).find((c) => c.id === CLIENTS.existing)?.usage, []);
    await h.gateway.usage.flush();

    const clients = await list();
    const existing = clients.find((c) => c.id === CLIENTS.existing);
    assert.deepEqual(
      existing?.usage.map((u) => [u.channel, u.accepted30d, u.refused30d]),
      [
        ['legacy-soap', 0, 1],
        ['soap-v2', 2, 0],
      ],
    );
    // A call to a retired channel in the last 30 days: overdue.
    assert.equal(existing?.migration.status, 'overdue');
    const rest = clients.find((c) => c.id === CLIENTS.rest);
    assert.equal(rest?.migration.status, 'ok');
    assert.deepEqual(rest?.migration.cutoffs, { 'legacy-soap': null, 'soap-v2': null });
  });

  it('shows fix-by with its severity, and answers what-if for a later date', async () => {
    await soap('/soap/v2', 'v2', 's-1').expect(200);
    await h.gateway.usage.flush();
    const now = (await list()).find((c) => c.id === CLIENTS.existing)?.migration;
    assert.deepEqual([now?.status, now?.fixBy, now?.severity], ['fix-by', '2027-12-31', 'notice']);
    const later = (await list('?asOf=2027-06-01')).find((c) => c.id === CLIENTS.existing)?.migration;
    assert.deepEqual([later?.status, later?.fixBy, later?.severity], ['fix-by', '2027-12-31', 'warning']);
    const after = (await list('?asOf=2028-01-01')).find((c) => c.id === CLIENTS.existing)?.migration;
    assert.equal(after?.status, 'overdue');
    const bad = await h.ops('get', '/ops/clients?asOf=2027-02-30').expect(400);
    assert.equal(bad.body.errors[0].field, 'asOf');
  });

  it('keeps the figures across a restart, and adds to them', async () => {
    await soap('/soap/v2', 'v2', 's-1').expect(200);
    await h.gateway.usage.flush();
    // A new gateway over the same database: what the first one flushed is there, and its own calls add up.
    const restarted = await startHarness({ db: h.db, env: { CUTOFF_SOAP_V2: SOAP_OPEN.CUTOFF_SOAP_V2 } });
    h = restarted;
    await soap('/soap/v2', 'v2', 's-2').expect(200);
    await restarted.gateway.usage.flush();
    const usage = (await restarted.ops('get', '/ops/clients').expect(200)).body.clients.find(
      (c: Listed) => c.id === CLIENTS.existing,
    ).usage;
    assert.deepEqual(
      usage.map((u: Listed['usage'][number]) => [u.channel, u.accepted30d]),
      [['soap-v2', 2]],
    );
  });
});
