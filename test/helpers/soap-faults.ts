import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type request from 'supertest';
import { SOAP11_NS } from './soap-envelope';
import type { Endpoint } from './soap-hostile';

/** A strict reader of SOAP answers: well-formed XML 1.0, and faults exactly as contract §2 describes them. */
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
