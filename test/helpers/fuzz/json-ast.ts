import fc from 'fast-check';
import { edgeNumber, hostileString } from './strings';

/**
 * JSON as text is built from, so that a mutation can say what JavaScript
 * objects cannot: duplicate keys, `__proto__` as a plain key, number
 * literals as written (1e309, -0, 400 digits).
 */
export type JsonNode =
  | { t: 'obj'; entries: [string, JsonNode][] }
  | { t: 'arr'; items: JsonNode[] }
  | { t: 'str'; v: string }
  /** A literal as written: a number, true, false or null. */
  | { t: 'lit'; v: string }
  /** `inner` inside `depth` arrays (`[[…]]`) or objects (`{"n":{"n":…}}`), written without recursion. */
  | { t: 'nest'; depth: number; wrap: 'arr' | 'obj'; inner: JsonNode };

export function toNode(value: unknown): JsonNode {
  if (typeof value === 'string') return { t: 'str', v: value };
  if (Array.isArray(value)) return { t: 'arr', items: value.map(toNode) };
  if (value !== null && typeof value === 'object')
    return { t: 'obj', entries: Object.entries(value).map(([k, v]) => [k, toNode(v)]) };
  return { t: 'lit', v: JSON.stringify(value) };
}

/** The JSON text (JSON.stringify writes a lone surrogate as its \u escape). */
export function render(node: JsonNode): string {
  switch (node.t) {
    case 'str':
      return JSON.stringify(node.v);
    case 'lit':
      return node.v;
    case 'nest':
      return node.wrap === 'arr'
        ? `${'['.repeat(node.depth)}${render(node.inner)}${']'.repeat(node.depth)}`
        : `${'{"n":'.repeat(node.depth)}${render(node.inner)}${'}'.repeat(node.depth)}`;
    case 'arr':
      return `[${node.items.map(render).join(',')}]`;
    case 'obj':
      return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${render(v)}`).join(',')}}`;
  }
}

const clone = (n: JsonNode): JsonNode => structuredClone(n);

/** Every node, in document order, with a way to replace or remove it. */
interface Slot {
  node: JsonNode;
  replace(n: JsonNode): void;
  remove(): void;
}
function slots(root: { node: JsonNode }): Slot[] {
  const out: Slot[] = [];
  const walk = (node: JsonNode, replace: (n: JsonNode) => void, remove: () => void) => {
    out.push({ node, replace, remove });
    if (node.t === 'obj') {
      for (const [i, entry] of node.entries.entries()) {
        const replace = (n: JsonNode) => {
          entry[1] = n;
        };
        walk(entry[1], replace, () => void node.entries.splice(i, 1));
      }
    } else if (node.t === 'arr') {
      for (const [i, item] of node.items.entries()) {
        const replace = (n: JsonNode) => {
          node.items[i] = n;
        };
        walk(item, replace, () => void node.items.splice(i, 1));
      }
    }
  };
  walk(
    root.node,
    (n) => {
      root.node = n;
    },
    () => {
      root.node = { t: 'lit', v: 'null' };
    },
  );
  return out;
}

export const POLLUTING_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isAdmin',
];

/** A small JSON value of any shape: what a retyped field becomes. */
export const anyJson: fc.Arbitrary<JsonNode> = fc.letrec<{ node: JsonNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString.map((v): JsonNode => ({ t: 'str', v })),
    edgeNumber.map((v): JsonNode => ({ t: 'lit', v })),
    fc.constantFrom('true', 'false', 'null').map((v): JsonNode => ({ t: 'lit', v })),
    fc.array(tie('node'), { maxLength: 3 }).map((items): JsonNode => ({ t: 'arr', items })),
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...POLLUTING_KEYS), hostileString), tie('node')), {
        maxLength: 3,
      })
      .map((entries): JsonNode => ({ t: 'obj', entries })),
  ),
})).node;

