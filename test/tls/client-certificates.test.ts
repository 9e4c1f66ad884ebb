import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config';
import { createServer } from '../../src/http/server';
import { birth } from '../helpers/builders';
import { makeTestPki, type TestPki } from '../helpers/certificates';
import { CLIENTS, type Harness, OPS_TOKEN, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { newTempDir } from '../helpers/test-db';

function post(
  port: number,
  pki: TestPki,
  who: { cert: string; key: string },
  clientId: string,
  body: object,
) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/births',
        ca: readFileSync(pki.ca),
        cert: readFileSync(who.cert),
        key: readFileSync(who.key),
        headers: { 'Content-Type': 'application/json', 'X-Road-Client': clientId },
      },
      (res) => {
        let data = '';
        res.on('data', (c) => {
          data += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('TLS client authentication (contract §1)', () => {
  let pki: TestPki;
  let h: Harness;
  let server: Server;
  let port: number;
  let own: ReturnType<TestPki['issue']>;
  let stranger: ReturnType<TestPki['issue']>;
  let proxy: ReturnType<TestPki['issue']>;

  before(function () {
    this.timeout(60_000);
    pki = makeTestPki(newTempDir());
    own = pki.issue('hospital');
    stranger = pki.issue('stranger');
    proxy = pki.issue('security-server');
  });

  beforeEach(async () => {
    const env = {
      TLS_CERT_FILE: pki.server.cert,
      TLS_KEY_FILE: pki.server.key,
      TLS_CA_FILE: pki.ca,
      TLS_TRUSTED_PROXY_FINGERPRINTS: proxy.fingerprint,
    };
    h = await startHarness({ env });
    await seedStandard(h);
    await h
      .ops('post', '/ops/clients')
      .send({
        id: 'FI/GOV/7654321-0/tls',
        name: 'TLS',
        organisation: 'x',
        kind: 'new',
        certificateFingerprints: [own.fingerprint],
      })
      .expect(201);
    server = createServer(h.gateway.app, h.config.tls);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  it('accepts the client’s own registered certificate', async () => {
    const res = await post(port, pki, own, 'FI/GOV/7654321-0/tls', birth());
    assert.equal(res.status, 201);
  });

  it('refuses another certificate for that client with 403 CLIENT_CERT_MISMATCH', async () => {
    const res = await post(port, pki, stranger, 'FI/GOV/7654321-0/tls', birth());
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'CLIENT_CERT_MISMATCH');
  });

  it('lets a trusted X-Road security server speak for any registered client', async () => {
    const res = await post(
      port,
      pki,
      proxy,
      CLIENTS.rest,
      birth({ mother: { personalIdentityCode: PERSONS.mother2 } }),
    );
    assert.equal(res.status, 201);
  });

  it('refuses to start without TLS on a non-loopback address', () => {
    assert.throws(() => loadConfig({ OPS_TOKEN, HOST: '0.0.0.0' }), /loopback/);
    assert.equal(loadConfig({ OPS_TOKEN, HOST: '127.0.0.1' }).tls, undefined);
  });
});
