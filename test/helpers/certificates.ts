import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  ca: string;
  server: { cert: string; key: string };
  issue(name: string): { cert: string; key: string; fingerprint: string };
}

/** A throw-away CA with a server certificate for 127.0.0.1, made with the openssl command line. */
export function makeTestPki(dir: string): TestPki {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  const issue = (name: string, ext?: string) => {
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    const extArgs = ext ? ['-extfile', `${name}.ext`] : [];
    if (ext) writeFileSync(join(dir, `${name}.ext`), ext);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      ...extArgs,
    );
    const cert = join(dir, `${name}.pem`);
    return {
      cert,
      key: join(dir, `${name}.key`),
      fingerprint: new X509Certificate(readFileSync(cert)).fingerprint256.replace(/:/g, '').toLowerCase(),
    };
  };
  const server = issue('server', 'subjectAltName=IP:127.0.0.1\n');
  return { dir, ca: join(dir, 'ca.pem'), server, issue: (name) => issue(name) };
}
