import fc from 'fast-check';
import { escapeXml, SOAP11_NS, SOAP12_NS, XROAD_ID_NS, XROAD_NS } from '../soap-envelope';
import { hostileString } from './strings';

/**
 * A SOAP envelope as a tree, so that mutations can work on its structure:
 * drop, duplicate or reorder elements, swap namespaces, add attributes,
 * comments, processing instructions, CDATA, entity references, huge text,
 * and change the prolog.
 */
export type XmlNode =
  | { t: 'el'; name: string; attrs: [string, string][]; kids: XmlNode[] }
  /** Text, escaped when written. */
  | { t: 'text'; v: string }
  /** Markup written as it is (entity references, broken fragments). */
  | { t: 'raw'; v: string }
  | { t: 'cdata'; v: string }
  | { t: 'comment'; v: string }
  | { t: 'pi'; target: string; v: string };

export interface XmlDocument {
  prolog: string;
  root: XmlNode;
}

const el = (name: string, kids: XmlNode[] = [], attrs: [string, string][] = []): XmlNode => ({
  t: 'el',
  name,
  attrs,
  kids,
});
const leaf = (name: string, v: string): XmlNode => el(name, [{ t: 'text', v }]);

/** Element path → text (e.g. `Lapsi/SyntymaAika`), as test/helpers/soap-hostile.ts writes bodies. */
export function bodyElement(operation: string, fields: Record<string, string>): XmlNode {
  const top: XmlNode[] = [];
  const groups = new Map<string, XmlNode>();
  for (const [path, v] of Object.entries(fields)) {
    const [head, tail] = path.split('/') as [string, string | undefined];
    if (tail === undefined) {
      top.push(leaf(`ns:${head}`, v));
      continue;
    }
    let group = groups.get(head);
    if (!group) {
      group = el(`ns:${head}`);
      groups.set(head, group);
      top.push(group);
    }
    if (group.t === 'el') group.kids.push(leaf(`ns:${tail}`, v));
  }
  return el(`ns:${operation}`, top);
}

/** The X-Road 4.0 header elements of a client, each part as given. */
export function xRoadHeader(
  parts: readonly [string, string, string, string],
  o: { id?: string; userId?: string },
): XmlNode[] {
  const names = ['xRoadInstance', 'memberClass', 'memberCode', 'subsystemCode'];
  return [
    el(
      'xrd:client',
      parts.map((p, i) => leaf(`id:${names[i]}`, p)),
      [['id:objectType', 'SUBSYSTEM']],
    ),
    leaf('xrd:id', o.id ?? '6c1f6a3e-2d5b-4f7a-9c0e-1b2d3e4f5a6b'),
    ...(o.userId === undefined ? [] : [leaf('xrd:userId', o.userId)]),
    leaf('xrd:protocolVersion', '4.0'),
  ];
}

export function envelopeDocument(ns: string, header: XmlNode[], body: XmlNode): XmlDocument {
  return {
    prolog: '<?xml version="1.0" encoding="UTF-8"?>\n',
    root: el(
      'soap:Envelope',
      [el('soap:Header', header), el('soap:Body', [body])],
      [
        ['xmlns:soap', SOAP11_NS],
        ['xmlns:xrd', XROAD_NS],
        ['xmlns:id', XROAD_ID_NS],
        ['xmlns:ns', ns],
      ],
    ),
  };
}

export function renderNode(n: XmlNode): string {
  switch (n.t) {
    case 'text':
      return escapeXml(n.v);
    case 'raw':
      return n.v;
    case 'cdata':
      return `<![CDATA[${n.v}]]>`;
    case 'comment':
      return `<!--${n.v}-->`;
    case 'pi':
      return `<?${n.target}${n.v ? ` ${n.v}` : ''}?>`;
    case 'el': {
      const attrs = n.attrs.map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
      return `<${n.name}${attrs}>${n.kids.map(renderNode).join('')}</${n.name}>`;
    }
  }
}

export const renderDocument = (d: XmlDocument): string => d.prolog + renderNode(d.root);

/** The content of the envelope's Header as written, when it has exactly one soap:Header. */
export function headerContent(d: XmlDocument): string | undefined {
  if (d.root.t !== 'el') return undefined;
  const headers = d.root.kids.filter((k) => k.t === 'el' && k.name === 'soap:Header');
  const h = headers[0];
  return headers.length === 1 && h?.t === 'el' ? h.kids.map(renderNode).join('') : undefined;
}

