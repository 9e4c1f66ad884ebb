import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { buildSync } from 'esbuild';

/**
 * The layering, as data, and the check that keeps it: esbuild resolves every
 * import of every file in src/ (it reads TypeScript, which tsc 7 no longer
 * offers a JavaScript API for), and each import must be one its layer may
 * make. From the bottom up:
 *
 *   core      the domain: imports nothing of ours, no package at all
 *   pipeline  the one request flow, over the core
 *   infra     databases, logger, clock, breaker: the core's ports implemented
 *   http      the kit the channels and the operator API build with
 *   channels  one folder per channel codec (rest, soap, translate, batch); a channel may use the
 *             pipeline and the kit, never another channel — but translate reads SOAP, and
 *             batch (the REST interface's batch form) answers each item as REST does
 *   ops       the operator API and page
 *   register-service  the reference register service (openapi/register.yaml): a composition of its own
 *   cli       the command line: a composition root of its own (it builds the services); of the
 *             channels only translate (the replay sends SOAP envelopes as the REST items they mean)
 *   root      src/*.ts: settings and the composition (app, services, gateway, main)
 */
const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

type Layer =
  | 'core'
  | 'pipeline'
  | 'infra'
  | 'http'
  | 'channels'
  | 'ops'
  | 'register-service'
  | 'cli'
  | 'demo'
  | 'root';
const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  core: ['core'],
  pipeline: ['pipeline', 'core'],
  infra: ['infra', 'core', 'root'],
  http: ['http', 'pipeline', 'core', 'root'],
  channels: ['channels', 'http', 'pipeline', 'core'],
  ops: ['ops', 'http', 'core'],
  'register-service': ['register-service', 'http', 'infra', 'core', 'root'],
  cli: ['cli', 'channels', 'ops', 'register-service', 'infra', 'core', 'root'],
  demo: ['demo', 'core'],
  root: ['root', 'core', 'pipeline', 'infra', 'http', 'channels', 'ops', 'demo'],
};
/** Imports of the root (src/*.ts) a lower layer may make: the settings' types, nothing that composes. */
const ROOT_FILES_BELOW = ['config.ts'];
/** Packages per layer (node: built-ins are free): the core and the pipeline use none. */
const PACKAGES_OF: Partial<Record<Layer, (name: string) => boolean>> = {
  core: () => false,
  pipeline: () => false,
  channels: (p) => ['express', 'saxes'].includes(p),
};
/** Channels that may read another channel's codec: the translate route reads SOAP envelopes. */
/** The channels the CLI may read: the SOAP→REST translation, for `replay` of a folder of envelopes. */
const CLI_CHANNELS: readonly string[] = ['translate'];
const CHANNEL_USES: Readonly<Record<string, readonly string[]>> = {
  translate: ['soap'],
  batch: ['rest'],
};

function layerOf(file: string): { layer: Layer; channel?: string } {
  const parts = relative(SRC, file).split(sep);
  if (parts.length === 1) return { layer: 'root' };
  const [top, sub] = parts as [string, string];
  if (top === 'channels') return { layer: 'channels', channel: sub };
  return { layer: top as Layer };
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('layering: which folder of src/ may import which', () => {
  const { metafile } = buildSync({
    absWorkingDir: ROOT,
    entryPoints: sources(SRC),
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    outdir: join(ROOT, 'dist', 'layers-check'),
    logLevel: 'silent',
  });

  it('finds every source file and its imports', () => {
    assert.ok(Object.keys(metafile.inputs).length >= sources(SRC).length);
  });

  it('has no import a layer may not make', () => {
    const wrong: string[] = [];
    for (const [input, { imports }] of Object.entries(metafile.inputs)) {
      if (!input.startsWith('src/')) continue;
      const from = layerOf(join(ROOT, input));
      for (const imp of imports) {
        if (imp.external) {
          const name = imp.path.startsWith('@')
            ? imp.path.split('/').slice(0, 2).join('/')
            : imp.path.split('/')[0];
          const allowed = PACKAGES_OF[from.layer];
          if (!imp.path.startsWith('node:') && allowed && !allowed(name as string)) {
            wrong.push(`${input} → package ${imp.path}`);
          }
          continue;
        }
        if (!imp.path.startsWith('src/')) continue;
        if (!allowedEdge(from, join(ROOT, imp.path))) wrong.push(`${input} → ${imp.path}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  // esbuild drops imports that only bring types; the layering holds for them too.
  it('has no type-only import a layer may not make', () => {
    const wrong: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s+type\b[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms)) {
        const target = resolve(dirname(file), `${m[1]}.ts`);
        if (!allowedEdge(layerOf(file), target)) wrong.push(`${relative(ROOT, file)} → type ${m[1]}`);
      }
      for (const m of text.matchAll(/^import\s+\{([^}]*)\}\s+from\s+'(\.{1,2}\/[^']+)'/gm)) {
        const names = (m[1] as string)
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean);
        if (names.length === 0 || !names.every((n) => n.startsWith('type '))) continue;
        const target = resolve(dirname(file), `${m[2]}.ts`);
        if (!allowedEdge(layerOf(file), target)) wrong.push(`${relative(ROOT, file)} → type ${m[2]}`);
      }
    }
    assert.deepEqual(wrong, []);
  });
});

/** May a file of layer `from` import the file `target`? */
function allowedEdge(from: { layer: Layer; channel?: string }, target: string): boolean {
  const to = layerOf(target);
  const rel = relative(SRC, target).split(sep).join('/');
  return (
    MAY_IMPORT[from.layer].includes(to.layer) &&
    (to.layer !== 'root' || ['root', 'cli'].includes(from.layer) || ROOT_FILES_BELOW.includes(rel)) &&
    (from.layer !== 'cli' || to.layer !== 'channels' || CLI_CHANNELS.includes(to.channel as string)) &&
    (from.layer !== 'channels' ||
      to.layer !== 'channels' ||
      to.channel === from.channel ||
      (CHANNEL_USES[from.channel as string] ?? []).includes(to.channel as string))
  );
}
