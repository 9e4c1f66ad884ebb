import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';
import { ERROR_CODES, FIELD_ERROR_CODES } from '../../src/core/errors';
import { CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { listen } from '../helpers/listen';
import { wsdlClient } from '../helpers/soap-client';
import { hetu, SOAP_ENDPOINTS, SOAP_OPEN } from '../helpers/soap-envelope';
import type { Xml } from '../helpers/soap-xml';
import { assertValidPayload, WSDL_DIR } from '../helpers/soap-xsd';

// The SOAP interfaces as a WSDL-driven client system meets them: the WSDL and schemas the
// running gateway serves, calls made by strong-soap from that WSDL, and every answer checked
// against wsdl/ilmoitus-types.xsd with libxml2.

const BIRTH_ARGS = {
  IlmoitusTunnus: 'wsdl-synnytys-1',
  Lapsi: {
    SyntymaAika: '2026-11-20T14:32:00+02:00',
    Sukupuoli: '2',
    Syntymapaino: 3480,
    Syntymapituus: 50.5,
  },
  Syntyma: {
    SyntymaKunta: '091',
    SyntymaPaikkaOid: '1.2.246.10.1234567.10.1',
    ElavanaSyntynyt: true,
    Monisikio: { Jarjestys: 1, Lukumaara: 2 },
  },
  Aiti: { Henkilotunnus: PERSONS.mother },
};
const DEATH_ARGS = {
  IlmoitusTunnus: 'wsdl-kuolema-1',
  Vainaja: { Henkilotunnus: PERSONS.elderly },
  Kuolema: { Kuolinpaiva: '2026-11-19', PaivanTarkkuus: 'TARKKA', Kuolinaika: '13:05', Kuolinkunta: '091' },
  Toteaminen: { LaakarinTunnus: '123456789', ToteamisAika: '2026-11-19T15:00:00+02:00' },
};

const attrs = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: true });
/** Every schemaLocation attribute in a WSDL or XSD. */
const schemaLocations = (doc: string) =>
  [...doc.matchAll(/schemaLocation="([^"]*)"/g)].map((m) => m[1] ?? '');

