import assert from 'node:assert/strict';
import type { Response } from 'supertest';
import type { Harness } from './harness';
import { readSoap, type SoapReply } from './soap-xml';

/**
 * Hand-written SOAP requests for tests: the two SOAP endpoints as the contract
 * names them, X-Road 4.0 headers, and request bodies built from the REST-shaped
 * objects of harness.ts (birth(), death()) through this file's own table of
 * element names, written from the contract, not from the gateway's code.
 */

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const XROAD_NS = 'http://x-road.eu/xsd/xroad.xsd';
export const XROAD_ID_NS = 'http://x-road.eu/xsd/identifiers';

export interface SoapEndpoint {
  channel: 'soap-v2' | 'legacy-soap';
  path: string;
  namespace: string;
}

export const SOAP_V2: SoapEndpoint = {
  channel: 'soap-v2',
  path: '/soap/v2',
  namespace: 'urn:fi:vtj:ilmoitus:v2',
};
export const LEGACY_SOAP: SoapEndpoint = {
  channel: 'legacy-soap',
  path: '/soap/legacy',
  namespace: 'urn:fi:vtj:ilmoitus:legacy',
};
export const SOAP_ENDPOINTS = [SOAP_V2, LEGACY_SOAP] as const;

/** Cut-offs after the harness's clock (2026-11-23), so that existing clients may still use SOAP. */
export const SOAP_OPEN = {
  CUTOFF_LEGACY_SOAP: '2027-06-30T23:59:59+03:00',
  CUTOFF_SOAP_V2: '2027-12-31T23:59:59+02:00',
} as const;

export type SoapOperation = 'SyntymaIlmoitus' | 'KuolemaIlmoitus' | 'IlmoituksenTila';

// REST member → [SOAP element, children or value conversion], in the XSD's sequence order.
type Table = Record<string, [string, Table | ((v: unknown) => string)]>;
const text = (v: unknown) => String(v);
const code =
  (codes: Record<string, string>) =>
  (v: unknown): string =>
    codes[String(v)] ?? String(v);
const person: Table = { personalIdentityCode: ['Henkilotunnus', text] };

const TABLES: Record<SoapOperation, Table> = {
  SyntymaIlmoitus: {
    notificationId: ['IlmoitusTunnus', text],
    child: [
      'Lapsi',
      {
        birthDateTime: ['SyntymaAika', text],
        sex: ['Sukupuoli', code({ male: '1', female: '2' })],
        birthWeightGrams: ['Syntymapaino', text],
        birthLengthCm: ['Syntymapituus', text],
      },
    ],
    birth: [
      'Syntyma',
      {
        municipalityCode: ['SyntymaKunta', text],
        facilityOid: ['SyntymaPaikkaOid', text],
        liveBorn: ['ElavanaSyntynyt', text],
        multipleBirth: ['Monisikio', { order: ['Jarjestys', text], count: ['Lukumaara', text] }],
      },
    ],
    mother: ['Aiti', person],
  },
  KuolemaIlmoitus: {
    notificationId: ['IlmoitusTunnus', text],
    deceased: ['Vainaja', person],
    death: [
      'Kuolema',
      {
        date: ['Kuolinpaiva', text],
        dateAccuracy: ['PaivanTarkkuus', code({ exact: 'TARKKA', estimated: 'ARVIO' })],
        time: ['Kuolinaika', text],
        municipalityCode: ['Kuolinkunta', text],
      },
    ],
    determination: [
      'Toteaminen',
      { physicianId: ['LaakarinTunnus', text], determinedAt: ['ToteamisAika', text] },
    ],
  },
  IlmoituksenTila: { notificationId: ['IlmoitusTunnus', text] },
};

export const escapeXml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );

function elements(table: Table, value: Record<string, unknown>, prefix: string): string {
  for (const key of Object.keys(value)) assert.ok(key in table, `no SOAP element for REST member ${key}`);
  return Object.entries(table)
    .filter(([key]) => value[key] !== undefined)
    .map(([key, [name, spec]]) => {
      const v = value[key];
      const inner =
        typeof spec === 'function'
          ? escapeXml(spec(v))
          : elements(spec, v as Record<string, unknown>, prefix);
      return `<${prefix}:${name}>${inner}</${prefix}:${name}>`;
    })
    .join('');
}

