import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

/**
 * Reading SOAP responses in tests, independently of the gateway's own parser:
 * a small tag scanner that tracks namespace declarations (to cut one element
 * out as a standalone document, e.g. for XSD validation), and a plain reader
 * that turns an envelope into objects with the prefixes dropped.
 */

interface Found {
  /** The element as a standalone document: every declaration in scope added to its start tag. */
  standalone: string;
  /** The element exactly as it appears in the message. */
  raw: string;
  namespace: string | undefined;
  localName: string;
  /** Where the element starts in the message. */
  offset: number;
}

type Scope = Record<string, string>;
const TOKEN =
  /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<(\/?)([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const ATTR = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function declarationsOf(attrs: string): Scope {
  const out: Scope = {};
  for (const m of attrs.matchAll(ATTR)) {
    const name = m[1] ?? '';
    const value = m[2] ?? m[3] ?? '';
    if (name === 'xmlns') out[''] = value;
    else if (name.startsWith('xmlns:')) out[name.slice(6)] = value;
  }
  return out;
}

const split = (qname: string): [string, string] => {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
};

/**
 * Every element matching `match(namespace, localName, ancestors)`, outermost first,
 * cut out of `xml` with the namespace declarations in scope made explicit.
 */
export function findElements(
  xml: string,
  match: (namespace: string | undefined, localName: string, ancestors: readonly string[]) => boolean,
): Found[] {
  const found: Found[] = [];
  const stack: { qname: string; scope: Scope; local: string; ns: string | undefined }[] = [];
  const open: { start: number; depth: number; tag: string; attrs: string; scope: Scope; qname: string }[] =
    [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(xml); m !== null; m = TOKEN.exec(xml)) {
    const qname = m[2];
    if (!qname) continue;
    if (m[1] === '/') {
      const top = stack.pop();
      assert.equal(top?.qname, qname, `mismatched end tag </${qname}>`);
      const pending = open.at(-1);
      if (pending && pending.depth === stack.length) {
        open.pop();
        found.push(cut(xml, pending, m.index + m[0].length));
      }
      continue;
    }
    const attrs = m[3] ?? '';
    const own = declarationsOf(attrs);
    const scope = { ...(stack.at(-1)?.scope ?? {}), ...own };
    const [prefix, local] = split(qname);
    const ns = scope[prefix];
    const ancestors = stack.map((s) => s.local);
    const selfClosing = m[4] === '/';
    if (match(ns, local, ancestors)) {
      const entry = { start: m.index, depth: stack.length, tag: m[0], attrs, scope, qname };
      if (selfClosing) found.push(cut(xml, entry, m.index + m[0].length));
      else open.push(entry);
    }
    if (!selfClosing) stack.push({ qname, scope, local, ns });
  }
  assert.equal(stack.length, 0, 'unclosed elements');
  return found.sort((a, b) => a.offset - b.offset);
}

function cut(
  xml: string,
  e: { start: number; tag: string; attrs: string; scope: Scope; qname: string },
  end: number,
): Found {
  const raw = xml.slice(e.start, end);
  const own = declarationsOf(e.attrs);
  const added = Object.entries(e.scope)
    .filter(([p]) => !(p in own))
    .map(([p, uri]) => ` xmlns${p ? `:${p}` : ''}="${uri.replace(/"/g, '&quot;')}"`)
    .join('');
  const head = `<${e.qname}${added}`;
  const standalone = `<?xml version="1.0" encoding="UTF-8"?>\n${head}${raw.slice(e.qname.length + 1)}`;
  const [prefix, localName] = split(e.qname);
  return { standalone, raw, namespace: e.scope[prefix], localName, offset: e.start };
}

/**
 * The payload a SOAP response carries: the Body's one child, or for a Fault the
 * one child of its detail (VirheTiedot).
 */
export function payloadOf(xml: string): Found {
  const bodyChildren = findElements(
    xml,
    (_ns, _local, anc) => anc.length === 2 && anc[0] === 'Envelope' && anc[1] === 'Body',
  );
  assert.equal(bodyChildren.length, 1, `the Body must have exactly one child:\n${xml.slice(0, 2000)}`);
  const child = bodyChildren[0] as Found;
  if (child.namespace === SOAP_ENV_NS && child.localName === 'Fault') {
    const details = findElements(
      xml,
      (_ns, _local, anc) => anc.length === 4 && anc[2] === 'Fault' && anc[3] === 'detail',
    );
    assert.equal(details.length, 1, 'a Fault detail must hold exactly one element');
    return details[0] as Found;
  }
  return child;
}

/** The Header element's content exactly as it appears in the message ('' without a Header). */
export function headerContent(xml: string): string {
  const open = /<([\w.-]+:)?Header\b[^>]*?(\/?)>/.exec(xml);
  if (!open || open[2] === '/') return '';
  const start = open.index + open[0].length;
  const end = xml.indexOf(`</${open[1] ?? ''}Header>`, start);
  assert.ok(end > 0, 'the Header is not closed');
  return xml.slice(start, end);
}

// biome-ignore lint/suspicious/noExplicitAny: tests read SOAP payloads loosely, as supertest's res.body does for JSON
export type Xml = Record<string, any>;

const reader = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'Virhe',
});

export interface SoapReply {
  /** The Body's child (prefixes dropped), e.g. { SyntymaIlmoitusResponse: { Tila: 'REKISTEROITY', … } }. */
  body: Xml;
  fault?: { faultcode: string; faultstring: string; detail: Xml };
}

/** A SOAP response envelope as plain objects. */
export function readSoap(xml: string): SoapReply {
  const doc = reader.parse(xml) as Xml;
  const body = doc.Envelope?.Body as Xml | undefined;
  assert.ok(body, `not a SOAP envelope:\n${xml.slice(0, 2000)}`);
  const f = body.Fault as Xml | undefined;
  if (!f) return { body };
  return {
    body,
    fault: { faultcode: f.faultcode, faultstring: f.faultstring, detail: f.detail?.VirheTiedot ?? {} },
  };
}

/** The field errors of a fault, or of a rejection, as `Kentta Koodi` strings in order. */
export const fieldErrors = (virheet: Xml | undefined): string[] =>
  ((virheet?.Virhe ?? []) as Xml[]).map((v) => `${v.Kentta} ${v.Koodi}`);