export const PROLOGS = [
  '<?xml version="1.0" encoding="UTF-8"?>\n',
  '',
  '\ufeff<?xml version="1.0" encoding="UTF-8"?>',
  '<?xml version="1.0" encoding="utf-16"?>',
  '<?xml version="1.0" encoding="ISO-8859-1"?>',
  '<?xml version="1.0" encoding="EBCDIC-US"?>',
  '<?xml version="1.1"?>',
  '<?xml version="2.0"?>',
  '<?xml version="1.0" standalone="yes"?>',
  '<?xml encoding="UTF-8"?>',
  ' <?xml version="1.0"?>',
  '<!-- before -->\n',
  '<?xml-stylesheet href="x.xsl"?>',
  '<!DOCTYPE soap:Envelope>',
  '<!DOCTYPE x [<!ENTITY e "e">]>',
];
const NAMESPACES = [
  SOAP11_NS,
  SOAP12_NS,
  XROAD_NS,
  XROAD_ID_NS,
  'urn:fi:vtj:ilmoitus:v2',
  'urn:fi:vtj:ilmoitus:legacy',
  '',
  'urn:x',
];
const PREFIXES = ['soap', 'xrd', 'id', 'ns', 'x', ''];
const ATTRIBUTES = [
  'id:objectType',
  'xml:lang',
  'xml:space',
  'soap:mustUnderstand',
  'soap:encodingStyle',
  'soap:actor',
  'xmlns:foo',
  'xmlns',
  'xsi:nil',
  'a',
  'xmlns:xml',
];
const ENTITY_REFS = [
  '&amp;',
  '&lt;',
  '&#65;',
  '&#x1F600;',
  '&#0;',
  '&#xFFFE;',
  '&#x110000;',
  '&foo;',
  '&',
  '&#;',
  '&#x;',
  '&#9;',
  '&#xD800;',
];

export type XmlMutation =
  | { kind: 'drop'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'reorder'; at: number; swap: number }
  | { kind: 'prefix'; at: number; prefix: string }
  | { kind: 'namespace'; at: number; prefix: string; uri: string }
  | { kind: 'attribute'; at: number; name: string; value: string }
  | { kind: 'cdata'; at: number }
  | { kind: 'comment'; at: number; v: string }
  | { kind: 'pi'; at: number; target: string; v: string }
  | { kind: 'entity'; at: number; ref: string }
  | { kind: 'text'; at: number; v: string }
  | { kind: 'huge'; at: number; size: number }
  | { kind: 'deep'; at: number; depth: number }
  | { kind: 'many'; at: number; count: number }
  | { kind: 'prolog'; prolog: string };

