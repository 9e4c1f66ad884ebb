import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type request from 'supertest';
import { CLIENTS, type Harness, PERSONS } from './harness';

/** SOAP requests built by hand (hostile ones included) and a strict reader of the faults they get. */

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
const XROAD_NS = 'http://x-road.eu/xsd/xroad.xsd';
const XROAD_ID_NS = 'http://x-road.eu/xsd/identifiers';

export interface Endpoint {
  path: '/soap/v2' | '/soap/legacy';
  ns: string;
}
export const V2: Endpoint = { path: '/soap/v2', ns: 'urn:fi:vtj:ilmoitus:v2' };
export const LEGACY: Endpoint = { path: '/soap/legacy', ns: 'urn:fi:vtj:ilmoitus:legacy' };
export const ENDPOINTS: readonly Endpoint[] = [V2, LEGACY];

/** Cut-offs after the harness clock (2026-11-23): SOAP is open for the `existing` client. */
export const SOAP_OPEN = {
  CUTOFF_LEGACY_SOAP: '2027-06-30T23:59:59+03:00',
  CUTOFF_SOAP_V2: '2027-12-31T23:59:59+02:00',
} as const;

export const xmlEscape = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );

/** The X-Road 4.0 client header; `null` leaves the header out. */
export function xroadClient(clientId: string | null): string {
  if (clientId === null) return '';
  const [instance, memberClass, memberCode, subsystem] = clientId.split('/');
  return (
    '<xrd:client id:objectType="SUBSYSTEM">' +
    `<id:xRoadInstance>${instance}</id:xRoadInstance><id:memberClass>${memberClass}</id:memberClass>` +
    `<id:memberCode>${memberCode}</id:memberCode><id:subsystemCode>${subsystem}</id:subsystemCode>` +
    '</xrd:client><xrd:id>6c1f6a3e-2d5b-4f7a-9c0e-1b2d3e4f5a6b</xrd:id><xrd:protocolVersion>4.0</xrd:protocolVersion>'
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
export function postSoap(
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

// ---------------------------------------------------------------------------
// Reading responses
// ---------------------------------------------------------------------------

interface XmlElement {
  /** Qualified name as written. */
  qname: string;
  local: string;
  /** Resolved namespace URI ('' for none). */
  ns: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const orderedParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
});

/** Is this code point an XML 1.0 character (§2.2 Char)? */
export const isXmlChar = (cp: number): boolean =>
  cp === 0x9 ||
  cp === 0xa ||
  cp === 0xd ||
  (cp >= 0x20 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd) ||
  (cp >= 0x10000 && cp <= 0x10ffff);

/** Does the string hold a character that XML 1.0 does not allow (a lone surrogate included)? */
export function hasNonXmlChar(s: string): boolean {
  for (const ch of s) if (!isXmlChar(ch.codePointAt(0) as number)) return true;
  return false;
}

/** A response a strict XML 1.0 parser would accept: well-formed, and only legal characters. */
export function assertWellFormed(text: string, where = ''): void {
  const valid = XMLValidator.validate(text);
  assert.equal(valid, true, `the response is not well-formed XML: ${JSON.stringify(valid)} (${where})`);
  assert.ok(!hasNonXmlChar(text), `the response holds a character XML 1.0 does not allow (${where})`);
  for (const m of text.matchAll(/&#(x[0-9a-fA-F]+|[0-9]+);/g)) {
    const cp = Number.parseInt(
      m[1]?.startsWith('x') ? m[1].slice(1) : (m[1] as string),
      m[1]?.startsWith('x') ? 16 : 10,
    );
    const legal = isXmlChar(cp);
    assert.ok(legal, `the response refers to a character XML 1.0 does not allow: ${m[0]} (${where})`);
  }
}

/** Parses a response into an ordered element tree with resolved namespaces (strict: one root element). */
export function parseXml(text: string): XmlElement {
  assertWellFormed(text);
  type Raw = Record<string, unknown>;
  const build = (raw: Raw, scope: Record<string, string>): XmlElement | string | undefined => {
    if ('#text' in raw) return String(raw['#text']);
    const qname = Object.keys(raw).find((k) => k !== ':@');
    if (qname === undefined || qname.startsWith('?') || qname.startsWith('!')) return undefined;
    const attrs = (raw[':@'] ?? {}) as Record<string, string>;
    const inScope = { ...scope };
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'xmlns') inScope[''] = v;
      else if (k.startsWith('xmlns:')) inScope[k.slice(6)] = v;
    }
    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    const ns = inScope[prefix];
    assert.ok(ns !== undefined || prefix === '', `prefix ${prefix} of <${qname}> is not declared`);
    const el: XmlElement = {
      qname,
      local: qname.slice(colon + 1),
      ns: ns ?? '',
      attrs,
      children: [],
      text: '',
    };
    for (const c of (raw[qname] ?? []) as Raw[]) {
      const built = build(c, inScope);
      if (typeof built === 'string') el.text += built;
      else if (built) el.children.push(built);
    }
    return el;
  };
  const top = (orderedParser.parse(text) as Raw[])
    .map((n) => build(n, { xml: 'http://www.w3.org/XML/1998/namespace' }))
    .filter((n): n is XmlElement => typeof n === 'object');
  assert.equal(top.length, 1, 'exactly one root element');
  return top[0] as XmlElement;
}

export interface FieldErrorXml {
  Kentta: string;
  Koodi: string;
  Viesti: string;
}

export interface ParsedFault {
  faultClass: 'Client' | 'Server';
  code: string;
  faultstring: string;
  detail: {
    Koodi: string;
    Korrelaatiotunnus: string;
    Seuraaja?: string;
    Katkaisuhetki?: string;
    Virheet?: FieldErrorXml[];
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Asserts that a response is a SOAP 1.1 Fault exactly as contract §2 describes it (HTTP 500, text/xml,
 * Envelope/Body/Fault with faultcode, faultstring and a detail holding one VirheTiedot in the
 * endpoint's namespace, its children in the XSD's order) and returns its parts.
 */
export function readFault(res: request.Response, ep: Endpoint, what = ''): ParsedFault {
  const where = `${what} ${ep.path}: ${res.status} ${res.text.slice(0, 600)}`;
  assert.equal(res.status, 500, `a SOAP 1.1 fault is sent with HTTP 500 (${where})`);
  assert.match(String(res.headers['content-type']), /^text\/xml\b/, `text/xml (${where})`);
  assertNoLeak(res.text, where);
  assertWellFormed(res.text, where);
  const env = parseXml(res.text);
  assert.equal(env.local, 'Envelope', where);
  assert.equal(env.ns, SOAP11_NS, where);
  const envChildren = env.children.map((c) => `${c.ns === SOAP11_NS ? '' : '?'}${c.local}`);
  assert.match(envChildren.join(','), /^(Header,)?Body$/, `Envelope holds [Header,] Body (${where})`);
  const body = env.children[env.children.length - 1] as XmlElement;
  assert.equal(body.children.length, 1, `Body holds one Fault (${where})`);
  const fault = body.children[0] as XmlElement;
  assert.equal(fault.local, 'Fault', where);
  assert.equal(fault.ns, SOAP11_NS, where);
  assert.deepEqual(
    fault.children.map((c) => [c.qname, c.ns]),
    [
      ['faultcode', ''],
      ['faultstring', ''],
      ['detail', ''],
    ],
    `faultcode, faultstring, detail, unqualified (${where})`,
  );
  const [faultcode, faultstring, detail] = fault.children as [XmlElement, XmlElement, XmlElement];
  const m = /^([A-Za-z_][\w.-]*):(Client|Server)\.([A-Z_]+)$/.exec(faultcode.text);
  assert.ok(m, `faultcode is soap:Client.<CODE> or soap:Server.<CODE>, got ${faultcode.text} (${where})`);
  const [, prefix, faultClass, code] = m as unknown as [string, string, 'Client' | 'Server', string];
  const scope = { ...env.attrs, ...body.attrs, ...fault.attrs, ...faultcode.attrs };
  assert.equal(scope[`xmlns:${prefix}`], SOAP11_NS, `faultcode prefix ${prefix} is the SOAP 1.1 namespace`);
  assert.ok(faultstring.text.length > 0, `faultstring is readable (${where})`);

  assert.equal(detail.children.length, 1, `detail holds one VirheTiedot (${where})`);
  const virhe = detail.children[0] as XmlElement;
  assert.equal(virhe.local, 'VirheTiedot', where);
  assert.equal(virhe.ns, ep.ns, `VirheTiedot is in the endpoint's namespace (${where})`);
  for (const c of virhe.children) assert.equal(c.ns, ep.ns, `${c.qname} qualified (${where})`);
  const names = virhe.children.map((c) => c.local).join(',');
  assert.match(
    names,
    /^Koodi(,Korrelaatiotunnus)?(,Seuraaja)?(,Katkaisuhetki)?(,Virheet)?$/,
    `VirheTiedot children in the XSD's sequence (${where})`,
  );
  const child = (n: string) => virhe.children.find((c) => c.local === n);
  const parsed: ParsedFault = {
    faultClass,
    code,
    faultstring: faultstring.text,
    detail: {
      Koodi: child('Koodi')?.text ?? '',
      Korrelaatiotunnus: child('Korrelaatiotunnus')?.text ?? '',
    },
  };
  assert.equal(parsed.detail.Koodi, code, `VirheTiedot/Koodi repeats the faultcode's code (${where})`);
  assert.match(parsed.detail.Korrelaatiotunnus, UUID, `Korrelaatiotunnus is a UUID (${where})`);
  const seuraaja = child('Seuraaja');
  if (seuraaja) {
    assert.ok(['rest', 'soap-v2', 'legacy-soap'].includes(seuraaja.text), `Seuraaja ${seuraaja.text}`);
    parsed.detail.Seuraaja = seuraaja.text;
  }
  const katkaisu = child('Katkaisuhetki');
  if (katkaisu) {
    assert.match(katkaisu.text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    parsed.detail.Katkaisuhetki = katkaisu.text;
  }
  const virheet = child('Virheet');
  if (virheet) {
    parsed.detail.Virheet = virheet.children.map((v) => {
      assert.equal(v.local, 'Virhe', where);
      assert.equal(v.ns, ep.ns, where);
      assert.deepEqual(
        v.children.map((c) => [c.local, c.ns]),
        [
          ['Kentta', ep.ns],
          ['Koodi', ep.ns],
          ['Viesti', ep.ns],
        ],
        `Virhe holds Kentta, Koodi, Viesti (${where})`,
      );
      const [k, c, s] = v.children.map((x) => x.text) as [string, string, string];
      assert.ok(k.length > 0 && c.length > 0 && s.length > 0, `Virhe parts are not empty (${where})`);
      assert.match(c, /^[A-Z_]+$/, where);
      return { Kentta: k, Koodi: c, Viesti: s };
    });
  }
  return parsed;
}

/** Reads a fault and checks its class and code. */
export function expectFault(
  res: request.Response,
  ep: Endpoint,
  faultClass: 'Client' | 'Server',
  code: string,
  what = '',
): ParsedFault {
  const fault = readFault(res, ep, what);
  assert.equal(
    `${fault.faultClass}.${fault.code}`,
    `${faultClass}.${code}`,
    `${what} ${ep.path}: ${fault.faultstring}`,
  );
  return fault;
}

/** No stack frames, source or file-system paths, or exception names in what a client sees. */
export function assertNoLeak(text: string, where = ''): void {
  assert.doesNotMatch(text, /^\s*at\s+\S+.*[:(]\d+:\d+\)?\s*$/m, `a stack frame leaked (${where})`);
  assert.doesNotMatch(
    text,
    /\bat\s+[^\s<]*\s*\(?[^\s<]*\.(ts|js|cjs|mjs):\d+/,
    `a stack frame leaked (${where})`,
  );
  assert.doesNotMatch(text, /\.(ts|js|cjs|mjs):\d+/, `a source position leaked (${where})`);
  assert.doesNotMatch(
    text,
    /node_modules|\/work\/|\/home\/|\/root\/|\/tmp\/|file:\/\//,
    `a path leaked (${where})`,
  );
  assert.doesNotMatch(
    text,
    /\b(TypeError|RangeError|ReferenceError|SyntaxError)\b/,
    `an exception (${where})`,
  );
}

// ---------------------------------------------------------------------------
// The canary: nothing may connect to it
// ---------------------------------------------------------------------------

export interface Canary {
  connections: number;
  received: string[];
  close(): Promise<void>;
}

/**
 * A TCP listener on the address the corpus' external URLs point at
 * (`http://127.0.0.1:9/canary/...`). Binding must succeed: a test that cannot
 * watch for fetches must fail, not pass unseen.
 */
export async function startCanary(port = 9): Promise<Canary> {
  const sockets = new Set<Socket>();
  const canary: Canary = {
    connections: 0,
    received: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((socket) => {
    canary.connections++;
    sockets.add(socket);
    socket.on('data', (d) => canary.received.push(d.toString('latin1').slice(0, 200)));
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new Error(`cannot bind the canary on 127.0.0.1:${port}: ${(e as Error).message}`)),
    );
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve());
  });
  // The watcher itself works: a connection of our own is seen, then forgotten.
  await new Promise<void>((resolve, reject) => {
    const probe = connect(port, '127.0.0.1', () => {
      probe.end();
      resolve();
    });
    probe.on('error', reject);
  });
  for (let i = 0; i < 50 && canary.connections === 0; i++) await settle(10);
  assert.equal(canary.connections, 1, 'the canary sees connections');
  canary.connections = 0;
  canary.received.length = 0;
  return canary;
}

/** Lets any late, asynchronous fetch reach the canary before it is checked. */
export const settle = (ms = 50) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------

/** A full garbage collection: `global.gc` when exposed, else V8's own after enabling it; undefined if neither. */
export function garbageCollector(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** Heap in use after collecting (or after a short settle when no collector is available). */
export async function heapUsedAfterGc(gc: (() => void) | undefined): Promise<number> {
  for (let i = 0; i < 3; i++) {
    if (gc) gc();
    await settle(gc ? 10 : 200);
  }
  return process.memoryUsage().heapUsed;
}

// ---------------------------------------------------------------------------
// Classic attack payloads
// ---------------------------------------------------------------------------

/** The classic "billion laughs": ten levels of ten-fold entity expansion (about 3 GB). */
export function billionLaughsDoctype(root = 'soap:Envelope'): string {
  let dtd = '<!ENTITY lol "lol">\n<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n';
  for (let i = 2; i <= 9; i++) {
    const prev = `&lol${i - 1};`;
    dtd += `<!ENTITY lol${i} "${prev.repeat(10)}">\n`;
  }
  return `<?xml version="1.0"?>\n<!DOCTYPE ${root} [\n${dtd}]>\n`;
}
