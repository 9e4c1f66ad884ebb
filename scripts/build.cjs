#!/usr/bin/env node
// The gateway and the CLI as one bundle each (esbuild), and the files they read beside them.
// A bundle loads in one file read instead of some hundreds: the CLI answers about 70 ms sooner and the
// gateway starts sooner (bench/startup.ts). The embedded database (PGlite) stays a package of its own:
// it reads its WebAssembly and data files from its own folder. Last, the seed every new embedded database
// is copied from (src/infra/pg/pglite-seed.ts) is made, when this PGlite has none yet.
const { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const esbuild = require('esbuild');
const { parse } = require('yaml');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
esbuild.buildSync({
  absWorkingDir: root,
  entryPoints: { main: 'src/main.ts', cli: 'src/cli/main.ts', 'pglite-seed': 'src/infra/pg/pglite-seed.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // pg's optional native binding is not installed; PGlite finds its .wasm and .data files itself.
  external: ['pg-native', '@electric-sql/pglite'],
  logLevel: 'warning',
});
// Beside the bundles, as the code looks for them (migrate.ts: ./migrations; http/openapi.ts: ./openapi.json and ./register.json,
// parsed here once instead of at every start).
cpSync(join(root, 'src', 'infra', 'pg', 'migrations'), join(dist, 'migrations'), { recursive: true });
mkdirSync(dist, { recursive: true });
for (const doc of ['openapi', 'register']) {
  writeFileSync(
    join(dist, `${doc}.json`),
    JSON.stringify(parse(readFileSync(join(root, 'openapi', `${doc}.yaml`), 'utf8'))),
  );
}

// A failure here fails no build: the first process that opens a new embedded database makes the seed then.
require(join(dist, 'pglite-seed.js'))
  .seedDataDir()
  .then((seed) => seed.release())
  .catch((err) =>
    process.stderr.write(`build: the embedded database's seed was not made now (${err.message})\n`),
  );
