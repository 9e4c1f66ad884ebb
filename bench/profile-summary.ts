import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';

/**
 * Where a V8 CPU profile (`node --cpu-prof`) spends its time: self time by
 * the source file each sampled function came from (read through the bundle's
 * source map, so `dist/main.js` is told apart into src/… and node_modules/…),
 * grouped into the areas a reader asks about, and the functions that take
 * most. `npx tsx bench/profile-summary.ts FILE.cpuprofile`, or from replay.ts.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by area, largest first, in ms and as a share of the profile. */
  areas: { area: string; ms: number; share: number }[];
  /** The functions with the most self time. */
  functions: { name: string; source: string; ms: number; share: number }[];
}

/** Areas by the original source path, first match wins. */
const AREAS: [RegExp, string][] = [
  [/^\(idle\)$/, 'idle (waiting for I/O: the database, the network)'],
  [/^\(garbage collector\)$/, 'garbage collection'],
  [/^\(program\)$/, 'V8 and Node internals (compiling, native code)'],
  [/node_modules\/pg(-protocol|-pool|-types)?\//, 'pg: the PostgreSQL driver (protocol, parsing rows)'],
  [/^wasm:\/\//, 'PGlite: PostgreSQL itself (WebAssembly)'],
  [/node_modules\/@electric-sql\/pglite\//, 'PGlite: its JavaScript (protocol, parsing rows)'],
  [/node_modules\/ajv\//, 'ajv: schema validation'],
  [
    /node_modules\/(express|router|body-parser|raw-body|iconv-lite|finalhandler|on-finished|send|type-is|content-type|mime-types|qs|accepts|negotiator)\//,
    'express and its body parsing',
  ],
  [/node_modules\/(pino|sonic-boom|thread-stream|fast-redact|quick-format-unescaped)/, 'pino: logging'],
  [/node_modules\/prom-client\//, 'prom-client: metrics'],
  [/node_modules\//, 'other packages'],
  [/src\/core\/notifications\/(birth|death|values|rules|field-errors)/, 'core: validating notifications'],
  [/src\/core\/notifications\/fingerprint/, 'core: fingerprints (idempotency)'],
  [
    /src\/core\/notifications\/(registration|code-allocation)|src\/core\/hetu/,
    'core: the register’s rules and codes',
  ],
  [/src\/core\/time\//, 'core: Helsinki time'],
  [/src\/core\//, 'core: other'],
  [/src\/pipeline\//, 'pipeline'],
  [/src\/channels\/batch\//, 'batch channel: items and results'],
  [/src\/channels\//, 'other channels (REST rendering)'],
  [/src\/infra\/pg\//, 'infra: SQL and the store adapters'],
  [/src\/(http|infra)\//, 'http kit and infra'],
  [/^node:|^internal\/|^native /, 'Node built-ins (JSON, crypto, streams, sockets)'],
];

function areaOf(source: string): string {
  for (const [pattern, area] of AREAS) if (pattern.test(source)) return area;
  return 'other';
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const maps = new Map<string, SourceMap | null>();
  const mapFor = (url: string): SourceMap | null => {
    if (maps.has(url)) return maps.get(url) ?? null;
    let map: SourceMap | null = null;
    const path = url.startsWith('file://') ? new URL(url).pathname : url;
    if (path.endsWith('.js') && existsSync(`${path}.map`)) {
      map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
    }
    maps.set(url, map);
    return map;
  };
  const sourceOf = (node: ProfileNode): string => {
    const { url, lineNumber, columnNumber, functionName } = node.callFrame;
    if (!url) return functionName.startsWith('(') ? functionName : `native ${functionName}`;
    const map = mapFor(url);
    const entry = map?.findEntry(lineNumber, columnNumber) as { originalSource?: string } | undefined;
    const original = entry?.originalSource;
    return (original ?? url).replace(/^.*?\/(node_modules\/|src\/)/, '$1');
  };

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const areas = new Map<string, number>();
  const functions = new Map<string, { name: string; source: string; ms: number }>();
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const source = sourceOf(node);
    const area = areaOf(source || node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const name = node.callFrame.functionName || '(anonymous)';
    const key = `${name}\n${source}`;
    const f = functions.get(key) ?? { name, source, ms: 0 };
    f.ms += ms;
    functions.set(key, f);
  }
  const share = (ms: number) => Math.round((ms / totalMs) * 1000) / 10;
  return {
    totalMs: Math.round(totalMs),
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([area, ms]) => ({ area, ms: Math.round(ms), share: share(ms) })),
    functions: [...functions.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => ({ ...f, ms: Math.round(f.ms), share: share(f.ms) })),
  };
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: tsx bench/profile-summary.ts FILE.cpuprofile');
  const s = summarizeProfile(file, Number(process.argv[3] ?? 25));
  process.stdout.write(`profile: ${s.totalMs} ms\n\n`);
  for (const a of s.areas) process.stdout.write(`${String(a.share).padStart(5)} %  ${a.area}\n`);
  process.stdout.write('\n');
  for (const f of s.functions)
    process.stdout.write(`${String(f.share).padStart(5)} %  ${f.name}  ${f.source}\n`);
}
