import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config';
import { seedSandboxDemo } from '../../src/demo/sandbox-demo';
import { buildGateway } from '../../src/gateway';
import { createLogger } from '../../src/infra/logger';
import { openDatabase } from '../../src/infra/pg/open-database';
import { systemClock } from '../../src/infra/system-clock';
import { buildServices } from '../../src/services';
import { OPS_TOKEN } from '../helpers/harness';
import { listen } from '../helpers/listen';
import { readmeExamples } from '../helpers/readme';
import { newTempDir, resetDb, sharedDb } from '../helpers/test-db';

const ROOT = join(__dirname, '..', '..');
const HTTP_EXAMPLES = [
  'birth',
  'status',
  'death',
  'error',
  'batch',
  'ndjson',
  'replay',
  'soap-birth',
  'soap-death',
  'translate',
  'ops',
];

/**
 * The README's examples, exactly as printed, the way a reader runs them: one
 * after the other in one bash session (the status example asks about the
 * birth just made), and the whole session twice, since a reader may.
 */
async function runSession(
  examples: Map<string, string>,
  names: readonly string[],
  opts: { url?: string; env?: Record<string, string> } = {},
): Promise<Map<string, string>> {
  const script = names
    .map((name) => {
      const text = examples.get(name);
      assert.ok(text, `README has example ${name}`);
      return `echo '@@@ ${name}'\n${opts.url ? text.replaceAll('http://127.0.0.1:8080', opts.url) : text}`;
    })
    .join('\n');
  // Asynchronously: the gateway answering curl may run in this very process.
  const { stdout } = await promisify(execFile)('bash', ['-c', script], {
    cwd: ROOT,
    env: { ...process.env, OPS_TOKEN, ...opts.env },
    maxBuffer: 16 * 1024 * 1024,
  });
  const out = new Map<string, string>();
  for (const part of stdout.split(/^@@@ /m).slice(1)) {
    const nl = part.indexOf('\n');
    out.set(part.slice(0, nl), part.slice(nl + 1));
  }
  return out;
}

const json = (text: string | undefined) => JSON.parse(text ?? 'null');

