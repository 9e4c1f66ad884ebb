#!/usr/bin/env node
// The files the compiled gateway reads beside its JavaScript: the SQL migrations, and the OpenAPI
// document as JSON (parsing the YAML took a sixth of the start-up).
const { cpSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parse } = require('yaml');

const root = join(__dirname, '..');
cpSync(join(root, 'src', 'infra', 'pg', 'migrations'), join(root, 'dist', 'infra', 'pg', 'migrations'), {
  recursive: true,
});
mkdirSync(join(root, 'dist', 'rest'), { recursive: true });
const doc = parse(readFileSync(join(root, 'openapi', 'openapi.yaml'), 'utf8'));
writeFileSync(join(root, 'dist', 'rest', 'openapi.json'), JSON.stringify(doc));
