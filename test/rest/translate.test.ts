import assert from 'node:assert/strict';
import { CLIENTS, type Harness, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';

const envelope = (ns: string, body: string) =>
  `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:n="${ns}"><soap:Body>${body}</soap:Body></soap:Envelope>`;
const LEGACY = 'urn:fi:vtj:ilmoitus:legacy';

describe('POST /v1/migration/translate', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await seedStandard(h);
  });
  const translate = (xml: string) =>
    h.http
      .post('/v1/migration/translate')
      .set('X-Road-Client', CLIENTS.existing)
      .set('Content-Type', 'text/xml')
      .send(xml);

  it('turns a legacy death into the equivalent REST request, VTJ codes into REST values', async () => {
    const res = await translate(
      envelope(
        LEGACY,
        `<n:KuolemaIlmoitus><n:IlmoitusTunnus>k-1</n:IlmoitusTunnus><n:Vainaja><n:Henkilotunnus>010150-123A</n:Henkilotunnus></n:Vainaja>
         <n:Kuolema><n:Kuolinpaiva>2026-11</n:Kuolinpaiva><n:PaivanTarkkuus>ARVIO</n:PaivanTarkkuus><n:Kuolinkunta>091</n:Kuolinkunta></n:Kuolema>
         <n:Toteaminen><n:LaakarinTunnus>123456789</n:LaakarinTunnus><n:ToteamisAika>2026-11-22T10:00:00+02:00</n:ToteamisAika></n:Toteaminen></n:KuolemaIlmoitus>`,
      ),
    ).expect(200);
    assertMatchesOpenApi(res, '/v1/migration/translate', 'post');
    assert.deepEqual(res.body, {
      method: 'POST',
      path: '/v1/deaths',
      headers: { 'X-Road-Client': 'FI/GOV/0123456-7/potilas', 'Content-Type': 'application/json' },
      body: {
        notificationId: 'k-1',
        deceased: { personalIdentityCode: '010150-123A' },
        death: { date: '2026-11', dateAccuracy: 'estimated', municipalityCode: '091' },
        determination: { physicianId: '123456789', determinedAt: '2026-11-22T10:00:00+02:00' },
      },
    });
  });

  it('turns a status query into a GET and reports field errors by SOAP element path', async () => {
    const status = await translate(
      envelope('urn:fi:vtj:ilmoitus:v2', '<n:IlmoituksenTila><n:IlmoitusTunnus>a b</n:IlmoituksenTila>'),
    );
    assert.equal(status.status, 400, 'malformed XML is refused');
    assert.equal(status.body.code, 'MALFORMED_REQUEST');
    const get = await translate(
      envelope(LEGACY, '<n:IlmoituksenTila><n:IlmoitusTunnus>s/1</n:IlmoitusTunnus></n:IlmoituksenTila>'),
    ).expect(200);
    assert.deepEqual(get.body, {
      method: 'GET',
      path: '/v1/notifications/s%2F1',
      headers: { 'X-Road-Client': 'FI/GOV/0123456-7/potilas' },
    });
    const bad = await translate(
      envelope(
        LEGACY,
        `<n:SyntymaIlmoitus><n:IlmoitusTunnus>b-1</n:IlmoitusTunnus><n:Lapsi><n:SyntymaAika>2026-11-20T10:00:00+02:00</n:SyntymaAika>
         <n:Sukupuoli>3</n:Sukupuoli><n:Vari>sininen</n:Vari></n:Lapsi><n:Syntyma><n:SyntymaKunta>91</n:SyntymaKunta>
         <n:ElavanaSyntynyt>true</n:ElavanaSyntynyt></n:Syntyma><n:Aiti><n:Henkilotunnus>131052-308U</n:Henkilotunnus></n:Aiti></n:SyntymaIlmoitus>`,
      ),
    ).expect(400);
    assertMatchesOpenApi(bad, '/v1/migration/translate', 'post');
    const got = bad.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`).sort();
    assert.deepEqual(got, [
      'Aiti/Henkilotunnus:INVALID_CHECK_CHARACTER',
      'Lapsi/Sukupuoli:INVALID_VALUE',
      'Lapsi/Vari:UNKNOWN_FIELD',
      'Syntyma/SyntymaKunta:INVALID_FORMAT',
    ]);
  });

  it('refuses a DOCTYPE like the SOAP endpoints do', async () => {
    const res = await translate(
      `<!DOCTYPE x [<!ENTITY a "b">]>${envelope(LEGACY, '<n:IlmoituksenTila/>')}`,
    ).expect(400);
    assert.equal(res.body.code, 'DTD_FORBIDDEN');
  });

  it('checks as the caller only: an envelope naming another client is refused alike, known or not', async () => {
    const header = (client: string) => {
      const [i, c, m, sub] = client.split('/');
      return `<soap:Header><xrd:client xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers" id:objectType="SUBSYSTEM"><id:xRoadInstance>${i}</id:xRoadInstance><id:memberClass>${c}</id:memberClass><id:memberCode>${m}</id:memberCode><id:subsystemCode>${sub}</id:subsystemCode></xrd:client></soap:Header>`;
    };
    const status = (client: string) =>
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:n="${LEGACY}">${header(client)}<soap:Body><n:IlmoituksenTila><n:IlmoitusTunnus>s-1</n:IlmoitusTunnus></n:IlmoituksenTila></soap:Body></soap:Envelope>`;
    const sandbox = await translate(status(CLIENTS.sandbox));
    const unknown = await translate(status('FI/GOV/9999999-9/ei-ole'));
    assert.equal(sandbox.status, 400);
    const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });
    assert.deepEqual(
      strip(sandbox.body),
      strip(unknown.body),
      'nothing tells a known client from an unknown one',
    );
    assert.equal(sandbox.body.errors[0].field, 'Header/client');
    const own = await translate(status(CLIENTS.existing)).expect(200);
    assert.equal(own.body.headers['X-Road-Client'], 'FI/GOV/0123456-7/potilas');
  });
});
