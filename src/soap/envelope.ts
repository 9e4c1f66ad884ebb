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

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const REFERENCE = /&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;

/**
 * XML's five entities and character references, decoded in one pass (so "&amp;#65;" stays "&#65;").
 * The guard has already refused every other entity; the parser's own HTML-entity table costs more
 * than the rest of the parse and would accept entities XML does not have.
 */
function decodeReferences(_name: string, value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(REFERENCE, (_m, ref: string) =>
    ref[0] === '#'
      ? String.fromCodePoint(
          ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1)),
        )
      : (ENTITIES[ref] as string),
  );
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: false,
  htmlEntities: false,
  tagValueProcessor: decodeReferences,
  attributeValueProcessor: decodeReferences,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // No tag paths for the value callbacks: nothing here uses them, and building them costs a sixth of the parse.
  jPath: false,
});

export function parseEnvelope(text: string): SoapRequest {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    // The validator quotes the offending markup, which may be most of the message: keep the gist.
    const msg = valid.err.msg.length > 200 ? `${valid.err.msg.slice(0, 200)}…` : valid.err.msg;
    throw new DomainError(
      'MALFORMED_REQUEST',
      `The SOAP message is not well-formed XML (line ${valid.err.line}: ${msg}).`,
    );
  }
  let doc: XmlNode;
  try {
    doc = parser.parse(text) as XmlNode;
  } catch {
    // Well-formed, yet refused by the parser: its own nesting cap, or a name it reserves (__proto__).
    throw new DomainError('MALFORMED_REQUEST', 'The SOAP message could not be parsed.');
  }
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
  let start = -1;
  let depth = 0;
  // Walk the markup, stepping over comments, CDATA and processing instructions (which may mention
  // "</soap:Header>" without being one) and over quoted attribute values (which may hold ">").
  for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i)) {
    const skip = ['<!--', '-->', '<![CDATA[', ']]>', '<?', '?>'];
    const k = [0, 2, 4].find((j) => text.startsWith(skip[j] as string, i));
    if (k !== undefined) {
      const close = text.indexOf(skip[k + 1] as string, i);
      if (close < 0) return '';
      i = close + (skip[k + 1] as string).length;
      continue;
    }
    const end = tagEnd(text, i);
    if (end < 0) return '';
    const closing = text[i + 1] === '/';
    const tagName = /^<\/?([^\s/>]+)/.exec(text.slice(i, Math.min(end + 1, i + 300)))?.[1];
    if (tagName === name) {
      const selfClosing = text[end - 1] === '/';
      if (!closing && !selfClosing && depth++ === 0) start = end + 1;
      else if (closing && --depth === 0) return text.slice(start, i);
      else if (selfClosing && start < 0) return '';
    }
    i = end + 1;
  }
  return '';
}

/** Index of the ">" that ends the tag starting at `i`, skipping quoted attribute values. */
function tagEnd(text: string, i: number): number {
  let quote: string | undefined;
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return j;
  }
  return -1;
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
    // An own property even for a name such as __proto__, so that it is reported, not swallowed.
    Object.defineProperty(out, localName(k), {
      value: Array.isArray(v) ? v.map(value) : value(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
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
