import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DomainError } from '../core/errors';

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const XROAD_NS = 'http://x-road.eu/xsd/xroad.xsd';
export const XROAD_ID_NS = 'http://x-road.eu/xsd/identifiers';

type XmlNode = Record<string, unknown>;

/** A SOAP 1.1 request, reduced to what the façades need. */
export interface SoapRequest {
  /** The Header's content exactly as sent, for echoing back unchanged and in order. */
  headerXml: string;
  /** The namespace declarations in scope for that content (from Envelope and Header). */
  headerNamespaces: Record<string, string>;
  /** The X-Road client `INSTANCE/CLASS/MEMBER/SUBSYSTEM`; undefined when the header is missing, null when malformed. */
  clientId: string | undefined | null;
  /** The body's wrapper element: the operation's local name and namespace. */
  operation: string;
  namespace: string | undefined;
  /** The wrapper's content with prefixes stripped: element name → text, nested object, or array when repeated. */
  body: XmlNode;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

export function parseEnvelope(text: string): SoapRequest {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new DomainError(
      'MALFORMED_REQUEST',
      `The SOAP message is not well-formed XML (line ${valid.err.line}: ${valid.err.msg}).`,
    );
  }
  const doc = parser.parse(text) as XmlNode;
  const [envName, envelope] = onlyElement(doc);
  const envNs = declarations(envelope);
  const envPrefix = prefixOf(envName);
  if (localName(envName) !== 'Envelope' || envNs[envPrefix] !== SOAP_ENV_NS) {
    throw new DomainError(
      'MALFORMED_REQUEST',
      `The message is not a SOAP 1.1 envelope (namespace ${SOAP_ENV_NS}).`,
    );
  }
  const q = (name: string) => (envPrefix ? `${envPrefix}:${name}` : name);
  const header = (envelope as XmlNode)[q('Header')];
  const body = (envelope as XmlNode)[q('Body')];
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new DomainError('MALFORMED_REQUEST', 'The SOAP envelope has no Body, or more than one.');
  }
  const headerNamespaces = { ...envNs, ...(isNode(header) ? declarations(header) : {}) };
  const bodyNs = { ...envNs, ...declarations(body as XmlNode) };
  const [wrapperName, wrapper] = onlyElement(
    body as XmlNode,
    'The SOAP Body must hold exactly one request element.',
  );
  const wrapperNs = { ...bodyNs, ...(isNode(wrapper) ? declarations(wrapper) : {}) };

  return {
    headerXml: rawHeader(text, envPrefix),
    headerNamespaces,
    clientId: isNode(header) ? xRoadClient(header, headerNamespaces) : undefined,
    operation: localName(wrapperName),
    namespace: wrapperNs[prefixOf(wrapperName)],
    body: isNode(wrapper) ? strip(wrapper) : {},
  };
}

/** The X-Road 4.0 `client` header as `INSTANCE/CLASS/MEMBER/SUBSYSTEM`. */
function xRoadClient(header: XmlNode, inScope: Record<string, string>): string | undefined | null {
  const entry = Object.entries(header).find(([k, v]) => {
    if (k.startsWith('@_') || localName(k) !== 'client') return false;
    const ns = { ...inScope, ...(isNode(v) ? declarations(v) : {}) };
    return ns[prefixOf(k)] === XROAD_NS;
  });
  if (!entry) return undefined;
  const client = entry[1];
  if (!isNode(client)) return null;
  const parts = strip(client);
  const values = ['xRoadInstance', 'memberClass', 'memberCode', 'subsystemCode'].map((k) => parts[k]);
  if (values.some((v) => typeof v !== 'string' || v === '' || v.includes('/'))) return null;
  return values.join('/');
}

/** The Header element's content, byte for byte as the client sent it. */
function rawHeader(text: string, prefix: string): string {
  const name = prefix ? `${prefix}:Header` : 'Header';
  const open = new RegExp(`<${escapeRe(name)}(\\s[^>]*)?(/?)>`).exec(text);
  if (!open || open[2] === '/') return '';
  const start = open.index + open[0].length;
  const end = text.indexOf(`</${name}`, start);
  return end < 0 ? '' : text.slice(start, end);
}

function onlyElement(
  node: XmlNode,
  message = 'The message must have exactly one root element.',
): [string, unknown] {
  const elements = Object.entries(node).filter(([k]) => !k.startsWith('@_') && k !== '#text');
  const first = elements[0];
  if (elements.length !== 1 || !first || Array.isArray(first[1]))
    throw new DomainError('MALFORMED_REQUEST', message);
  return first;
}

/** Drops prefixes and attributes: `{ 'v2:Lapsi': { 'v2:Sukupuoli': '1' } }` → `{ Lapsi: { Sukupuoli: '1' } }`. */
function strip(node: XmlNode): XmlNode {
  const out: XmlNode = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('@_') || k === '#text') continue;
    out[localName(k)] = Array.isArray(v) ? v.map(value) : value(v);
  }
  return out;
}

function value(v: unknown): unknown {
  if (!isNode(v)) return v;
  const elements = Object.keys(v).filter((k) => !k.startsWith('@_') && k !== '#text');
  if (elements.length === 0) return typeof v['#text'] === 'string' ? v['#text'] : '';
  return strip(v);
}

function declarations(node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isNode(node)) return out;
  for (const [k, v] of Object.entries(node)) {
    if (k === '@_xmlns') out[''] = String(v);
    else if (k.startsWith('@_xmlns:')) out[k.slice(8)] = String(v);
  }
  return out;
}

const isNode = (v: unknown): v is XmlNode => typeof v === 'object' && v !== null && !Array.isArray(v);
const localName = (name: string) => name.slice(name.indexOf(':') + 1);
const prefixOf = (name: string) => (name.includes(':') ? name.slice(0, name.indexOf(':')) : '');
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
