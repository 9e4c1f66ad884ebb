import { birth } from './builders';
import { CLIENTS, type Harness, seedStandard, startHarness } from './harness';
import {
  LEGACY_SOAP,
  SOAP_V2,
  type SoapEndpoint,
  soapBody,
  soapEnvelope,
  xRoadHeaders,
} from './soap-envelope';

/**
 * A registry with one client in every state, on the harness's clock
 * (2026-11-23), with SOAP v2 closing on 2026-12-15 (22 days: urgent) and the
 * legacy interface long retired:
 * - `rest`: new, calls REST only → ok
 * - `existing`: calls SOAP v2 → fix-by 2026-12-15, urgent
 * - `extended`: calls SOAP v2 under an exception until 2027-05-31 → fix-by, warning
 * - `late`: calls the retired legacy interface → overdue
 * - `sandbox`: new, no calls → ok; its name is markup, to prove it is escaped
 */
export const SCENARIO = {
  ...CLIENTS,
  extended: 'FI/GOV/7654321-0/ensihoito',
  late: 'FI/GOV/1111111-1/vanha',
} as const;

export const SCENARIO_ENV = {
  CUTOFF_LEGACY_SOAP: '2025-06-30T23:59:59+03:00',
  CUTOFF_SOAP_V2: '2026-12-15T23:59:59+02:00',
};

export const MARKUP_NAME = '<script>alert("x")</script> & Testi';

export async function startScenario(): Promise<Harness> {
  const h = await startHarness({ env: SCENARIO_ENV });
  await seedStandard(h);
  await h
    .ops('patch', `/ops/clients/${encodeURIComponent(CLIENTS.sandbox)}`)
    .send({ name: MARKUP_NAME })
    .expect(200);
  for (const [id, name] of [
    [SCENARIO.extended, 'Ensihoito'],
    [SCENARIO.late, 'Vanha potilasjärjestelmä'],
  ] as const) {
    await h
      .ops('post', '/ops/clients')
      .send({ id, name, organisation: 'Toinen HVA', kind: 'existing', sandbox: false })
      .expect(201);
  }
  await h
    .ops('post', `/ops/clients/${encodeURIComponent(SCENARIO.extended)}/exceptions`)
    .send({ channel: 'soap-v2', until: '2027-05-31', reason: 'Vendor release in May' })
    .expect(201);

  const soap = (endpoint: SoapEndpoint, client: string, id: string) =>
    h.http
      .post(endpoint.path)
      .set('Content-Type', 'text/xml')
      .send(
        soapEnvelope(xRoadHeaders(client), soapBody('SyntymaIlmoitus', endpoint.namespace, birth({}, id))),
      );
  await h.http.post('/v1/births').set('X-Road-Client', SCENARIO.rest).send(birth({}, 'r-1')).expect(201);
  await soap(SOAP_V2, SCENARIO.existing, 's-1').expect(200);
  await soap(SOAP_V2, SCENARIO.extended, 's-2').expect(200);
  await soap(LEGACY_SOAP, SCENARIO.late, 's-3').expect(500);
  await h.gateway.usage.flush();
  return h;
}