describe('SOAP contract: the served WSDL, a WSDL-driven client, and the XSD', () => {
  let h: Harness;
  let server: { url: string; close: () => Promise<void> };
  beforeEach(async () => {
    h = await startHarness({ env: SOAP_OPEN });
    await seedStandard(h);
    server = await listen(h.gateway.app);
    h.gateway.links.base = server.url; // as main does when PUBLIC_BASE_URL is unset
  });
  afterEach(async () => {
    await server.close();
  });

  for (const ep of SOAP_ENDPOINTS) {
    describe(`${ep.path} (${ep.namespace})`, () => {
      it('lets strong-soap call all three operations from the served WSDL, with XSD-valid requests and responses', async () => {
        const client = await wsdlClient(`${server.url}${ep.path}?wsdl`, CLIENTS.existing);
        const port = client.describe().IlmoitusService?.IlmoitusPort as Xml;
        assert.deepEqual(Object.keys(port).sort(), ['IlmoituksenTila', 'KuolemaIlmoitus', 'SyntymaIlmoitus']);

        const birth = await client.call('SyntymaIlmoitus', BIRTH_ARGS);
        assert.equal(birth.fault, undefined, JSON.stringify(birth.fault));
        assert.equal(birth.endpoint, `${server.url}${ep.path}`);
        const code = birth.result?.Lapsi?.Henkilotunnus as string;
        assert.match(code, /^201126A\d{3}.$/);
        // The first girl of the day in an empty register: 002 and its check character.
        assert.equal(code, hetu('201126', 'A', 2));
        assert.deepEqual(birth.result, {
          IlmoitusTunnus: 'wsdl-synnytys-1',
          Tila: 'REKISTEROITY',
          Lapsi: { Henkilotunnus: code },
          Aikaleima: '2026-11-23T10:00:00.000Z',
        });
        assert.equal(await assertValidPayload(birth.request, ep.namespace), 'SyntymaIlmoitus');
        assert.equal(await assertValidPayload(birth.response, ep.namespace), 'SyntymaIlmoitusResponse');

        const death = await client.call('KuolemaIlmoitus', DEATH_ARGS);
        assert.equal(death.fault, undefined, JSON.stringify(death.fault));
        assert.deepEqual(death.result, {
          IlmoitusTunnus: 'wsdl-kuolema-1',
          Tila: 'REKISTEROITY',
          Aikaleima: '2026-11-23T10:00:00.000Z',
        });
        assert.equal(await assertValidPayload(death.request, ep.namespace), 'KuolemaIlmoitus');
        assert.equal(await assertValidPayload(death.response, ep.namespace), 'KuolemaIlmoitusResponse');

        const birthStatus = await client.call('IlmoituksenTila', { IlmoitusTunnus: 'wsdl-synnytys-1' });
        assert.equal(birthStatus.fault, undefined, JSON.stringify(birthStatus.fault));
        assert.deepEqual(birthStatus.result, {
          IlmoitusTunnus: 'wsdl-synnytys-1',
          Tyyppi: 'SYNTYMA',
          Tila: 'REKISTEROITY',
          Kanava: ep.channel,
          VastaanotettuAika: '2026-11-23T10:00:00.000Z',
          RekisteroityAika: '2026-11-23T10:00:00.000Z',
          Lapsi: { Henkilotunnus: code },
        });
        assert.equal(await assertValidPayload(birthStatus.request, ep.namespace), 'IlmoituksenTila');
        assert.equal(await assertValidPayload(birthStatus.response, ep.namespace), 'IlmoituksenTilaResponse');

        const deathStatus = await client.call('IlmoituksenTila', { IlmoitusTunnus: 'wsdl-kuolema-1' });
        assert.equal(deathStatus.result?.Tyyppi, 'KUOLEMA');
        assert.equal(deathStatus.result?.Tila, 'REKISTEROITY');
        assert.equal(deathStatus.result?.Lapsi, undefined);
        assert.equal(await assertValidPayload(deathStatus.response, ep.namespace), 'IlmoituksenTilaResponse');
      });

      it('answers errors with Faults whose VirheTiedot is valid against the XSD', async () => {
        const client = await wsdlClient(`${server.url}${ep.path}?wsdl`, CLIENTS.existing);

        const invalid = await client.call('SyntymaIlmoitus', {
          ...BIRTH_ARGS,
          Aiti: { Henkilotunnus: '131052-308U' },
        });
        assert.equal(invalid.fault?.faultcode, 'soap:Client.VALIDATION_FAILED');
        assert.equal(invalid.fault?.detail?.VirheTiedot?.Koodi, 'VALIDATION_FAILED');
        assert.equal(await assertValidPayload(invalid.response, ep.namespace), 'VirheTiedot');
        assert.match(
          invalid.response,
          /<\w+:Kentta>Aiti\/Henkilotunnus<\/\w+:Kentta><\w+:Koodi>INVALID_CHECK_CHARACTER</,
        );

        const unknown = await client.call('IlmoituksenTila', { IlmoitusTunnus: 'no-such-notification' });
        assert.equal(unknown.fault?.faultcode, 'soap:Client.NOTIFICATION_NOT_FOUND');
        assert.equal(await assertValidPayload(unknown.response, ep.namespace), 'VirheTiedot');

        const rejected = await client.call('SyntymaIlmoitus', {
          ...BIRTH_ARGS,
          IlmoitusTunnus: 'wsdl-synnytys-2',
          Aiti: { Henkilotunnus: '010199-2247' },
        });
        assert.equal(rejected.fault?.faultcode, 'soap:Client.PERSON_NOT_FOUND');
        assert.equal(await assertValidPayload(rejected.response, ep.namespace), 'VirheTiedot');
        const rejectedStatus = await client.call('IlmoituksenTila', { IlmoitusTunnus: 'wsdl-synnytys-2' });
        assert.equal(rejectedStatus.result?.Tila, 'HYLATTY');
        assert.equal(
          await assertValidPayload(rejectedStatus.response, ep.namespace),
          'IlmoituksenTilaResponse',
        );

        // A client registered as new may use REST only: the fault names the successor (Seuraaja).
        const newClient = await wsdlClient(`${server.url}${ep.path}?wsdl`, CLIENTS.rest);
        const refused = await newClient.call('IlmoituksenTila', { IlmoitusTunnus: 'wsdl-synnytys-1' });
        assert.equal(refused.fault?.faultcode, 'soap:Client.CHANNEL_NOT_ALLOWED');
        assert.equal(await assertValidPayload(refused.response, ep.namespace), 'VirheTiedot');

        // After the cut-off: CHANNEL_RETIRED with the cut-off instant (Katkaisuhetki) and the successor.
        h.clock.set('2028-01-02T12:00:00+02:00');
        const retired = await client.call('IlmoituksenTila', { IlmoitusTunnus: 'wsdl-synnytys-1' });
        assert.equal(retired.fault?.faultcode, 'soap:Client.CHANNEL_RETIRED');
        assert.ok(retired.fault?.detail?.VirheTiedot?.Katkaisuhetki, 'CHANNEL_RETIRED names the cut-off');
        assert.equal(await assertValidPayload(retired.response, ep.namespace), 'VirheTiedot');
      });

      it('serves a WSDL whose soap:address is the URL the client used and whose schemas are reachable', async () => {
        const res = await fetch(`${server.url}${ep.path}?wsdl`);
        assert.equal(res.status, 200);
        assert.match(String(res.headers.get('content-type')), /^(text|application)\/xml/);
        const wsdl = await res.text();
        assert.equal(XMLValidator.validate(wsdl), true);
        const defs = attrs.parse(wsdl).definitions as Xml;
        assert.equal(defs['@_targetNamespace'], ep.namespace);
        assert.equal(defs.service?.port?.address?.['@_location'], `${server.url}${ep.path}`);
        // Derived from the one WSDL: outside its comment (which describes both), nothing of the other interface.
        const content = wsdl.replace(/<!--[\s\S]*?-->/g, '');
        for (const other of SOAP_ENDPOINTS.filter((o) => o.path !== ep.path)) {
          assert.ok(!content.includes(other.namespace), `the WSDL names ${other.namespace}`);
          assert.ok(!content.includes(`endpoint ${other.path})`), `the WSDL names ${other.path}`);
        }
        assert.ok(content.includes(`endpoint ${ep.path})`), 'the documentation names this endpoint');

        // Every schemaLocation, followed through the schemas' own imports, answers 200 with a schema.
        const seen = new Map<string, string>();
        const queue = schemaLocations(wsdl);
        assert.ok(queue.length > 0, 'the WSDL refers to no schema');
        while (queue.length > 0) {
          const url = queue.shift() as string;
          if (seen.has(url)) continue;
          assert.ok(
            url.startsWith(`${server.url}${ep.path}?xsd=`),
            `schemaLocation ${url} is not on this endpoint`,
          );
          const xsdRes = await fetch(url);
          assert.equal(xsdRes.status, 200, url);
          assert.match(String(xsdRes.headers.get('content-type')), /^(text|application)\/xml/, url);
          const xsd = await xsdRes.text();
          assert.equal(XMLValidator.validate(xsd), true, url);
          assert.ok(attrs.parse(xsd).schema, `${url} is not an XML Schema`);
          seen.set(url, xsd);
          queue.push(...schemaLocations(xsd));
        }
        assert.deepEqual([...seen.keys()].map((u) => new URL(u).searchParams.get('xsd')).sort(), [
          'identifiers.xsd',
          'ilmoitus-types.xsd',
          'xroad.xsd',
        ]);

        // The shared types, served for this endpoint, state its namespace.
        const types = seen.get(`${server.url}${ep.path}?xsd=ilmoitus-types.xsd`) as string;
        assert.equal(attrs.parse(types).schema['@_targetNamespace'], ep.namespace);
      });

      it('writes PUBLIC_BASE_URL into soap:address and schemaLocation, never the Host header', async () => {
        const p = await startHarness({
          env: { ...SOAP_OPEN, PUBLIC_BASE_URL: 'https://vtj-gw.example.fi/' },
          reset: false,
        });
        const res = await p.http.get(`${ep.path}?wsdl`).set('Host', 'attacker.example:666').expect(200);
        const base = `https://vtj-gw.example.fi${ep.path}`;
        const wsdl = res.text;
        assert.ok(!wsdl.includes('attacker.example'), 'the Host header is not reflected');
        assert.equal(attrs.parse(wsdl).definitions.service.port.address['@_location'], base);
        for (const loc of schemaLocations(wsdl)) assert.ok(loc.startsWith(`${base}?xsd=`), loc);
      });

      it('serves types that validate the published examples of this namespace as a standalone schema', async () => {
        const types = (await h.http.get(`${ep.path}?xsd=ilmoitus-types.xsd`).expect(200)).text;
        const dir = path.join(WSDL_DIR, 'examples', ep.channel === 'soap-v2' ? 'v2' : 'legacy');
        const examples = readdirSync(dir).filter((f) => f.endsWith('.xml') && !f.startsWith('envelope'));
        assert.ok(examples.length >= 5, `too few examples in ${dir}`);
        const result = await validateXML({
          xml: examples.map((f) => ({ fileName: f, contents: readFileSync(path.join(dir, f), 'utf8') })),
          schema: [{ fileName: 'ilmoitus-types.xsd', contents: types }],
        });
        assert.ok(result.valid, result.errors.map((e) => e.rawMessage).join('\n'));
      });
    });
  }

  it('lists in the XSD’s error-code type exactly the stable error codes and field reasons of the catalogue', () => {
    const xsd = readFileSync(path.join(WSDL_DIR, 'ilmoitus-types.xsd'), 'utf8');
    const type = /<xs:simpleType name="VirhekoodiTyyppi">([\s\S]*?)<\/xs:simpleType>/.exec(xsd)?.[1];
    assert.ok(type, 'ilmoitus-types.xsd has no simpleType VirhekoodiTyyppi (the type of Koodi)');
    // The codes the type lists: its enumeration when it has one, else the codes its documentation names.
    const enumerated = [...type.matchAll(/<xs:enumeration value="([^"]+)"/g)].map((m) => m[1] as string);
    const listed = new Set(
      enumerated.length > 0 ? enumerated : [...type.matchAll(/\b[A-Z]{2}[A-Z0-9_]*\b/g)].map((m) => m[0]),
    );
    const catalogue = new Set<string>([...ERROR_CODES, ...FIELD_ERROR_CODES]);
    assert.deepEqual(
      {
        notListed: [...catalogue].filter((c) => !listed.has(c)).sort(),
        notInCatalogue: [...listed].filter((c) => !catalogue.has(c)).sort(),
      },
      { notListed: [], notInCatalogue: [] },
      'VirhekoodiTyyppi must list exactly ERROR_CODES and FIELD_ERROR_CODES of src/core/errors.ts',
    );
  });
});
