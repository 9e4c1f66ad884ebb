import assert from 'node:assert/strict';
import http from 'node:http';
import { birth, death } from '../helpers/builders';
import { asClient, CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { listen } from '../helpers/listen';
import {
  hetu,
  LEGACY_SOAP,
  postSoap,
  SOAP_ENDPOINTS,
  SOAP_OPEN,
  SOAP_V2,
  type SoapResponse,
  soapBody,
  soapCall,
  soapEnvelope,
  XROAD_ID_NS,
  XROAD_NS,
  xRoadHeaders,
} from '../helpers/soap-envelope';
import { fieldErrors, findElements, headerContent, readSoap } from '../helpers/soap-xml';
import { assertValidXRoadHeaders } from '../helpers/soap-xsd';

// The SOAP façades' behaviour: the same core behind both endpoints and REST, X-Road header
// echo, large multi-byte messages, stored rejections and per-client notification ids.

async function gateway(env: Record<string, string> = {}): Promise<Harness> {
  const h = await startHarness({ env: { ...SOAP_OPEN, ...env } });
  await seedStandard(h);
  return h;
}

/** Not in the register (a valid code). */
const UNKNOWN_MOTHER = '010199-2247';
const FIRST_GIRL = hetu('201126', 'A', 2);
const SECOND_GIRL = hetu('201126', 'A', 4);

/** A reply with its namespace, correlation id and the given values replaced, for comparing the two endpoints. */
function normalised(r: SoapResponse, namespace: string, replace: Record<string, string> = {}): string {
  let xml = r.xml
    .replaceAll(namespace, '{ns}')
    .replace(/(<\w+:Korrelaatiotunnus>)[^<]*/, '$1{correlation}')
    .replace(/(<\w+:Kanava>)[^<]*/, '$1{channel}');
  for (const [from, to] of Object.entries(replace)) xml = xml.replaceAll(from, to);
  return xml;
}

describe('SOAP behaviour', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await gateway();
  });

  describe('the two endpoints behave alike for identical bodies', () => {
    it('registers the same birth on both, with consecutive codes from the one register', async () => {
      const v2 = await soapCall(
        h,
        SOAP_V2,
        'SyntymaIlmoitus',
        birth({}, 'sama-synnytys-1'),
        CLIENTS.existing,
      );
      const legacy = await soapCall(
        h,
        LEGACY_SOAP,
        'SyntymaIlmoitus',
        birth({}, 'sama-synnytys-2'),
        CLIENTS.existing,
      );
      assert.equal(v2.status, 200, v2.xml);
      assert.equal(legacy.status, 200, legacy.xml);
      assert.deepEqual(v2.body.SyntymaIlmoitusResponse, {
        IlmoitusTunnus: 'sama-synnytys-1',
        Tila: 'REKISTEROITY',
        Lapsi: { Henkilotunnus: FIRST_GIRL },
        Aikaleima: '2026-11-23T10:00:00.000Z',
      });
      assert.deepEqual(legacy.body.SyntymaIlmoitusResponse, {
        IlmoitusTunnus: 'sama-synnytys-2',
        Tila: 'REKISTEROITY',
        Lapsi: { Henkilotunnus: SECOND_GIRL },
        Aikaleima: '2026-11-23T10:00:00.000Z',
      });
      // Byte for byte the same envelope but for namespace, id and code.
      assert.equal(
        normalised(legacy, LEGACY_SOAP.namespace, { 'sama-synnytys-2': '{id}', [SECOND_GIRL]: '{code}' }),
        normalised(v2, SOAP_V2.namespace, { 'sama-synnytys-1': '{id}', [FIRST_GIRL]: '{code}' }),
      );
    });

    it('registers the same death on both (each in a fresh register) with the same answers', async () => {
      const replies: string[] = [];
      for (const ep of SOAP_ENDPOINTS) {
        if (ep !== SOAP_ENDPOINTS[0]) h = await gateway();
        const r = await soapCall(h, ep, 'KuolemaIlmoitus', death(), CLIENTS.existing);
        assert.equal(r.status, 200, r.xml);
        assert.deepEqual(r.body.KuolemaIlmoitusResponse, {
          IlmoitusTunnus: 'kuolema-2026-000045',
          Tila: 'REKISTEROITY',
          Aikaleima: '2026-11-23T10:00:00.000Z',
        });
        const status = await soapCall(
          h,
          ep,
          'IlmoituksenTila',
          { notificationId: 'kuolema-2026-000045' },
          CLIENTS.existing,
        );
        assert.equal(status.body.IlmoituksenTilaResponse?.Tyyppi, 'KUOLEMA');
        assert.equal(status.body.IlmoituksenTilaResponse?.Kanava, ep.channel);
        // Registered once: the same death again is refused as a new notification.
        const again = await soapCall(h, ep, 'KuolemaIlmoitus', death({}, 'kuolema-2'), CLIENTS.existing);
        assert.equal(again.fault?.faultcode, 'soap:Client.ALREADY_DECEASED');
        replies.push([r, status, again].map((x) => `${x.status} ${normalised(x, ep.namespace)}`).join('\n'));
      }
      assert.equal(replies[1], replies[0]);
    });

    it('refuses the same invalid birth on both with the same faults and field errors', async () => {
      const body = birth({
        child: { birthDateTime: '2026-11-20T14:32:00+02:00', sex: '3', birthWeightGrams: 'paljon' },
        birth: { municipalityCode: '91', liveBorn: true },
        mother: { personalIdentityCode: '131052-308U' },
      });
      const replies = [];
      for (const ep of SOAP_ENDPOINTS) {
        const r = await soapCall(h, ep, 'SyntymaIlmoitus', body, CLIENTS.existing);
        assert.equal(r.status, 500);
        assert.equal(r.fault?.faultcode, 'soap:Client.VALIDATION_FAILED');
        assert.equal(r.fault?.detail.Koodi, 'VALIDATION_FAILED');
        assert.deepEqual(fieldErrors(r.fault?.detail.Virheet), [
          'Lapsi/Sukupuoli INVALID_VALUE',
          'Lapsi/Syntymapaino INVALID_TYPE',
          'Syntyma/SyntymaKunta INVALID_FORMAT',
          'Aiti/Henkilotunnus INVALID_CHECK_CHARACTER',
        ]);
        replies.push(normalised(r, ep.namespace));
      }
      assert.equal(replies[1], replies[0]);
      // Invalid notifications are not stored: the id is free for the corrected one.
      const fixed = await soapCall(h, SOAP_V2, 'SyntymaIlmoitus', birth(), CLIENTS.existing);
      assert.equal(fixed.body.SyntymaIlmoitusResponse?.Tila, 'REKISTEROITY', fixed.xml);
    });
  });

  describe('one notification id across REST and SOAP', () => {
    it('replays a REST notification retried over either SOAP endpoint', async () => {
      const created = await asClient(h, CLIENTS.existing).births(birth({}, 'kanava-1')).expect(201);
      const code = created.body.child.personalIdentityCode as string;
      assert.equal(code, FIRST_GIRL);
      for (const ep of SOAP_ENDPOINTS) {
        const r = await soapCall(h, ep, 'SyntymaIlmoitus', birth({}, 'kanava-1'), CLIENTS.existing);
        assert.equal(r.status, 200, r.xml);
        assert.equal(r.res.headers['idempotent-replayed'], 'true');
        assert.deepEqual(r.body.SyntymaIlmoitusResponse, {
          IlmoitusTunnus: 'kanava-1',
          Tila: 'REKISTEROITY',
          Lapsi: { Henkilotunnus: code },
          Aikaleima: created.body.registeredAt,
        });
      }
      const status = await soapCall(
        h,
        SOAP_V2,
        'IlmoituksenTila',
        { notificationId: 'kanava-1' },
        CLIENTS.existing,
      );
      assert.equal(status.body.IlmoituksenTilaResponse?.Kanava, 'rest');
      // Registered once: the next girl of the day gets the next code.
      const next = await asClient(h, CLIENTS.existing).births(birth({}, 'kanava-2')).expect(201);
      assert.equal(next.body.child.personalIdentityCode, SECOND_GIRL);
    });

    it('replays a SOAP notification retried over REST and over the other SOAP endpoint', async () => {
      const first = await soapCall(
        h,
        LEGACY_SOAP,
        'SyntymaIlmoitus',
        birth({}, 'kanava-3'),
        CLIENTS.existing,
      );
      assert.equal(first.status, 200, first.xml);
      assert.equal(first.res.headers['idempotent-replayed'], undefined);
      const code = first.body.SyntymaIlmoitusResponse?.Lapsi?.Henkilotunnus;
      assert.equal(code, FIRST_GIRL);

      const rest = await asClient(h, CLIENTS.existing).births(birth({}, 'kanava-3')).expect(201);
      assert.equal(rest.headers['idempotent-replayed'], 'true');
      assert.equal(rest.body.child.personalIdentityCode, code);
      assert.equal(rest.body.channel, 'legacy-soap');

      const v2 = await soapCall(h, SOAP_V2, 'SyntymaIlmoitus', birth({}, 'kanava-3'), CLIENTS.existing);
      assert.equal(v2.res.headers['idempotent-replayed'], 'true');
      assert.equal(v2.body.SyntymaIlmoitusResponse?.Lapsi?.Henkilotunnus, code);

      const soapDeath = await soapCall(
        h,
        SOAP_V2,
        'KuolemaIlmoitus',
        death({}, 'kanava-4'),
        CLIENTS.existing,
      );
      assert.equal(soapDeath.body.KuolemaIlmoitusResponse?.Tila, 'REKISTEROITY', soapDeath.xml);
      const restDeath = await asClient(h, CLIENTS.existing).deaths(death({}, 'kanava-4')).expect(201);
      assert.equal(restDeath.headers['idempotent-replayed'], 'true');
      assert.equal(restDeath.body.status, 'registered');
    });

    it('refuses the same id with different content on the other channel as NOTIFICATION_ID_REUSED', async () => {
      const boy = { birthDateTime: '2026-11-20T14:32:00+02:00', sex: 'male' };
      await asClient(h, CLIENTS.existing).births(birth({}, 'kanava-5')).expect(201);
      for (const ep of SOAP_ENDPOINTS) {
        const r = await soapCall(
          h,
          ep,
          'SyntymaIlmoitus',
          birth({ child: boy }, 'kanava-5'),
          CLIENTS.existing,
        );
        assert.equal(r.status, 500);
        assert.equal(r.fault?.faultcode, 'soap:Client.NOTIFICATION_ID_REUSED');
        assert.equal(r.fault?.detail.Koodi, 'NOTIFICATION_ID_REUSED');
      }

      const soap = await soapCall(h, SOAP_V2, 'SyntymaIlmoitus', birth({}, 'kanava-6'), CLIENTS.existing);
      assert.equal(soap.status, 200, soap.xml);
      const rest = await asClient(h, CLIENTS.existing)
        .births(birth({ child: boy }, 'kanava-6'))
        .expect(422);
      assert.equal(rest.body.code, 'NOTIFICATION_ID_REUSED');
    });
  });

  describe('X-Road headers', () => {
    const extra =
      '<ext:jaljitys xmlns:ext="urn:example:jaljitys" ext:taso="2">span &amp; trace<ext:osa>1</ext:osa></ext:jaljitys>';
    const header = (op: string) =>
      `\n    ${xRoadHeaders(CLIENTS.existing, {
        serviceCode: op,
        id: 'a1b2c3d4-0000-4000-8000-000000000001',
        userId: 'FI131052-308T',
        issue: 'asia <123> & "lainaus"',
        extra,
      }).replace(/<xrd:/g, '\n    <xrd:')}\n  `;
    // Declarations on the Envelope with prefix soap, or on the Header with another envelope prefix.
    const styles = {
      'declared on the Envelope': (head: string, body: string) => soapEnvelope(head, body),
      'declared on the Header, prefix SOAP-ENV': (head: string, body: string) =>
        `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">` +
        `<SOAP-ENV:Header xmlns:xrd="${XROAD_NS}" xmlns:id="${XROAD_ID_NS}">${head}</SOAP-ENV:Header>` +
        `<SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`,
    };

    async function assertEchoed(sent: string, r: SoapResponse) {
      assert.equal(headerContent(r.xml), sent, 'the Header content is not echoed unchanged');
      // The echoed elements still mean what they meant: same namespaces, valid X-Road headers.
      const echoed = findElements(r.xml, (_ns, _local, anc) => anc.length === 2 && anc[1] === 'Header');
      assert.deepEqual(
        echoed.map((e) => `${e.namespace} ${e.localName}`),
        [
          ...['client', 'service', 'id', 'userId', 'issue', 'protocolVersion'].map((n) => `${XROAD_NS} ${n}`),
          'urn:example:jaljitys jaljitys',
        ],
      );
      await assertValidXRoadHeaders(echoed.slice(0, 6).map((e) => e.standalone));
    }

    for (const [style, envelope] of Object.entries(styles)) {
      for (const ep of SOAP_ENDPOINTS) {
        it(`echoes every header unchanged and in order, on success and on a fault (${ep.path}, ${style})`, async () => {
          const ok = header('SyntymaIlmoitus');
          const r = await postSoap(h, ep, envelope(ok, soapBody('SyntymaIlmoitus', ep.namespace, birth())));
          assert.equal(r.status, 200, r.xml);
          await assertEchoed(ok, r);

          const invalid = birth({ mother: { personalIdentityCode: '131052-308U' } }, 'toinen');
          const fault = await postSoap(
            h,
            ep,
            envelope(ok, soapBody('SyntymaIlmoitus', ep.namespace, invalid)),
          );
          assert.equal(fault.fault?.faultcode, 'soap:Client.VALIDATION_FAILED');
          await assertEchoed(ok, fault);

          const status = header('IlmoituksenTila');
          const notFound = await postSoap(
            h,
            ep,
            envelope(status, soapBody('IlmoituksenTila', ep.namespace, { notificationId: 'ei-ole' })),
          );
          assert.equal(notFound.fault?.faultcode, 'soap:Client.NOTIFICATION_NOT_FOUND');
          await assertEchoed(status, notFound);
        });
      }
    }
  });

  describe('large messages', () => {
    it('carries a 1 MB multi-byte header split across TCP writes byte for byte', async () => {
      h = await gateway({ BODY_LIMIT_BYTES: '4194304' });
      const server = await listen(h.gateway.app);
      try {
        const unit = 'äöå€😀'; // 2 + 2 + 2 + 3 + 4 bytes
        const issue = unit.repeat(Math.ceil((1024 * 1024) / Buffer.byteLength(unit)));
        const head = xRoadHeaders(CLIENTS.existing, { issue });
        const xml = soapEnvelope(head, soapBody('SyntymaIlmoitus', SOAP_V2.namespace, birth()));
        const bytes = Buffer.from(xml, 'utf8');
        assert.ok(bytes.length > 1024 * 1024);

        const chunk = 997;
        const splits = Array.from({ length: Math.floor(bytes.length / chunk) }, (_, i) => (i + 1) * chunk);
        // Continuation bytes (10xxxxxx) at a boundary: that write ends inside a character.
        assert.ok(splits.filter((at) => ((bytes[at] ?? 0) & 0xc0) === 0x80).length > 100);

        const reply = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
          const req = http.request(`${server.url}${SOAP_V2.path}`, {
            method: 'POST',
            headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' },
          });
          req.on('error', reject);
          req.on('response', (res) => {
            const parts: Buffer[] = [];
            res.on('data', (d: Buffer) => parts.push(d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
            res.on('error', reject);
          });
          req.on('socket', (socket) => socket.setNoDelay(true));
          (async () => {
            for (let at = 0; at < bytes.length; at += chunk) {
              await new Promise<void>((done, fail) =>
                req.write(bytes.subarray(at, at + chunk), (err) => (err ? fail(err) : done())),
              );
            }
            req.end();
          })().catch(reject);
        });

        const text = new TextDecoder('utf-8', { fatal: true }).decode(reply.body);
        assert.equal(reply.status, 200, text.slice(0, 2000));
        assert.equal(readSoap(text).body.SyntymaIlmoitusResponse?.Tila, 'REKISTEROITY');
        const echoed = Buffer.from(headerContent(text), 'utf8');
        assert.ok(echoed.equals(Buffer.from(head, 'utf8')), 'the echoed header differs from the one sent');
        assert.ok(reply.body.includes(Buffer.from(`<xrd:issue>${issue}</xrd:issue>`, 'utf8')));
      } finally {
        await server.close();
      }
    });

    it('refuses an envelope over BODY_LIMIT_BYTES (1 MiB by default) with a PAYLOAD_TOO_LARGE fault', async () => {
      const head = xRoadHeaders(CLIENTS.existing, { issue: 'x'.repeat(1024 * 1024) });
      const r = await postSoap(
        h,
        SOAP_V2,
        soapEnvelope(head, soapBody('SyntymaIlmoitus', SOAP_V2.namespace, birth())),
      );
      assert.equal(r.status, 500);
      assert.equal(r.fault?.faultcode, 'soap:Client.PAYLOAD_TOO_LARGE');
    });
  });

  for (const ep of SOAP_ENDPOINTS) {
    describe(`stored rejections and other clients' notifications (${ep.path})`, () => {
      it('answers a birth whose mother is not in the register with PERSON_NOT_FOUND, stored as HYLATTY', async () => {
        const body = birth({ mother: { personalIdentityCode: UNKNOWN_MOTHER } }, 'hylatty-1');
        const r = await soapCall(h, ep, 'SyntymaIlmoitus', body, CLIENTS.existing);
        assert.equal(r.status, 500);
        assert.equal(r.fault?.faultcode, 'soap:Client.PERSON_NOT_FOUND');
        assert.equal(r.fault?.detail.Koodi, 'PERSON_NOT_FOUND');
        assert.deepEqual(fieldErrors(r.fault?.detail.Virheet), ['Aiti/Henkilotunnus PERSON_NOT_FOUND']);

        // The mother is loaded afterwards: the stored answer stands for this id.
        await h
          .ops('post', '/ops/register/persons')
          .send([{ personalIdentityCode: UNKNOWN_MOTHER }])
          .expect(200);
        const again = await soapCall(h, ep, 'SyntymaIlmoitus', body, CLIENTS.existing);
        assert.equal(again.fault?.faultcode, 'soap:Client.PERSON_NOT_FOUND');
        assert.equal(again.res.headers['idempotent-replayed'], 'true');

        const status = await soapCall(
          h,
          ep,
          'IlmoituksenTila',
          { notificationId: 'hylatty-1' },
          CLIENTS.existing,
        );
        assert.equal(status.status, 200, status.xml);
        const tila = status.body.IlmoituksenTilaResponse;
        assert.equal(tila?.Tyyppi, 'SYNTYMA');
        assert.equal(tila?.Tila, 'HYLATTY');
        assert.equal(tila?.Kanava, ep.channel);
        assert.equal(tila?.Lapsi, undefined);
        assert.equal(tila?.RekisteroityAika, undefined);
        assert.equal(tila?.Hylkays?.Koodi, 'PERSON_NOT_FOUND');
        assert.deepEqual(fieldErrors(tila?.Hylkays?.Virheet), ['Aiti/Henkilotunnus PERSON_NOT_FOUND']);
      });

      it('names the element paths of a rejection that arrived over REST', async () => {
        const dead = death({ deceased: { personalIdentityCode: PERSONS.deceasedMother } }, 'hylatty-2');
        const rest = await asClient(h, CLIENTS.existing).deaths(dead);
        assert.equal(rest.body.code, 'ALREADY_DECEASED');
        const status = await soapCall(
          h,
          ep,
          'IlmoituksenTila',
          { notificationId: 'hylatty-2' },
          CLIENTS.existing,
        );
        const tila = status.body.IlmoituksenTilaResponse;
        assert.equal(tila?.Tila, 'HYLATTY');
        assert.equal(tila?.Kanava, 'rest');
        assert.equal(tila?.Hylkays?.Koodi, 'ALREADY_DECEASED');
        assert.deepEqual(fieldErrors(tila?.Hylkays?.Virheet), ['Vainaja/Henkilotunnus ALREADY_DECEASED']);
      });

      it("answers IlmoituksenTila for another client's notification as NOTIFICATION_NOT_FOUND", async () => {
        await asClient(h, CLIENTS.rest).births(birth({}, 'toisen-1')).expect(201);
        const theirs = await soapCall(
          h,
          ep,
          'IlmoituksenTila',
          { notificationId: 'toisen-1' },
          CLIENTS.existing,
        );
        assert.equal(theirs.status, 500);
        assert.equal(theirs.fault?.faultcode, 'soap:Client.NOTIFICATION_NOT_FOUND');
        assert.equal(theirs.fault?.detail.Koodi, 'NOTIFICATION_NOT_FOUND');
        // Indistinguishable from an id nobody used.
        const none = await soapCall(
          h,
          ep,
          'IlmoituksenTila',
          { notificationId: 'toisen-2' },
          CLIENTS.existing,
        );
        assert.equal(
          normalised(theirs, ep.namespace, { 'toisen-1': '{id}' }),
          normalised(none, ep.namespace, { 'toisen-2': '{id}' }),
        );

        // The same id of its own shows the client its own notification.
        await soapCall(h, ep, 'KuolemaIlmoitus', death({}, 'toisen-1'), CLIENTS.existing);
        const mine = await soapCall(
          h,
          ep,
          'IlmoituksenTila',
          { notificationId: 'toisen-1' },
          CLIENTS.existing,
        );
        assert.equal(mine.body.IlmoituksenTilaResponse?.Tyyppi, 'KUOLEMA');
        await asClient(h, CLIENTS.rest).status('toisen-1').expect(200);
      });
    });
  }
});
