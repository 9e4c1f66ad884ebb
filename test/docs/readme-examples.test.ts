import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config';
import { seedSandboxDemo } from '../../src/demo/sandbox-demo';
import { buildGateway } from '../../src/gateway';
import { createLogger } from '../../src/infra/logger';
import { systemClock } from '../../src/infra/system-clock';
import { OPS_TOKEN } from '../helpers/harness';
import { listen } from '../helpers/listen';
import { readmeExamples } from '../helpers/readme';
import { resetDb, sharedDb } from '../helpers/test-db';

describe('README examples run as printed against the sandbox demo', () => {
  let server: { url: string; close: () => Promise<void> };
  const examples = readmeExamples();
  const run = async (name: string) => {
    const script = examples.get(name);
    assert.ok(script, `README has example ${name}`);
    const local = script.replaceAll('http://127.0.0.1:8080', server.url);
    // Asynchronously: the gateway answering curl runs in this very process.
    const { stdout } = await promisify(execFile)('bash', ['-c', local], {
      env: { ...process.env, OPS_TOKEN },
    });
    return stdout;
  };

  before(async () => {
    await resetDb();
    const config = loadConfig({ ...process.env, OPS_TOKEN });
    // The examples say "now" with `date`, so this gateway runs on the real clock.
    const gateway = buildGateway(config, {
      db: await sharedDb(),
      clock: systemClock,
      logger: createLogger('silent'),
    });
    assert.equal(await seedSandboxDemo(gateway.clients, gateway.store, systemClock.now()), true);
    server = await listen(gateway.app);
  });
  after(() => server.close());

  it('registers the birth, shows its status, registers the death and explains the error', async () => {
    assert.deepEqual(
      [...examples.keys()],
      ['birth', 'status', 'death', 'error', 'soap-birth', 'soap-death', 'translate', 'ops'],
    );
    const birth = JSON.parse(await run('birth'));
    assert.equal(birth.status, 'registered');
    assert.match(birth.child.personalIdentityCode, /^\d{6}A900.$/);
    const status = JSON.parse(await run('status'));
    assert.equal(status.child.personalIdentityCode, birth.child.personalIdentityCode);
    assert.equal(JSON.parse(await run('death')).status, 'registered');
    const error = JSON.parse(await run('error'));
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      error.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`),
      ['birth.municipalityCode:INVALID_FORMAT', 'mother.personalIdentityCode:INVALID_CHECK_CHARACTER'],
    );
  });

  it('runs the operator examples', async () => {
    const lines = (await run('ops')).trim().split('\n');
    const [created, listed, loaded] = lines.map((l) => JSON.parse(l));
    assert.equal(created.id, 'FI-TEST/GOV/0000000-0/demo-lab');
    assert.equal(listed.clients.length, 3);
    assert.deepEqual(loaded, { created: 2, updated: 0 });
  });

  it('runs the SOAP examples: a registered birth with the child code, a death, and the deprecation headers', async () => {
    const birth = await run('soap-birth');
    assert.match(
      birth,
      /<ns:Tila>REKISTEROITY<\/ns:Tila><ns:Lapsi><ns:Henkilotunnus>\d{6}A901.<\/ns:Henkilotunnus>/,
    );
    assert.match(
      await run('soap-death'),
      /<ns:KuolemaIlmoitusResponse[^>]*><ns:IlmoitusTunnus>demo-soap-death-1<\/ns:IlmoitusTunnus><ns:Tila>REKISTEROITY/,
    );
  });

  it('translates every SOAP request of the README into a REST request that the gateway accepts', async () => {
    for (const name of ['soap-birth', 'soap-death', 'translate']) {
      const envelope = await heredoc(examples.get(name) ?? '');
      const translated = await fetch(`${server.url}/v1/migration/translate`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml', 'X-Road-Client': 'FI-TEST/GOV/0000000-0/demo-legacy' },
        // New ids, and another living person: the examples themselves have run already.
        body: envelope
          .replaceAll('demo-soap-', 'demo-rest-')
          .replaceAll('demo-translate-', 'demo-rest-t-')
          .replace('051038-912H', '131052-913A'),
      });
      assert.equal(translated.status, 200, `${name}: ${await translated.clone().text()}`);
      const request = (await translated.json()) as {
        method: string;
        path: string;
        headers: Record<string, string>;
        body: object;
      };
      assert.equal(request.headers['X-Road-Client'], 'FI-TEST/GOV/0000000-0/demo-legacy');
      const sent = await fetch(`${server.url}${request.path}`, {
        method: request.method,
        headers: request.headers,
        body: JSON.stringify(request.body),
      });
      assert.equal(sent.status, 201, `${name} over REST: ${await sent.text()}`);
    }
  });
});

/** The XML of an example's here-document, with its $(date …) expanded by bash as the example would. */
async function heredoc(script: string): Promise<string> {
  const m = /<<EOF\n([\s\S]*?)\nEOF/.exec(script);
  assert.ok(m?.[1], 'the example has a here-document');
  const { stdout } = await promisify(execFile)('bash', ['-c', `cat <<EOF\n${m[1]}\nEOF`]);
  return stdout;
}
