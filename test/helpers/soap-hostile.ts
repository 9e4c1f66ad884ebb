import type request from 'supertest';
import { CLIENTS, type Harness, PERSONS } from './harness';
import {
  escapeXml,
  LEGACY_SOAP,
  SOAP_V2,
  SOAP11_NS,
  type SoapEndpoint,
  XROAD_ID_NS,
  XROAD_NS,
  xRoadClientElement,
} from './soap-envelope';

/**
 * Hostile SOAP requests built by hand, field by element path (so a test can
 * put anything into any element), and a strict reader of the faults they get.
 * The endpoints, namespaces and X-Road headers are soap-envelope.ts's.
 */

export { SOAP_OPEN, SOAP11_NS, SOAP12_NS } from './soap-envelope';

/** An endpoint as these tests address it: its path, and its namespace as `ns`. */
export interface Endpoint extends SoapEndpoint {
  ns: string;
}
export const V2: Endpoint = { ...SOAP_V2, ns: SOAP_V2.namespace };
export const LEGACY: Endpoint = { ...LEGACY_SOAP, ns: LEGACY_SOAP.namespace };
export const ENDPOINTS: readonly Endpoint[] = [V2, LEGACY];

export const xmlEscape = escapeXml;

/** The smallest X-Road 4.0 header: client, message id and protocol version; `null` leaves it out. */
export function xroadClient(clientId: string | null): string {
  if (clientId === null) return '';
  return (
    xRoadClientElement(clientId) +
    '<xrd:id>6c1f6a3e-2d5b-4f7a-9c0e-1b2d3e4f5a6b</xrd:id><xrd:protocolVersion>4.0</xrd:protocolVersion>'
  );
}

export interface EnvelopeOptions {
  /** The body elements' namespace (bound to prefix `ns`). */
  ns: string;
  /** The Body's content, as XML. */
  body: string;
  /** X-Road client id for the header (default: the `existing` client); null: no header at all. */
  client?: string | null;
  /** Replaces the header's content. */
  headerXml?: string;
  /** Text before the Envelope: XML declaration, DOCTYPE, comments. */
  prolog?: string;
  /** The envelope namespace (SOAP 1.1 unless told). */
  envelopeNs?: string;
}

export function envelope(o: EnvelopeOptions): string {
  const header = o.headerXml ?? xroadClient(o.client === undefined ? CLIENTS.existing : o.client);
  return (
    `${o.prolog ?? '<?xml version="1.0" encoding="UTF-8"?>\n'}` +
    `<soap:Envelope xmlns:soap="${o.envelopeNs ?? SOAP11_NS}" xmlns:xrd="${XROAD_NS}" xmlns:id="${XROAD_ID_NS}" xmlns:ns="${o.ns}">` +
    `${header ? `<soap:Header>${header}</soap:Header>` : ''}<soap:Body>${o.body}</soap:Body></soap:Envelope>`
  );
}

/** Element path → raw XML content (already escaped); null leaves the element out. */
export type Fields = Record<string, string | null>;

export const BIRTH_FIELDS: Fields = {
  IlmoitusTunnus: 'synnytys-2026-000123',
  'Lapsi/SyntymaAika': '2026-11-20T14:32:00+02:00',
  'Lapsi/Sukupuoli': '2',
  'Lapsi/Syntymapaino': '3480',
  'Lapsi/Syntymapituus': '50',
  'Syntyma/SyntymaKunta': '091',
  'Syntyma/SyntymaPaikkaOid': '1.2.246.10.1234567.10.1',
  'Syntyma/ElavanaSyntynyt': 'true',
  'Aiti/Henkilotunnus': PERSONS.mother,
};

export const DEATH_FIELDS: Fields = {
  IlmoitusTunnus: 'kuolema-2026-000045',
  'Vainaja/Henkilotunnus': PERSONS.elderly,
  'Kuolema/Kuolinpaiva': '2026-11-19',
  'Kuolema/PaivanTarkkuus': 'TARKKA',
  'Kuolema/Kuolinaika': '13:05',
  'Kuolema/Kuolinkunta': '091',
  'Toteaminen/LaakarinTunnus': '123456789',
  'Toteaminen/ToteamisAika': '2026-11-19T15:00:00+02:00',
};

/** Nested `ns:` elements from paths, grouped by their first step in first-seen order. */
function nest(fields: Fields): string {
  const groups = new Map<string, Fields>();
  let out = '';
  const order: string[] = [];
  for (const [path, v] of Object.entries(fields)) {
    if (v === null) continue;
    const slash = path.indexOf('/');
    const head = slash < 0 ? path : path.slice(0, slash);
    if (!groups.has(head)) {
      groups.set(head, {});
      order.push(head);
    }
    if (slash < 0) (groups.get(head) as Fields)[''] = v;
    else (groups.get(head) as Fields)[path.slice(slash + 1)] = v;
  }
  for (const head of order) {
    const g = groups.get(head) as Fields;
    const inner = '' in g ? (g[''] as string) : nest(g);
    out += `<ns:${head}>${inner}</ns:${head}>`;
  }
  return out;
}

export const operation = (name: string, fields: Fields): string => `<ns:${name}>${nest(fields)}</ns:${name}>`;
export const birthBody = (over: Fields = {}) => operation('SyntymaIlmoitus', { ...BIRTH_FIELDS, ...over });
export const deathBody = (over: Fields = {}) => operation('KuolemaIlmoitus', { ...DEATH_FIELDS, ...over });
export const statusBody = (id: string) => operation('IlmoituksenTila', { IlmoitusTunnus: xmlEscape(id) });

/** A birth notification envelope for an endpoint, with field overrides. */
export const birthEnvelope = (ep: Endpoint, over: Fields = {}, client?: string | null) =>
  envelope({ ns: ep.ns, body: birthBody(over), client });
export const deathEnvelope = (ep: Endpoint, over: Fields = {}, client?: string | null) =>
  envelope({ ns: ep.ns, body: deathBody(over), client });

/** POSTs raw bytes; every answer must come well within mocha's timeout. */
export function postSoapRaw(
  h: Harness,
  path: string,
  body: string | Buffer,
  contentType = 'text/xml; charset=utf-8',
): request.Test {
  return h.http
    .post(path)
    .set('Content-Type', contentType)
    .set('SOAPAction', '""')
    .timeout({ response: 10_000, deadline: 15_000 })
    .send(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
}