/** The wrapper element of `op` for a REST-shaped object, e.g. soapBody('SyntymaIlmoitus', ns, birth()). */
export function soapBody(op: SoapOperation, namespace: string, rest: Record<string, unknown>): string {
  return `<ns:${op} xmlns:ns="${escapeXml(namespace)}">${elements(TABLES[op], rest, 'ns')}</ns:${op}>`;
}

export interface XRoadHeaderOptions {
  /** The service's serviceCode; the operation by default. */
  serviceCode?: string;
  id?: string;
  userId?: string;
  issue?: string;
  /** Raw XML appended after the standard headers. */
  extra?: string;
}

/** The X-Road 4.0 `client` header element for INSTANCE/CLASS/MEMBER/SUBSYSTEM (prefixes xrd and id). */
export function xRoadClientElement(clientId: string): string {
  const [instance, memberClass, memberCode, subsystem] = clientId.split('/');
  return (
    `<xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>${instance}</id:xRoadInstance>` +
    `<id:memberClass>${memberClass}</id:memberClass><id:memberCode>${memberCode}</id:memberCode>` +
    `<id:subsystemCode>${subsystem}</id:subsystemCode></xrd:client>`
  );
}

/** The X-Road 4.0 request headers (prefixes xrd and id, declared on the Envelope by soapEnvelope). */
export function xRoadHeaders(clientId: string, o: XRoadHeaderOptions = {}): string {
  return [
    xRoadClientElement(clientId),
    `<xrd:service id:objectType="SERVICE"><id:xRoadInstance>FI</id:xRoadInstance>`,
    '<id:memberClass>GOV</id:memberClass><id:memberCode>0245437-2</id:memberCode>',
    '<id:subsystemCode>VTJyllapito</id:subsystemCode>',
    `<id:serviceCode>${o.serviceCode ?? 'SyntymaIlmoitus'}</id:serviceCode><id:serviceVersion>v2</id:serviceVersion></xrd:service>`,
    `<xrd:id>${escapeXml(o.id ?? '6c1f6a3e-2d5b-4f7a-9c0e-1b2d3e4f5a6b')}</xrd:id>`,
    o.userId === undefined ? '' : `<xrd:userId>${escapeXml(o.userId)}</xrd:userId>`,
    o.issue === undefined ? '' : `<xrd:issue>${escapeXml(o.issue)}</xrd:issue>`,
    '<xrd:protocolVersion>4.0</xrd:protocolVersion>',
    o.extra ?? '',
  ].join('');
}

/** A complete SOAP 1.1 request envelope. `header` is the Header's raw content. */
export function soapEnvelope(header: string, body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<soap:Envelope xmlns:soap="${SOAP11_NS}" xmlns:xrd="${XROAD_NS}" ` +
    `xmlns:id="${XROAD_ID_NS}"><soap:Header>${header}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

export interface SoapResponse extends SoapReply {
  res: Response;
  status: number;
  xml: string;
}

/** POSTs an envelope with supertest and reads the reply. */
export async function postSoap(h: Harness, endpoint: SoapEndpoint, xml: string): Promise<SoapResponse> {
  const res = await h.http
    .post(endpoint.path)
    .set('Content-Type', 'text/xml; charset=utf-8')
    .set('SOAPAction', '""')
    .send(xml);
  assert.match(
    String(res.headers['content-type']),
    /^text\/xml/,
    `not a SOAP reply: ${res.status} ${res.text}`,
  );
  return { res, status: res.status, xml: res.text, ...readSoap(res.text) };
}

/** One operation over SOAP for a client, from a REST-shaped object. */
export function soapCall(
  h: Harness,
  endpoint: SoapEndpoint,
  op: SoapOperation,
  rest: Record<string, unknown>,
  clientId: string,
  headers: XRoadHeaderOptions = {},
): Promise<SoapResponse> {
  const header = xRoadHeaders(clientId, { serviceCode: op, ...headers });
  return postSoap(h, endpoint, soapEnvelope(header, soapBody(op, endpoint.namespace, rest)));
}

export { hetu } from './builders';
