import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatHetu } from '../../src/core/hetu/hetu';
import { BACKLOG_CLIENT, backlogBirths, ndjson, seedBacklog } from '../helpers/backlog';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process';
import { SOAP_V2, type SoapOperation, soapBody, soapEnvelope, xRoadHeaders } from '../helpers/soap-envelope';
import { newTempDir, resetDb, usingRealPostgres } from '../helpers/test-db';
import { BIN, type CliResult, explain } from './run-cli';

/**
 * `vtj-gateway replay` end to end: the CLI as a user runs it, against a
 * gateway process as `npm start` runs it.
 */
const OPS_TOKEN = 'replay-test-operator-token-0123';
const UNKNOWN_MOTHER = formatHetu('1991-03-03', '-', 448);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Json = Record<string, unknown>;

function start(args: readonly string[]): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, 'replay', ...args], { stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : null), stdout, stderr }));
  });
  return { child, done };
}

const replay = (args: readonly string[]) => start(args).done;

function readNdjson(file: string): Json[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

async function statusOf(url: string, id: string): Promise<Json> {
  const res = await fetch(`${url}/v1/notifications/${encodeURIComponent(id)}`, {
    headers: { 'X-Road-Client': BACKLOG_CLIENT },
  });
  return { httpStatus: res.status, ...((await res.json()) as Json) };
}

describe('vtj-gateway replay: a backlog through the batch endpoint', function () {
  this.timeout(300_000);
  let gateway: GatewayProcess;
  let dir: string;

  before(async () => {
    if (usingRealPostgres) await resetDb();
    const env = {
      OPS_TOKEN,
      SEED_DEMO: 'false',
      ...(usingRealPostgres ? {} : { DATA_DIR: newTempDir(), DATABASE_URL: undefined }),
    };
    gateway = await startGatewayProcess(env);
    await seedBacklog(gateway.url, OPS_TOKEN);
  });
  after(() => gateway.kill('SIGTERM'));
  /** The replay's arguments: `input` to the gateway as the backlog's client, in chunks, some in flight. */
  const replayArgs = (input: string, chunk: number, parallel: number) => [
    input,
    '--client',
    BACKLOG_CLIENT,
    '--url',
    gateway.url,
    '--chunk',
    String(chunk),
    '--parallel',
    String(parallel),
  ];
  beforeEach(() => {
    dir = newTempDir();
  });

  it('resumes after being killed, prints the outcome by reason, and writes the refused items to correct and resend', async () => {
    const good = backlogBirths(3000, 'replay');
    const lines = good.map((item) => JSON.stringify(item));
    // A few bad ones among them: not JSON, a mother the register does not know, a bare notification.
    lines[10] = '{"type": "birth", "notification": ';
    const unknown = { ...(good[20] as (typeof good)[number]) };
    unknown.notification = { ...unknown.notification, mother: { personalIdentityCode: UNKNOWN_MOTHER } };
    lines[20] = JSON.stringify(unknown);
    lines[30] = JSON.stringify((good[30] as (typeof good)[number]).notification);
    lines.splice(40, 0, '');
    const input = join(dir, 'backlog.ndjson');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const args = replayArgs(input, 100, 2);

    // Killed once it has a checkpoint a little way in.
    const first = start(args);
    const checkpoint = `${input}.replay-checkpoint.json`;
    for (;;) {
      if (
        existsSync(checkpoint) &&
        (JSON.parse(readFileSync(checkpoint, 'utf8')) as { done: number }).done >= 300
      )
        break;
      assert.equal(first.child.exitCode, null, 'still running');
      await sleep(10);
    }
    first.child.kill('SIGKILL');
    await first.done;
    const at = JSON.parse(readFileSync(checkpoint, 'utf8')) as { done: number };
    assert.ok(at.done < lines.length, `killed part way: ${at.done}`);

    const second = await replay([...args, '--json']);
    assert.equal(second.code, 1, explain(args, second));
    const summary = JSON.parse(second.stdout) as Json;
    assert.equal(summary.resumedAt, at.done);
    assert.equal(summary.interrupted, false);
    assert.equal(summary.items, 3000);
    assert.equal(summary.registered, 2998);
    assert.equal(summary.refused, 2);
    assert.deepEqual(summary.refusedByCode, { MALFORMED_REQUEST: 1, PERSON_NOT_FOUND: 1 });
    assert.match(second.stderr, /replay: 3,001 \/ 3,001 {2}100 %/);
    assert.ok(!existsSync(checkpoint), 'the checkpoint goes once the whole file is done');

    // Each notification registered once, with a code of its own.
    const codes = new Set<string>();
    for (const i of [0, 29, 30, 31, 299, 300, 301, 1500, 2999]) {
      const s = await statusOf(gateway.url, `replay-${i}`);
      assert.equal(s.status, 'registered', `replay-${i}: ${JSON.stringify(s)}`);
      codes.add((s.child as { personalIdentityCode: string }).personalIdentityCode);
    }
    assert.equal(codes.size, 9);

    // The refused file: each item as sent with its error, ready to correct and send again.
    const refusedFile = `${input}.refused.ndjson`;
    assert.equal(summary.refusedFile, refusedFile);
    const refused = readNdjson(refusedFile);
    assert.deepEqual(
      refused.map((r) => [(r.error as Json).line, (r.error as { problem: Json }).problem.code]),
      [
        [11, 'MALFORMED_REQUEST'],
        [21, 'PERSON_NOT_FOUND'],
      ],
    );
    assert.equal(refused[0]?.text, lines[10]);
    assert.deepEqual(((refused[1] as Json).notification as Json).notificationId, 'replay-20');

    // Corrected: the broken line replaced, the mother loaded; the refused one's id is taken, so a new id.
    const fixed = [
      JSON.stringify({ ...good[10], error: refused[0]?.error }),
      JSON.stringify({
        ...refused[1],
        notification: { ...((refused[1] as Json).notification as Json), notificationId: 'replay-20b' },
      }),
    ];
    writeFileSync(refusedFile, `${fixed.join('\n')}\n`);
    const loaded = await fetch(`${gateway.url}/ops/register/persons`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${OPS_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify([{ personalIdentityCode: UNKNOWN_MOTHER }]),
    });
    assert.equal(loaded.status, 200);
    const again = await replay([refusedFile, '--client', BACKLOG_CLIENT, '--url', gateway.url]);
    assert.equal(again.code, 0, explain([refusedFile], again));
    assert.match(again.stdout, /Replayed: 2 notifications .*\n {2}registered {2}2\n/);
    assert.equal((await statusOf(gateway.url, 'replay-10')).status, 'registered');
    assert.equal((await statusOf(gateway.url, 'replay-20b')).status, 'registered');

    // Everything once more, from the start: harmless, every one a replay of its first answer.
    const all = await replay([...args, '--json', '--no-progress']);
    const repeat = JSON.parse(all.stdout) as Json;
    assert.equal(repeat.replayed, 2999);
    assert.equal(all.stderr, '');
  });

  it('stops cleanly on Ctrl-C after the requests under way, and goes on when run again', async () => {
    const input = join(dir, 'interrupted.ndjson');
    writeFileSync(input, ndjson(backlogBirths(2000, 'sigint')));
    const args = replayArgs(input, 50, 1);
    const run = start(args);
    const checkpoint = `${input}.replay-checkpoint.json`;
    while (!existsSync(checkpoint)) await sleep(10);
    run.child.kill('SIGINT');
    const stopped = await run.done;
    assert.equal(stopped.code, 130, explain(args, stopped));
    assert.match(stopped.stdout, /^Interrupted: [\d,]+ notifications/);
    assert.match(stopped.stdout, /Run the same command again/);
    const rest = await replay(args);
    assert.equal(rest.code, 0, explain(args, rest));
    assert.match(rest.stdout, /going on from line [\d,]+/);
    assert.match(rest.stdout, /registered {2}2,000\n/);
  });

  it('sends a folder of SOAP envelopes as the REST items they mean, refusing what is not a notification', async () => {
    const folder = join(dir, 'envelopes');
    mkdirSync(folder);
    const birth = backlogBirths(1, 'soap-folder')[0]?.notification as Json;
    const envelope = (op: SoapOperation, body: Json, client = BACKLOG_CLIENT) =>
      soapEnvelope(xRoadHeaders(client, { serviceCode: op }), soapBody(op, SOAP_V2.namespace, body));
    writeFileSync(join(folder, '001-birth.xml'), envelope('SyntymaIlmoitus', birth));
    writeFileSync(
      join(folder, '002-status.xml'),
      envelope('IlmoituksenTila', { notificationId: 'soap-folder-0' }),
    );
    writeFileSync(
      join(folder, '003-other-client.xml'),
      envelope('SyntymaIlmoitus', { ...birth, notificationId: 'soap-folder-1' }, 'FI/GOV/0123456-7/toinen'),
    );
    writeFileSync(join(folder, '004-broken.xml'), '<soap:Envelope');
    writeFileSync(join(folder, 'notes.txt'), 'not an envelope');
    const result = await replay([folder, '--client', BACKLOG_CLIENT, '--url', gateway.url, '--json']);
    assert.equal(result.code, 1, explain([folder], result));
    const summary = JSON.parse(result.stdout) as Json;
    assert.deepEqual([summary.units, summary.registered, summary.refused], [4, 1, 3]);
    const refused = readNdjson(`${folder}.refused.ndjson`);
    assert.deepEqual(
      refused.map((r) => [(r.error as Json).file, (r.error as { problem: Json }).problem.code]),
      [
        ['002-status.xml', 'VALIDATION_FAILED'],
        ['003-other-client.xml', 'VALIDATION_FAILED'],
        ['004-broken.xml', 'MALFORMED_REQUEST'],
      ],
    );
    const registered = await statusOf(gateway.url, 'soap-folder-0');
    assert.equal(registered.status, 'registered');
    assert.equal(registered.channel, 'rest', 'replayed through the REST interface');
    assert.match(
      (registered.child as { personalIdentityCode: string }).personalIdentityCode,
      /^\d{6}A\d{3}.$/,
    );
  });

  it('refuses to resume a changed input, and says how to start over', async () => {
    const input = join(dir, 'changed.ndjson');
    writeFileSync(input, ndjson(backlogBirths(5, 'changed')));
    writeFileSync(
      `${input}.replay-checkpoint.json`,
      JSON.stringify({
        version: 1,
        fingerprint: 'ndjson:1:1',
        client: BACKLOG_CLIENT,
        done: 2,
        refusedBytes: 0,
        counts: { registered: 2, accepted: 0, refused: 0, replayed: 0, refusedByCode: {} },
        elapsedMs: 10,
      }),
    );
    const args = [input, '--client', BACKLOG_CLIENT, '--url', gateway.url];
    const refused = await replay(args);
    assert.equal(refused.code, 1, explain(args, refused));
    assert.match(refused.stderr, /changed.ndjson has changed since\); run with --restart to start over/);
    const restarted = await replay([...args, '--restart']);
    assert.equal(restarted.code, 0, explain(args, restarted));
    assert.match(restarted.stdout, /registered {2}5\n/);
  });

  it('says when the gateway does not answer (exit 4), and when it refuses the client (exit 1)', async () => {
    const input = join(dir, 'few.ndjson');
    writeFileSync(input, ndjson(backlogBirths(3, 'few')));
    const down = await replay([
      input,
      '--client',
      BACKLOG_CLIENT,
      '--url',
      'http://127.0.0.1:9',
      '--retry-for',
      '1',
    ]);
    assert.equal(down.code, 4, explain([input], down));
    assert.match(down.stderr, /no answer from http:\/\/127\.0\.0\.1:9 .*run the same command again/);
    const stranger = await replay([
      input,
      '--client',
      'FI/GOV/0000000-0/vieras',
      '--url',
      gateway.url,
      '--restart',
    ]);
    assert.equal(stranger.code, 1, explain([input], stranger));
    assert.match(stranger.stderr, /error UNKNOWN_CLIENT/);
    const usage = await replay([input, '--client', 'not-a-client']);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /--client must be INSTANCE\/CLASS\/MEMBER\/SUBSYSTEM/);
  });
});
