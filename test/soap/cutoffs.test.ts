import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { birthInput } from '../helpers/builders';
import { CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { LEGACY_SOAP, SOAP_V2, soapBody, soapEnvelope, xRoadHeaders } from '../helpers/soap-envelope';

const ENDPOINT = { 'soap-v2': SOAP_V2, 'legacy-soap': LEGACY_SOAP } as const;
type Soap = keyof typeof ENDPOINT;

/** A birth on the given day (noon, Helsinki) from the given client over one SOAP interface. */
function birthEnvelope(channel: Soap, clientId: string, birthDate: string): string {
  const body = birthInput({ id: randomUUID(), at: `${birthDate}T12:00:00+03:00`, mother: PERSONS.mother });
  return soapEnvelope(
    xRoadHeaders(clientId, { id: randomUUID() }),
    soapBody('SyntymaIlmoitus', ENDPOINT[channel].namespace, body),
  );
}

const faultCode = (res: Response) => /<faultcode>([^<]*)<\/faultcode>/.exec(res.text)?.[1];

describe('SOAP cut-offs one second either side (Europe/Helsinki, injected clock)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await seedStandard(h);
  });
  const send = (channel: Soap, birthDate: string, client: string = CLIENTS.existing) =>
    h.http
      .post(ENDPOINT[channel].path)
      .set('Content-Type', 'text/xml')
      .send(birthEnvelope(channel, client, birthDate));

  const cases: { channel: Soap; cutoff: string; sunset: string; day: string; successorAfter: string }[] = [
    {
      channel: 'legacy-soap',
      cutoff: '2025-06-30T23:59:59+03:00',
      sunset: 'Mon, 30 Jun 2025 20:59:59 GMT',
      day: '2025-06-30',
      successorAfter: 'soap-v2',
    },
    {
      channel: 'soap-v2',
      cutoff: '2026-06-30T23:59:59+03:00',
      sunset: 'Tue, 30 Jun 2026 20:59:59 GMT',
      day: '2026-06-30',
      successorAfter: 'rest',
    },
  ];
  for (const c of cases) {
    it(`${c.channel}: open at the cut-off second and the one before, retired one second after`, async () => {
      const cutoff = new Date(c.cutoff).getTime();
      for (const at of [cutoff - 1000, cutoff]) {
        h.clock.set(new Date(at));
        const res = await send(c.channel, c.day).expect(200);
        assert.match(res.text, /<ns:Tila>REKISTEROITY<\/ns:Tila>/);
        assert.equal(res.headers.sunset, c.sunset, 'Sunset is the effective cut-off');
        assert.equal(
          res.headers.deprecation,
          '@1717189200',
          'Deprecation is the announcement, 2024-06-01 Helsinki',
        );
        assert.match(String(res.headers.link), /rel="successor-version"/);
      }
      h.clock.set(new Date(cutoff + 1000));
      const retired = await send(c.channel, c.day).expect(500);
      assert.equal(faultCode(retired), 'soap:Client.CHANNEL_RETIRED');
      const faultstring = /<faultstring>([^<]*)<\/faultstring>/.exec(retired.text)?.[1] ?? '';
      assert.ok(faultstring.includes(`${c.day} 23:59:59 Europe/Helsinki`), 'the fault names the cut-off');
      assert.match(faultstring, c.successorAfter === 'rest' ? /REST interface/ : /new SOAP interface/);
      assert.match(retired.text, new RegExp(`<ns:Seuraaja>${c.successorAfter}</ns:Seuraaja>`));
      assert.equal(retired.headers.sunset, undefined);
    });
  }

  it('points legacy clients at SOAP v2 while it is open for them, and at REST after', async () => {
    h.clock.set('2025-06-30T12:00:00+03:00');
    const early = await send('legacy-soap', '2025-06-30').expect(200);
    assert.match(String(early.headers.link), /\/soap\/v2\?wsdl>; rel="successor-version"/);
    h.clock.set('2026-06-01T12:00:00+03:00');
    const v2 = await send('soap-v2', '2026-06-01').expect(200);
    assert.match(String(v2.headers.link), /\/v1\/openapi\.json>; rel="successor-version"/);
  });

  it('moves the cut-off, and the Sunset header, to the end of an exception’s day', async () => {
    await h.gateway.store.clients.addException(CLIENTS.existing, {
      id: randomUUID(),
      channel: 'soap-v2',
      until: '2026-12-31',
      reason: 'Supplier delayed',
      grantedBy: 'test',
      grantedAt: new Date('2026-06-01T00:00:00Z'),
    });
    h.clock.set('2026-12-31T23:59:58+02:00');
    const open = await send('soap-v2', '2026-12-31').expect(200);
    assert.equal(open.headers.sunset, 'Thu, 31 Dec 2026 21:59:59 GMT');
    h.clock.set('2027-01-01T00:00:00+02:00');
    const retired = await send('soap-v2', '2026-12-31').expect(500);
    assert.equal(faultCode(retired), 'soap:Client.CHANNEL_RETIRED');
    // The exception is for soap-v2 only: the legacy interface stays retired.
    h.clock.set('2026-12-01T12:00:00+02:00');
    assert.equal(
      faultCode(await send('legacy-soap', '2026-12-01').expect(500)),
      'soap:Client.CHANNEL_RETIRED',
    );
  });

  it('refuses SOAP to a client registered as new with CHANNEL_NOT_ALLOWED, before any cut-off', async () => {
    h.clock.set('2025-01-15T12:00:00+02:00');
    for (const channel of ['legacy-soap', 'soap-v2'] as const) {
      const res = await send(channel, '2025-01-15', CLIENTS.rest).expect(500);
      assert.equal(faultCode(res), 'soap:Client.CHANNEL_NOT_ALLOWED');
      assert.match(res.text, /<ns:Seuraaja>rest<\/ns:Seuraaja>/);
    }
  });
});
