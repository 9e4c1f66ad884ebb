import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { SOAP_FAULTS } from '../../src/channels/soap/fault-table';
import { XML_LIMITS } from '../../src/channels/soap/xml-guard';
import { ERROR_CODES, type ErrorCode } from '../../src/core/errors';
import type { RegisterGuard } from '../../src/core/ports';
import { createServer } from '../../src/http/server';
import { DatabaseUnavailableError } from '../../src/infra/pg/database';
import { makeTestPki, type TestPki } from '../helpers/certificates';
import { flakyDb } from '../helpers/flaky-db';
import { CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { expectFault, type ParsedFault, type readFault } from '../helpers/soap-faults';
import {
  birthBody,
  birthEnvelope,
  deathEnvelope,
  ENDPOINTS,
  type Endpoint,
  envelope,
  LEGACY,
  postSoapRaw,
  SOAP_OPEN,
  statusBody,
  V2,
  xroadClient,
} from '../helpers/soap-hostile';
import { newTempDir, sharedDb } from '../helpers/test-db';

/**
 * Every code a SOAP call can produce, as the Fault contract §2 describes: HTTP 500, `soap:Client.<CODE>`
 * or `soap:Server.<CODE>`, and a VirheTiedot detail (checked element by element in readFault) that
 * names each bad field by its element path.
 */

/** Codes no SOAP call can produce: the REST façade's and the operator API's own. */
const NOT_SOAP: readonly ErrorCode[] = [
  'UNSUPPORTED_MEDIA_TYPE', // SOAP reads any Content-Type as XML
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'UNAUTHORIZED',
  'CLIENT_ALREADY_EXISTS',
  'CLIENT_NOT_FOUND',
  'EXCEPTION_NOT_FOUND',
  'NOT_IN_OUTBOX', // the operators' outbox actions
  'REGISTER_UNAVAILABLE', // ditto: a notification is never refused for the register (it is received)
];
/** Codes this file provokes over SOAP; checked against the catalogue at the end. */
const covered = new Set<ErrorCode>();

function expectCode(
  res: Parameters<typeof readFault>[0],
  ep: Endpoint,
  code: ErrorCode,
  what = '',
): ParsedFault {
  const fault = expectFault(res, ep, SOAP_FAULTS[code].faultClass, code, what);
  covered.add(code);
  return fault;
}

const fieldsOf = (f: ParsedFault) =>
  Object.fromEntries((f.detail.Virheet ?? []).map((v) => [v.Kentta, v.Koodi]));

describe('SOAP faults: every error code a SOAP call can produce', () => {
  describe('with SOAP open for the existing client', () => {
    let h: Harness;
    beforeEach(async () => {
      h = await startHarness({ env: SOAP_OPEN });
      await seedStandard(h);
    });
    const send = (ep: Endpoint, xml: string) => postSoapRaw(h, ep.path, xml);

    for (const ep of ENDPOINTS) {
      describe(ep.path, () => {
        it('sanity: the existing client registers a birth and a death (200, no fault)', async () => {
          const b = await send(ep, birthEnvelope(ep));
          assert.equal(b.status, 200, b.text);
          const d = await send(ep, deathEnvelope(ep));
          assert.equal(d.status, 200, d.text);
        });

        it('MISSING_CLIENT_IDENTITY: no X-Road client header, or a malformed one', async () => {
          const variants: [string, string][] = [
            ['no Header', envelope({ ns: ep.ns, body: birthBody(), client: null })],
            [
              'a Header without xrd:client',
              envelope({ ns: ep.ns, body: birthBody(), headerXml: '<xrd:id>1</xrd:id>' }),
            ],
            [
              'no subsystemCode',
              envelope({
                ns: ep.ns,
                body: birthBody(),
                headerXml: xroadClient(CLIENTS.existing).replace(
                  /<id:subsystemCode>.*<\/id:subsystemCode>/,
                  '',
                ),
              }),
            ],
            [
              'an empty memberCode',
              envelope({
                ns: ep.ns,
                body: birthBody(),
                headerXml: xroadClient(CLIENTS.existing).replace('0123456-7', ''),
              }),
            ],
            [
              'a "/" inside a part',
              envelope({
                ns: ep.ns,
                body: birthBody(),
                headerXml: xroadClient(CLIENTS.existing).replace('potilas', 'poti/las'),
              }),
            ],
            [
              'xrd:client in another namespace',
              envelope({ ns: ep.ns, body: birthBody() }).replace(
                'xmlns:xrd="http://x-road.eu/xsd/xroad.xsd"',
                'xmlns:xrd="urn:not-x-road"',
              ),
            ],
          ];
          for (const [what, xml] of variants) {
            const f = expectCode(await send(ep, xml), ep, 'MISSING_CLIENT_IDENTITY', what);
            assert.equal(f.detail.Virheet, undefined, what);
          }
        });

        it('UNKNOWN_CLIENT: a well-formed client id that is not registered', async () => {
          expectCode(
            await send(ep, birthEnvelope(ep, {}, 'FI/GOV/9999999-9/tuntematon')),
            ep,
            'UNKNOWN_CLIENT',
          );
        });

        it('CHANNEL_NOT_ALLOWED: a new (REST-only) client on SOAP, pointed at REST', async () => {
          const f = expectCode(
            await send(ep, birthEnvelope(ep, {}, CLIENTS.rest)),
            ep,
            'CHANNEL_NOT_ALLOWED',
          );
          assert.equal(f.detail.Seuraaja, 'rest');
          assert.equal(f.detail.Katkaisuhetki, undefined);
          assert.match(f.faultstring, /REST interface \(\/v1\)/);
        });

        it('VALIDATION_FAILED: each bad field by element path, with the XML-only errors', async () => {
          const res = await send(
            ep,
            birthEnvelope(ep, {
              'Lapsi/Sukupuoli': '3',
              'Lapsi/Vari': 'sininen',
              'Syntyma/SyntymaKunta': '91',
              'Aiti/Henkilotunnus': '131052-308A',
            }),
          );
          const f = expectCode(res, ep, 'VALIDATION_FAILED');
          assert.deepEqual(fieldsOf(f), {
            'Lapsi/Sukupuoli': 'INVALID_VALUE',
            'Lapsi/Vari': 'UNKNOWN_FIELD',
            'Syntyma/SyntymaKunta': 'INVALID_FORMAT',
            'Aiti/Henkilotunnus': 'INVALID_CHECK_CHARACTER',
          });
          assert.match(f.faultstring, /4 fields are invalid/);
        });

        it('VALIDATION_FAILED: missing, repeated, mistyped and unknown elements of both notifications', async () => {
          const birth = expectCode(
            await send(
              ep,
              birthEnvelope(ep, {
                'Lapsi/SyntymaAika': null,
                'Lapsi/Syntymapaino': 'painava',
                'Syntyma/ElavanaSyntynyt': 'kyllä',
                'Aiti/Henkilotunnus': null,
                Aiti: 'teksti',
                Isa: '<ns:Henkilotunnus>010150-123A</ns:Henkilotunnus>',
              }).replace(
                '<ns:Sukupuoli>2</ns:Sukupuoli>',
                '<ns:Sukupuoli>2</ns:Sukupuoli><ns:Sukupuoli>1</ns:Sukupuoli>',
              ),
            ),
            ep,
            'VALIDATION_FAILED',
          );
          assert.deepEqual(fieldsOf(birth), {
            'Lapsi/SyntymaAika': 'REQUIRED',
            'Lapsi/Sukupuoli': 'INVALID_VALUE',
            'Lapsi/Syntymapaino': 'INVALID_TYPE',
            'Syntyma/ElavanaSyntynyt': 'INVALID_TYPE',
            Aiti: 'INVALID_TYPE',
            Isa: 'UNKNOWN_FIELD',
          });
          const death = expectCode(
            await send(
              ep,
              deathEnvelope(ep, {
                'Kuolema/PaivanTarkkuus': 'SUUNNILLEEN',
                'Toteaminen/LaakarinTunnus': 'DR-1',
                'Vainaja/Henkilotunnus': '010150-123B',
              }),
            ),
            ep,
            'VALIDATION_FAILED',
          );
          assert.deepEqual(fieldsOf(death), {
            'Kuolema/PaivanTarkkuus': 'INVALID_VALUE',
            'Toteaminen/LaakarinTunnus': 'INVALID_FORMAT',
            'Vainaja/Henkilotunnus': 'INVALID_CHECK_CHARACTER',
          });
          const status = expectCode(
            await send(ep, envelope({ ns: ep.ns, body: '<ns:IlmoituksenTila/>' })),
            ep,
            'VALIDATION_FAILED',
          );
          assert.deepEqual(fieldsOf(status), { IlmoitusTunnus: 'REQUIRED' });
        });

        it('TEMPORARY_CODE_NOT_ALLOWED: a temporary mother code from a production client', async () => {
          const f = expectCode(
            await send(ep, birthEnvelope(ep, { 'Aiti/Henkilotunnus': PERSONS.temporary })),
            ep,
            'TEMPORARY_CODE_NOT_ALLOWED',
          );
          assert.deepEqual(fieldsOf(f), { 'Aiti/Henkilotunnus': 'TEMPORARY_CODE_NOT_ALLOWED' });
        });

        it('STILLBIRTH_NOT_REGISTRABLE: ElavanaSyntynyt false', async () => {
          const f = expectCode(
            await send(ep, birthEnvelope(ep, { 'Syntyma/ElavanaSyntynyt': 'false' })),
            ep,
            'STILLBIRTH_NOT_REGISTRABLE',
          );
          assert.deepEqual(fieldsOf(f), { 'Syntyma/ElavanaSyntynyt': 'STILLBIRTH_NOT_REGISTRABLE' });
        });

        it('PERSON_NOT_FOUND: a mother or a deceased missing from the register, again on replay', async () => {
          const mother = expectCode(
            await send(ep, birthEnvelope(ep, { 'Aiti/Henkilotunnus': '010199-2247' })),
            ep,
            'PERSON_NOT_FOUND',
          );
          assert.deepEqual(fieldsOf(mother), { 'Aiti/Henkilotunnus': 'PERSON_NOT_FOUND' });
          // The stored rejection is reported again, with the element path, when the same notification is resent.
          const replay = expectCode(
            await send(ep, birthEnvelope(ep, { 'Aiti/Henkilotunnus': '010199-2247' })),
            ep,
            'PERSON_NOT_FOUND',
            'replay',
          );
          assert.deepEqual(fieldsOf(replay), { 'Aiti/Henkilotunnus': 'PERSON_NOT_FOUND' });
          const deceased = expectCode(
            await send(ep, deathEnvelope(ep, { 'Vainaja/Henkilotunnus': '010199-2247' })),
            ep,
            'PERSON_NOT_FOUND',
          );
          assert.deepEqual(fieldsOf(deceased), { 'Vainaja/Henkilotunnus': 'PERSON_NOT_FOUND' });
        });

        it('ALREADY_DECEASED: a death of a person already registered as deceased', async () => {
          const f = expectCode(
            await send(ep, deathEnvelope(ep, { 'Vainaja/Henkilotunnus': PERSONS.deceasedMother })),
            ep,
            'ALREADY_DECEASED',
          );
          assert.deepEqual(fieldsOf(f), { 'Vainaja/Henkilotunnus': 'ALREADY_DECEASED' });
        });

        it('DEATH_BEFORE_BIRTH: a death dated before the birth, and a birth after the mother’s death', async () => {
          const death = expectCode(
            await send(
              ep,
              deathEnvelope(ep, {
                'Vainaja/Henkilotunnus': PERSONS.mother2, // born 1990-05-15
                'Kuolema/Kuolinpaiva': '1990-04',
                'Kuolema/PaivanTarkkuus': 'ARVIO',
                'Kuolema/Kuolinaika': null,
              }),
            ),
            ep,
            'DEATH_BEFORE_BIRTH',
          );
          assert.deepEqual(fieldsOf(death), { 'Kuolema/Kuolinpaiva': 'DEATH_BEFORE_BIRTH' });
          const birth = expectCode(
            await send(ep, birthEnvelope(ep, { 'Aiti/Henkilotunnus': PERSONS.deceasedMother })),
            ep,
            'DEATH_BEFORE_BIRTH',
          );
          assert.deepEqual(fieldsOf(birth), { 'Aiti/Henkilotunnus': 'DEATH_BEFORE_BIRTH' });
        });

        it('NOTIFICATION_ID_REUSED: the same IlmoitusTunnus with different content (the same content replays)', async () => {
          assert.equal((await send(ep, birthEnvelope(ep))).status, 200);
          const again = await send(ep, birthEnvelope(ep));
          assert.equal(again.status, 200, 'a replay is not a fault');
          assert.equal(again.headers['idempotent-replayed'], 'true');
          const f = expectCode(
            await send(ep, birthEnvelope(ep, { 'Lapsi/Sukupuoli': '1' })),
            ep,
            'NOTIFICATION_ID_REUSED',
          );
          assert.deepEqual(fieldsOf(f), { IlmoitusTunnus: 'NOTIFICATION_ID_REUSED' });
        });

        it('NOTIFICATION_NOT_FOUND: IlmoituksenTila for an unknown id or another client’s', async () => {
          const unknown = expectCode(
            await send(ep, envelope({ ns: ep.ns, body: statusBody('ei-ole-olemassa') })),
            ep,
            'NOTIFICATION_NOT_FOUND',
          );
          assert.deepEqual(fieldsOf(unknown), { IlmoitusTunnus: 'NOTIFICATION_NOT_FOUND' });
          const other = 'FI/GOV/0123456-7/toinen';
          await h
            .ops('post', '/ops/clients')
            .send({ id: other, name: 'Toinen', organisation: 'Demo HVA', kind: 'existing' })
            .expect(201);
          assert.equal((await send(ep, birthEnvelope(ep, { IlmoitusTunnus: 'oma-1' }, other))).status, 200);
          const own = await send(ep, envelope({ ns: ep.ns, body: statusBody('oma-1'), client: other }));
          assert.equal(own.status, 200, own.text);
          expectCode(
            await send(ep, envelope({ ns: ep.ns, body: statusBody('oma-1') })),
            ep,
            'NOTIFICATION_NOT_FOUND',
            'another client’s notification',
          );
        });

        it('DTD_FORBIDDEN, MALFORMED_REQUEST and PAYLOAD_TOO_LARGE: the XML guard’s codes', async () => {
          const dtd = envelope({
            ns: ep.ns,
            prolog: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]>',
            body: birthBody({ IlmoitusTunnus: '&e;' }),
          });
          expectCode(await send(ep, dtd), ep, 'DTD_FORBIDDEN');
          expectCode(await send(ep, birthEnvelope(ep).slice(0, -20)), ep, 'MALFORMED_REQUEST');
          const many = birthEnvelope(ep, { 'Lapsi/Vari': '<ns:v/>'.repeat(XML_LIMITS.maxElements + 1) });
          expectCode(await send(ep, many), ep, 'PAYLOAD_TOO_LARGE', 'elements');
          const huge = birthEnvelope(ep, { 'Lapsi/Vari': 'x'.repeat(h.config.bodyLimitBytes) });
          expectCode(await send(ep, huge), ep, 'PAYLOAD_TOO_LARGE', 'bytes');
        });

        it('IDENTITY_CODES_EXHAUSTED: a Server fault once the day’s codes are used up', async () => {
          // The girls' series of 2026-11-20 stands at its very last code, F898 (as test/rest/births).
          await h.db.query(
            "INSERT INTO code_series (birth_date, pool, parity, sign_index, last_number) VALUES ('2026-11-20', 'permanent', 0, 5, 898)",
          );
          expectCode(await send(ep, birthEnvelope(ep)), ep, 'IDENTITY_CODES_EXHAUSTED');
        });

        it('RATE_LIMITED: a Server fault with Retry-After once the client is past its budget', async () => {
          const r = await startHarness({
            env: { ...SOAP_OPEN, RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '1' },
          });
          await seedStandard(r);
          assert.equal(
            (await postSoapRaw(r, ep.path, birthEnvelope(ep, { IlmoitusTunnus: 'kiire-1' }))).status,
            200,
          );
          const limited = await postSoapRaw(r, ep.path, birthEnvelope(ep, { IlmoitusTunnus: 'kiire-2' }));
          expectCode(limited, ep, 'RATE_LIMITED');
          assert.equal(limited.headers['retry-after'], '1');
        });

        it('REGISTRATION_WITHDRAWN: a notification DVV withdrew, sent again', async () => {
          const down: RegisterGuard = { run: () => Promise.reject(new Error('register unreachable')) };
          const w = await startHarness({ env: SOAP_OPEN, guard: down });
          await seedStandard(w);
          const received = await postSoapRaw(w, ep.path, birthEnvelope(ep, { IlmoitusTunnus: 'peruttu-1' }));
          assert.match(received.text, /VASTAANOTETTU/);
          const client = encodeURIComponent(CLIENTS.existing);
          await w.ops('post', `/ops/outbox/${client}/peruttu-1/withdraw`).expect(200);
          const again = await postSoapRaw(w, ep.path, birthEnvelope(ep, { IlmoitusTunnus: 'peruttu-1' }));
          expectCode(again, ep, 'REGISTRATION_WITHDRAWN');
        });
      });
    }
  });

  describe('CHANNEL_RETIRED (default cut-offs; the harness clock is after both)', () => {
    it('names the cut-off and the successor in the faultstring and in Seuraaja and Katkaisuhetki', async () => {
      const h = await startHarness();
      await seedStandard(h);
      const v2 = expectCode(await postSoapRaw(h, V2.path, birthEnvelope(V2)), V2, 'CHANNEL_RETIRED');
      assert.match(v2.faultstring, /2026-06-30 23:59:59/);
      assert.match(v2.faultstring, /REST interface \(\/v1\)/);
      assert.equal(v2.detail.Seuraaja, 'rest');
      assert.equal(v2.detail.Katkaisuhetki, '2026-06-30T20:59:59.000Z');
      assert.equal(v2.detail.Virheet, undefined);

      const legacy = expectCode(
        await postSoapRaw(h, LEGACY.path, birthEnvelope(LEGACY)),
        LEGACY,
        'CHANNEL_RETIRED',
      );
      assert.match(legacy.faultstring, /2025-06-30 23:59:59/);
      assert.match(legacy.faultstring, /REST interface \(\/v1\)/);
      assert.equal(legacy.detail.Seuraaja, 'rest');
      assert.equal(legacy.detail.Katkaisuhetki, '2025-06-30T20:59:59.000Z');
    });

    it('points the old interface at SOAP v2 while that is still open', async () => {
      const h = await startHarness({ env: { CUTOFF_SOAP_V2: SOAP_OPEN.CUTOFF_SOAP_V2 } });
      await seedStandard(h);
      const f = expectCode(
        await postSoapRaw(h, LEGACY.path, birthEnvelope(LEGACY)),
        LEGACY,
        'CHANNEL_RETIRED',
      );
      assert.match(f.faultstring, /2025-06-30 23:59:59/);
      assert.match(f.faultstring, /new SOAP interface \(\/soap\/v2\)/);
      assert.equal(f.detail.Seuraaja, 'soap-v2');
      assert.equal((await postSoapRaw(h, V2.path, birthEnvelope(V2))).status, 200, 'v2 is open');
    });
  });

  describe('server-side failures', () => {
    async function flakyHarness(failWith: Error) {
      const seed = await startHarness({ env: SOAP_OPEN });
      await seedStandard(seed);
      const state: { failWith?: Error } = {};
      const h = await startHarness({ env: SOAP_OPEN, db: flakyDb(await sharedDb(), state) });
      state.failWith = failWith;
      return h;
    }

    it('INTERNAL: a Server fault whose Korrelaatiotunnus is in the log, without the error or a stack trace', async () => {
      const h = await flakyHarness(new Error(`boom at ${PERSONS.mother}`));
      for (const ep of ENDPOINTS) {
        const res = await postSoapRaw(h, ep.path, birthEnvelope(ep));
        const f = expectCode(res, ep, 'INTERNAL');
        assert.doesNotMatch(res.text, /boom|131052-308T|\.ts:\d+|\bat Context\b/);
        const logged = h.logLines.find((l) => l.includes(f.detail.Korrelaatiotunnus));
        assert.ok(logged, `the correlation id ${f.detail.Korrelaatiotunnus} is in the log`);
        assert.match(logged, /boom/, 'the log says what failed');
        assert.doesNotMatch(logged, /131052-308T/, 'the log masks personal identity codes');
      }
    });

    it('SERVICE_UNAVAILABLE: a Server fault when the database is gone', async () => {
      const h = await flakyHarness(new DatabaseUnavailableError('terminating connection (57P01)'));
      for (const ep of ENDPOINTS) {
        const res = await postSoapRaw(h, ep.path, birthEnvelope(ep));
        const f = expectCode(res, ep, 'SERVICE_UNAVAILABLE');
        assert.equal(res.headers['retry-after'], '5', 'the fault says when to try again');
        assert.ok(
          h.logLines.some((l) => l.includes(f.detail.Korrelaatiotunnus)),
          'the correlation id is in the log',
        );
      }
    });
  });

  describe('CLIENT_CERT_MISMATCH (TLS client certificates)', () => {
    let pki: TestPki;
    let own: ReturnType<TestPki['issue']>;
    let stranger: ReturnType<TestPki['issue']>;
    let server: Server;
    let port: number;
    const tlsClient = 'FI/GOV/7654321-0/tls';

    before(async function () {
      this.timeout(60_000);
      pki = makeTestPki(newTempDir());
      own = pki.issue('hospital');
      stranger = pki.issue('stranger');
      const env = {
        ...SOAP_OPEN,
        TLS_CERT_FILE: pki.server.cert,
        TLS_KEY_FILE: pki.server.key,
        TLS_CA_FILE: pki.ca,
      };
      const h = await startHarness({ env });
      await seedStandard(h);
      await h
        .ops('post', '/ops/clients')
        .send({
          id: tlsClient,
          name: 'TLS',
          organisation: 'x',
          kind: 'existing',
          certificateFingerprints: [own.fingerprint],
        })
        .expect(201);
      server = createServer(h.gateway.app, h.config.tls);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    after(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

    function post(ep: Endpoint, who: { cert: string; key: string }, xml: string) {
      return new Promise<{ status: number; text: string; headers: Record<string, string> }>(
        (resolve, reject) => {
          const req = https.request(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: ep.path,
              ca: readFileSync(pki.ca),
              cert: readFileSync(who.cert),
              key: readFileSync(who.key),
              headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' },
            },
            (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (c: string) => {
                text += c;
              });
              res.on('end', () =>
                resolve({
                  status: res.statusCode ?? 0,
                  text,
                  headers: { 'content-type': String(res.headers['content-type']) },
                }),
              );
            },
          );
          req.on('error', reject);
          req.end(xml);
        },
      );
    }

    it('refuses another client’s certificate with soap:Client.CLIENT_CERT_MISMATCH, accepts its own', async () => {
      for (const [i, ep] of ENDPOINTS.entries()) {
        const xml = birthEnvelope(ep, { IlmoitusTunnus: `tls-${i}` }, tlsClient);
        const ok = await post(ep, own, xml);
        assert.equal(ok.status, 200, ok.text);
        expectCode((await post(ep, stranger, xml)) as never, ep, 'CLIENT_CERT_MISMATCH');
      }
    });
  });

  describe('the catalogue', () => {
    it('covers every code a SOAP call can produce, each in the class the catalogue gives it', () => {
      const expected = ERROR_CODES.filter((c) => !NOT_SOAP.includes(c)).sort();
      assert.deepEqual([...covered].sort(), expected, 'codes provoked over SOAP by the tests above');
      const server = expected.filter((c) => SOAP_FAULTS[c].faultClass === 'Server');
      assert.deepEqual(server.sort(), [
        'IDENTITY_CODES_EXHAUSTED',
        'INTERNAL',
        'RATE_LIMITED',
        'SERVICE_UNAVAILABLE',
      ]);
    });
  });
});