export type JsonMutation =
  | { kind: 'remove'; at: number }
  | { kind: 'retype'; at: number; value: JsonNode }
  | { kind: 'nest'; at: number; depth: number; wrap: 'arr' | 'obj' }
  | { kind: 'huge'; at: number; size: number; as: 'str' | 'arr' | 'obj' }
  | { kind: 'text'; at: number; v: string }
  | { kind: 'number'; at: number; v: string }
  | { kind: 'key'; at: number; key: string; value: JsonNode }
  | { kind: 'duplicate'; at: number; value: JsonNode | null };

const at = fc.nat();
export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  fc.record({ kind: fc.constant('remove' as const), at }),
  fc.record({ kind: fc.constant('retype' as const), at, value: anyJson }),
  fc.record({
    kind: fc.constant('nest' as const),
    at,
    depth: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(1_000, 20_000)),
    wrap: fc.constantFrom('arr' as const, 'obj' as const),
  }),
  fc.record({
    kind: fc.constant('huge' as const),
    at,
    size: fc.constantFrom(1_000, 100_000, 400_000, 1_100_000),
    as: fc.constantFrom('str' as const, 'arr' as const, 'obj' as const),
  }),
  fc.record({ kind: fc.constant('text' as const), at, v: hostileString }),
  fc.record({ kind: fc.constant('number' as const), at, v: edgeNumber }),
  fc.record({
    kind: fc.constant('key' as const),
    at,
    key: fc.oneof(fc.constantFrom(...POLLUTING_KEYS), hostileString),
    value: anyJson,
  }),
  fc.record({ kind: fc.constant('duplicate' as const), at, value: fc.option(anyJson) }),
);

function huge(size: number, as: 'str' | 'arr' | 'obj'): JsonNode {
  if (as === 'str') return { t: 'str', v: 'x'.repeat(size) };
  const n = Math.ceil(size / 8);
  if (as === 'arr') return { t: 'arr', items: Array.from({ length: n }, () => ({ t: 'lit', v: '1' })) };
  return {
    t: 'obj',
    entries: Array.from({ length: n }, (_, i): [string, JsonNode] => [`k${i}`, { t: 'lit', v: '1' }]),
  };
}

/** Applies the mutations in order to a copy of `base`; each picks its target by index among the fitting nodes. */
export function mutate(base: JsonNode, mutations: readonly JsonMutation[]): JsonNode {
  const root = { node: clone(base) };
  for (const m of mutations) {
    const all = slots(root);
    const pick = (fits: (s: Slot) => boolean) => {
      const candidates = all.filter(fits);
      return candidates.length > 0 ? candidates[m.at % candidates.length] : undefined;
    };
    switch (m.kind) {
      case 'remove':
        pick((s) => s.node !== root.node)?.remove();
        break;
      case 'retype':
        pick(() => true)?.replace(clone(m.value));
        break;
      case 'nest': {
        const s = pick(() => true);
        s?.replace({ t: 'nest', depth: m.depth, wrap: m.wrap, inner: s.node });
        break;
      }
      case 'huge':
        pick(() => true)?.replace(huge(m.size, m.as));
        break;
      case 'text':
        pick((s) => s.node.t === 'str')?.replace({ t: 'str', v: m.v });
        break;
      case 'number':
        pick((s) => s.node.t === 'lit' || s.node.t === 'str')?.replace({ t: 'lit', v: m.v });
        break;
      case 'key': {
        const s = pick((x) => x.node.t === 'obj');
        if (s?.node.t === 'obj') s.node.entries.push([m.key, clone(m.value)]);
        break;
      }
      case 'duplicate': {
        const s = pick((x) => x.node.t === 'obj' && x.node.entries.length > 0);
        if (s?.node.t !== 'obj') break;
        const entry = s.node.entries[m.at % s.node.entries.length] as [string, JsonNode];
        // The copy before or after the original: which one a parser keeps decides what it sees.
        const copy: [string, JsonNode] = [entry[0], clone(m.value ?? entry[1])];
        if (m.at % 2 === 0) s.node.entries.push(copy);
        else s.node.entries.unshift(copy);
        break;
      }
    }
  }
  return root.node;
}
