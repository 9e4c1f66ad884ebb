#!/usr/bin/env node
// Gets Chromium ready for the operator page's browser test, or stops at once saying what to install.
// CHROMIUM_PATH names a Chromium or Chrome binary; unset, Debian's /usr/bin/chromium is used, and
// installed with apt-get when it is missing and this user may install packages.
const { accessSync, constants } = require('node:fs');
const { spawnSync } = require('node:child_process');

const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const executable = (p) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const fail = (line) => {
  process.stderr.write(`${line}\n`);
  process.exit(1);
};

if (executable(path)) process.exit(0);
if (process.env.CHROMIUM_PATH)
  fail(`CHROMIUM_PATH=${path} is not an executable file: point it at a Chromium or Chrome binary.`);

const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' });
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (apt.status !== 0 || !root) {
  fail(
    'The browser test needs Chromium: install it (Debian: sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
}
process.stdout.write('Installing Debian’s chromium for the browser test (apt-get install chromium)…\n');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const install = () =>
  spawnSync('apt-get', ['install', '-y', '-q', 'chromium'], { stdio: 'ignore', env }).status === 0;
if (!install()) {
  spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
  if (!install())
    fail(
      'apt-get could not install chromium: install it by hand, or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
}
if (!executable(path))
  fail(`apt-get installed chromium, but ${path} is not there: set CHROMIUM_PATH to its binary.`);
