#!/usr/bin/env node
// `npx vtj-gateway`: the operator CLI, run from its TypeScript source through tsx.
require('tsx/cjs');
require('../src/cli/main.ts').main(process.argv);