describe('README examples run as printed against the sandbox demo', () => {
  let server: { url: string; close: () => Promise<void> };
  const examples = readmeExamples();

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

  it('has the examples this test runs, in this order', () => {
    assert.deepEqual([...examples.keys()], [...HTTP_EXAMPLES.slice(0, 10), 'ops', 'cli']);
  });

  it('runs the REST, SOAP and operator examples in one session, twice, each time as the README says', async function () {
    this.timeout(60_000);
    const children = new Set<string>();
    for (const round of [1, 2]) {
      const out = await runSession(examples, HTTP_EXAMPLES, { url: server.url });
      const birth = json(out.get('birth'));
      assert.equal(birth.status, 'registered', `round ${round}: ${out.get('birth')}`);
      assert.match(birth.child.personalIdentityCode, /^\d{6}A9\d\d.$/);
      children.add(birth.child.personalIdentityCode);
      const status = json(out.get('status'));
      assert.equal(status.notificationId, birth.notificationId, 'the status is that of the birth just made');
      assert.equal(status.child.personalIdentityCode, birth.child.personalIdentityCode);

      // A person dies once: the second run's death is refused, as the README says.
      const death = json(out.get('death'));
      if (round === 1) assert.equal(death.status, 'registered');
      else assert.deepEqual([death.status, death.code], [409, 'ALREADY_DECEASED']);

      const error = json(out.get('error'));
      assert.equal(error.code, 'VALIDATION_FAILED');
      assert.equal(error.title, 'The request has invalid fields');
      assert.deepEqual(
        error.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`),
        ['birth.municipalityCode:INVALID_FORMAT', 'mother.personalIdentityCode:INVALID_CHECK_CHARACTER'],
      );

      // The batch: a birth registered, a bad item answered on its own, a death that happens once.
      const batch = json(out.get('batch'));
      assert.deepEqual(
        batch.results.map((r: { status: number }) => r.status),
        [201, 400, round === 1 ? 201 : 409],
        out.get('batch'),
      );
      assert.match(batch.results[0].result.child.personalIdentityCode, /^\d{6}A9\d\d.$/);
      assert.deepEqual(batch.results[1].problem.errors[0].field, 'birth.municipalityCode');
      assert.deepEqual(batch.summary, {
        total: 3,
        registered: round === 1 ? 2 : 1,
        accepted: 0,
        refused: round === 1 ? 1 : 2,
        replayed: 0,
        refusedByCode: round === 1 ? { VALIDATION_FAILED: 1 } : { VALIDATION_FAILED: 1, ALREADY_DECEASED: 1 },
      });

      // The NDJSON batch, once decided in the background: the birth registered, the bad line by its number.
      const ndjson = json(out.get('ndjson'));
      assert.equal(ndjson.status, 'done', out.get('ndjson'));
      assert.deepEqual(
        ndjson.items.map((i: { line: number; status: number }) => [i.line, i.status]),
        [
          [1, 201],
          [2, 400],
        ],
      );
      assert.match(ndjson.items[1].problem.detail, /line 2 is not valid JSON/);

      // The replay: three births registered, the line that is no notification refused and written aside.
      const replayed = out.get('replay') ?? '';
      assert.match(replayed, /^Replayed: 4 notifications of \/tmp\/.*backlog\.ndjson/m, replayed);
      assert.match(replayed, /^ {2}registered {2}3$/m);
      assert.match(replayed, /^ {4}MALFORMED_REQUEST {2}1 {2}The request body could not be parsed$/m);
      const refusedFile = /^Refused items, each with its error: (\S+)$/m.exec(replayed)?.[1] ?? '';
      assert.match(readFileSync(refusedFile, 'utf8'), /^\{"text":"not a notification","error":\{"line":4,/);

      assert.match(
        out.get('soap-birth') ?? '',
        /<ns:Tila>REKISTEROITY<\/ns:Tila><ns:Lapsi><ns:Henkilotunnus>\d{6}A9\d\d.<\/ns:Henkilotunnus>/,
      );
      const soapDeath = out.get('soap-death') ?? '';
      if (round === 1) assert.match(soapDeath, /<ns:KuolemaIlmoitusResponse[^>]*>.*<ns:Tila>REKISTEROITY/);
      else assert.match(soapDeath, /<faultcode>soap:Client\.ALREADY_DECEASED<\/faultcode>/);

      const translated = json(out.get('translate'));
      assert.deepEqual([translated.method, translated.path], ['POST', '/v1/births']);

      const [created, listed, loaded] = (out.get('ops') ?? '')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.match(created.id, /^FI-TEST\/GOV\/0000000-0\/demo-lab-\d+$/, JSON.stringify(created));
      assert.equal(listed.clients.length, 2 + round);
      assert.deepEqual(loaded, round === 1 ? { created: 2, updated: 0 } : { created: 0, updated: 2 });
    }
    assert.equal(children.size, 2, 'each run registered a birth of its own');
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

  it('runs the CLI examples on a stopped gateway’s demo database, twice', async function () {
    this.timeout(180_000);
    // The gateway's first start seeded the demo into DATA_DIR; then it was stopped, as the README says.
    const dataDir = newTempDir();
    const env = { DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' };
    const config = loadConfig({ ...env, OPS_TOKEN });
    const db = await openDatabase(config, createLogger('silent'));
    const services = buildServices(config, { db, clock: systemClock, logger: createLogger('silent') });
    assert.equal(await seedSandboxDemo(services.clients, services.store, systemClock.now()), true);
    await db.close();

    for (const round of [1, 2]) {
      const session = await runSession(examples, ['cli'], { env });
      const out = session.get('cli') ?? '';
      assert.match(out, /Registered FI-TEST\/GOV\/0000000-0\/demo-lab-\d+/, out);
      assert.match(out, /\n\d+ clients, status now\./);
      assert.match(out, /FI-TEST\/GOV\/0000000-0\/demo-legacy/);
      assert.match(out, /Revoked exception /);
      assert.match(
        out,
        round === 1 ? /Loaded 1 person: 1 new, 0 updated\./ : /Loaded 1 person: 0 new, 1 updated\./,
      );
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
