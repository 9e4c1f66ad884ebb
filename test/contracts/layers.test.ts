import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
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
 *   channels  one folder per channel codec (rest, soap, translate); a channel may use the
 *             pipeline and the kit, never another channel — but translate reads SOAP
 *   ops       the operator API and page
 *   cli       the command line: a composition root of its own (it builds the services)
 *   root      src/*.ts: settings and the composition (app, services, gateway, main)
 */
const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

type Layer = 'core' | 'pipeline' | 'infra' | 'http' | 'channels' | 'ops' | 'cli' | 'demo' | 'root';
const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  core: ['core'],
  pipeline: ['pipeline', 'core'],
  infra: ['infra', 'core', 'root'],
  http: ['http', 'pipeline', 'core', 'root'],
  channels: ['channels', 'http', 'pipeline', 'core'],
  ops: ['ops', 'http', 'core'],
  cli: ['cli', 'ops', 'infra', 'core', 'root'],
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
const CHANNEL_USES: Readonly<Record<string, readonly string[]>> = { translate: ['soap'] };

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
        const to = layerOf(join(ROOT, imp.path));
        const ok =
          MAY_IMPORT[from.layer].includes(to.layer) &&
          (to.layer !== 'root' ||
            ['root', 'cli'].includes(from.layer) ||
            ROOT_FILES_BELOW.includes(imp.path.slice(4))) &&
          (from.layer !== 'channels' ||
            to.layer !== 'channels' ||
            to.channel === from.channel ||
            (CHANNEL_USES[from.channel as string] ?? []).includes(to.channel as string));
        if (!ok) wrong.push(`${input} → ${imp.path}`);
      }
    }
    assert.deepEqual(wrong, []);
  });
});