const at = fc.nat();
export const xmlMutation: fc.Arbitrary<XmlMutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at }),
  fc.record({ kind: fc.constant('duplicate' as const), at }),
  fc.record({ kind: fc.constant('reorder' as const), at, swap: fc.nat() }),
  fc.record({ kind: fc.constant('prefix' as const), at, prefix: fc.constantFrom(...PREFIXES) }),
  fc.record({
    kind: fc.constant('namespace' as const),
    at,
    prefix: fc.constantFrom(...PREFIXES),
    uri: fc.constantFrom(...NAMESPACES),
  }),
  fc.record({
    kind: fc.constant('attribute' as const),
    at,
    name: fc.constantFrom(...ATTRIBUTES),
    value: hostileString,
  }),
  fc.record({ kind: fc.constant('cdata' as const), at }),
  fc.record({
    kind: fc.constant('comment' as const),
    at,
    v: fc.oneof(hostileString, fc.constantFrom(' -- ', '-', '<!-- nested -->')),
  }),
  fc.record({
    kind: fc.constant('pi' as const),
    at,
    target: fc.constantFrom('foo', 'xml-stylesheet', 'xml', 'XmL', 'php'),
    // No quotes: the tests' reader of the answers (fast-xml-parser) reads a quote in an echoed PI as
    // the start of an attribute value, though XML allows it there.
    v: fc.oneof(hostileString, fc.constant('?>')).map((v) => v.replace(/['"]/g, '')),
  }),
  fc.record({ kind: fc.constant('entity' as const), at, ref: fc.constantFrom(...ENTITY_REFS) }),
  fc.record({ kind: fc.constant('text' as const), at, v: hostileString }),
  fc.record({ kind: fc.constant('huge' as const), at, size: fc.constantFrom(10_000, 300_000, 1_100_000) }),
  fc.record({ kind: fc.constant('deep' as const), at, depth: fc.constantFrom(2, 20, 40, 500) }),
  fc.record({ kind: fc.constant('many' as const), at, count: fc.constantFrom(10, 1_000, 6_000) }),
  fc.record({ kind: fc.constant('prolog' as const), prolog: fc.constantFrom(...PROLOGS) }),
);

interface Place {
  node: XmlNode;
  parent: XmlNode & { t: 'el' };
  index: number;
}
function places(root: XmlNode): Place[] {
  const out: Place[] = [];
  const walk = (n: XmlNode) => {
    if (n.t !== 'el') return;
    n.kids.forEach((k, index) => {
      out.push({ node: k, parent: n, index });
      walk(k);
    });
  };
  walk(root);
  return out;
}
const elements = (root: XmlNode): (XmlNode & { t: 'el' })[] => [
  ...(root.t === 'el' ? [root] : []),
  ...places(root)
    .map((p) => p.node)
    .filter((n): n is XmlNode & { t: 'el' } => n.t === 'el'),
];
const rename = (name: string, prefix: string) => {
  const local = name.slice(name.indexOf(':') + 1);
  return prefix ? `${prefix}:${local}` : local;
};

/** Applies the mutations in order to a copy of `doc`; each picks its target by index among the fitting nodes. */
export function mutateXml(doc: XmlDocument, mutations: readonly XmlMutation[]): XmlDocument {
  const d: XmlDocument = structuredClone(doc);
  for (const m of mutations) {
    if (m.kind === 'prolog') {
      d.prolog = m.prolog;
      continue;
    }
    const ps = places(d.root);
    const els = elements(d.root);
    const pickPlace = (fits: (p: Place) => boolean) => {
      const c = ps.filter(fits);
      return c.length > 0 ? c[m.at % c.length] : undefined;
    };
    const pickEl = () => els[m.at % els.length] as XmlNode & { t: 'el' };
    switch (m.kind) {
      case 'drop': {
        const p = pickPlace((x) => x.node.t === 'el');
        p?.parent.kids.splice(p.index, 1);
        break;
      }
      case 'duplicate': {
        const p = pickPlace((x) => x.node.t === 'el');
        p?.parent.kids.splice(p.index, 0, structuredClone(p.node));
        break;
      }
      case 'reorder': {
        const e = pickEl();
        if (e.kids.length < 2) break;
        const i = m.swap % e.kids.length;
        const j = (i + 1) % e.kids.length;
        [e.kids[i], e.kids[j]] = [e.kids[j] as XmlNode, e.kids[i] as XmlNode];
        break;
      }
      case 'prefix': {
        const e = pickEl();
        e.name = rename(e.name, m.prefix);
        break;
      }
      case 'namespace': {
        const e = pickEl();
        const attr = m.prefix ? `xmlns:${m.prefix}` : 'xmlns';
        e.attrs = [...e.attrs.filter(([k]) => k !== attr), [attr, m.uri]];
        break;
      }
      case 'attribute':
        pickEl().attrs.push([m.name, m.value]);
        break;
      case 'cdata': {
        const p = pickPlace((x) => x.node.t === 'text');
        if (p && p.node.t === 'text')
          p.parent.kids[p.index] = { t: 'cdata', v: p.node.v.replaceAll(']]>', ']]]]><![CDATA[>') };
        break;
      }
      case 'comment': {
        const e = pickEl();
        e.kids.splice(m.at % (e.kids.length + 1), 0, { t: 'comment', v: m.v });
        break;
      }
      case 'pi': {
        const e = pickEl();
        e.kids.splice(m.at % (e.kids.length + 1), 0, { t: 'pi', target: m.target, v: m.v });
        break;
      }
      case 'entity': {
        const e = pickEl();
        e.kids.splice(m.at % (e.kids.length + 1), 0, { t: 'raw', v: m.ref });
        break;
      }
      case 'text': {
        const p = pickPlace((x) => x.node.t === 'text');
        if (p) p.parent.kids[p.index] = { t: 'text', v: m.v };
        break;
      }
      case 'huge': {
        const p = pickPlace((x) => x.node.t === 'text');
        if (p) p.parent.kids[p.index] = { t: 'text', v: 'x'.repeat(m.size) };
        break;
      }
      case 'deep': {
        const e = pickEl();
        let kids = e.kids;
        for (let i = 0; i < m.depth; i++) kids = [el('ns:x', kids)];
        e.kids = kids;
        break;
      }
      case 'many': {
        const e = pickEl();
        e.kids.push(...Array.from({ length: m.count }, () => el('ns:y')));
        break;
      }
    }
  }
  return d;
}
