#!/usr/bin/env node
// `npx vtj-gateway`: the operator CLI, compiled by `npm run build` (which `npm install` runs).

// A command lives for a fraction of a second: compiling the embedded database's WebAssembly with the
// baseline compiler only halves its start, and the optimised code it skips would arrive too late to
// help (0.7 s → 0.5 s for `clients list` on the embedded store).
require('node:v8').setFlagsFromString('--liftoff-only');

let cli;
try {
  cli = require('../dist/cli.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist')) {
    process.stderr.write('vtj-gateway is not built: run `npm run build` (npm install does) in its folder.\n');
    process.exit(2);
  }
  throw err;
}
cli.main(process.argv);
