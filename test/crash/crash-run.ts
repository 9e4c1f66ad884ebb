/**
 * The crash run: births and deaths at load on every channel (REST, SOAP v2,
 * legacy SOAP) through a gateway in front of the reference register, while
 * the gateway is SIGKILLed and restarted several times and the register once.
 * Afterwards every notification is sent once more (a client resending what
 * got no answer, or got one it lost), and the run checks what the gateway
 * promises: every acknowledged notification ends registered, with the code it
 * was acknowledged with; no code is given twice; the register holds each one
 * exactly once.
 *
 * `npx tsx test/crash/crash-run.ts [notifications] [gateway kills]` runs it
 * on the embedded store (DATABASE_URL set: on PostgreSQL, in that database,
 * which it empties); test/resilience/crash.test.ts runs a small one.
 */
import assert from 'node:assert/strict';
import { formatHetu } from '../../src/core/hetu/hetu';
import { helsinkiDate } from '../../src/core/time/helsinki';
import { birthInput, deathInput } from '../helpers/builders';
import { startFaultProxy } from '../helpers/fault-proxy';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process';
import { registerHolds, startRegisterProcess } from '../helpers/register-process';
import { birthEnvelope, deathEnvelope, LEGACY, SOAP_OPEN, V2 } from '../helpers/soap-hostile';
import { closeSharedDb, newTempDir, resetDb, usingRealPostgres } from '../helpers/test-db';

export interface CrashReport {
  notifications: number;
  gatewayKills: number;
  registerKills: number;
  /** Answers lost to a kill (connection cut before the answer): sent again afterwards. */
  unanswered: number;
  acknowledged: { registered: number; received: number };
  registerHolds: { children: number; deaths: number; keys: number };
  seconds: number;
}

const OPS_TOKEN = 'crash-run-operator-token-0001';
const CLIENT = 'FI/GOV/0123456-7/crash';
const CHANNELS = ['rest', 'soap-v2', 'legacy-soap'] as const;
type Sent = { id: string; kind: 'birth' | 'death'; channel: (typeof CHANNELS)[number]; person: string };
type Ack = { status: 'registered' | 'received'; code?: string };

const DAY = 86_400_000;
const yesterday = helsinkiDate(new Date(Date.now() - DAY));
const personOf = (i: number, kind: 'birth' | 'death') =>
  formatHetu(
    helsinkiDate(new Date(Date.parse('1970-01-01T12:00:00Z') + i * DAY)),
    '-',
    kind === 'birth' ? 204 : 305,
  );

export async function runCrash(opts: { notifications: number; gatewayKills: number }): Promise<CrashReport> {
  const started = Date.now();
  const sent: Sent[] = Array.from({ length: opts.notifications }, (_, i) => {
    const kind = i % 3 === 2 ? 'death' : 'birth';
    return {
      id: `crash-${started}-${i}`,
      kind,
      channel: CHANNELS[i % 3] as Sent['channel'],
      person: personOf(i, kind),
    };
  });
  let register = await startRegisterProcess();
  await register.loadPersons(sent.map((s) => ({ personalIdentityCode: s.person })));
  const proxy = await startFaultProxy(register.url);
  const dataDir = newTempDir();
  if (usingRealPostgres) await resetDb();
  const env = {
    OPS_TOKEN,
    SEED_DEMO: 'false',
    ...SOAP_OPEN,
    ...(usingRealPostgres ? {} : { DATA_DIR: dataDir, DATABASE_URL: undefined }),
    REGISTER_URL: proxy.url,
    REGISTER_TIMEOUT_MS: '1000',
    REGISTER_BREAKER_RESET_MS: '500',
    PENDING_RETRY_MS: '200',
    OUTBOX_BACKOFF_BASE_MS: '100',
    OUTBOX_BACKOFF_MAX_MS: '500',
  };
  let gateway: GatewayProcess = await startGatewayProcess(env);
  const created = await fetch(`${gateway.url}/ops/clients`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${OPS_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      id: CLIENT,
      name: 'Crash run',
      organisation: 'Test',
      kind: 'existing',
      sandbox: false,
    }),
  });
  assert.equal(created.status, 201, await created.text());

  const acks = new Map<string, Ack>();
  let unanswered = 0;
  let next = 0;
  let killing = false;
  const worker = async () => {
    while (next < sent.length) {
      const s = sent[next++] as Sent;
      const ack = await send(gateway.url, s).catch(() => undefined);
      if (ack) acks.set(s.id, ack);
      else unanswered++;
      while (killing) await sleep(20);
    }
  };
  // The kills: the gateway every so often while the load runs, the register once midway.
  const killer = (async () => {
    const every = Math.max(1, Math.floor(sent.length / (opts.gatewayKills + 1)));
    for (let k = 1; k <= opts.gatewayKills; k++) {
      while (next < k * every) await sleep(10);
      if (k === Math.ceil(opts.gatewayKills / 2)) {
        await register.kill('SIGKILL');
        register = await startRegisterProcess({ reuse: register });
        proxy.retarget(register.url);
      }
      killing = true;
      await gateway.kill('SIGKILL');
      gateway = await startGatewayProcess(env);
      killing = false;
    }
  })();
  await Promise.all([killer, ...Array.from({ length: 8 }, worker)]);

  // Every notification once more: what got no answer, and what got one, which must be the same again.
  for (const s of sent) {
    const again = await send(gateway.url, s);
    const before = acks.get(s.id);
    if (before?.code)
      assert.equal(again.code ?? before.code, before.code, `${s.id} answered with another code`);
    if (!before) acks.set(s.id, again);
  }
  // Delivered in the end: each registered, a birth with the code it was acknowledged with.
  const codes = new Map<string, string>();
  for (const until = Date.now() + 120_000; ; ) {
    let waiting = 0;
    for (const s of sent) {
      if (codes.has(s.id)) continue;
      const res = await fetch(`${gateway.url}/v1/notifications/${s.id}`, {
        headers: { 'X-Road-Client': CLIENT },
      });
      const body = (await res.json()) as { status: string; child?: { personalIdentityCode: string } };
      if (body.status === 'registered') codes.set(s.id, body.child?.personalIdentityCode ?? '');
      else {
        assert.equal(body.status, 'pending', `${s.id}: ${JSON.stringify(body)}`);
        waiting++;
      }
    }
    if (waiting === 0) break;
    assert.ok(Date.now() < until, `${waiting} notifications never left pending`);
    await sleep(300);
  }
  for (const s of sent) {
    const ack = acks.get(s.id);
    if (ack?.code)
      assert.equal(codes.get(s.id), ack.code, `${s.id} registered with another code than acknowledged`);
  }
  const childCodes = sent.filter((s) => s.kind === 'birth').map((s) => codes.get(s.id));
  assert.equal(new Set(childCodes).size, childCodes.length, 'a code was given twice');

  await gateway.kill();
  await register.kill();
  await proxy.close();
  const holds = await registerHolds(register.env);
  assert.deepEqual(holds, {
    children: sent.filter((s) => s.kind === 'birth').length,
    deaths: sent.filter((s) => s.kind === 'death').length,
    keys: sent.length,
  });
  const ackd = [...acks.values()];
  return {
    notifications: sent.length,
    gatewayKills: opts.gatewayKills,
    registerKills: opts.gatewayKills > 0 ? 1 : 0,
    unanswered,
    acknowledged: {
      registered: ackd.filter((a) => a.status === 'registered').length,
      received: ackd.filter((a) => a.status === 'received').length,
    },
    registerHolds: holds,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

/** One notification on its channel; its acknowledgement, or a throw when no answer came. */
async function send(base: string, s: Sent): Promise<Ack> {
  if (s.channel === 'rest') {
    const body =
      s.kind === 'birth'
        ? birthInput({ id: s.id, mother: s.person, at: `${yesterday}T10:00:00Z` })
        : deathInput({
            id: s.id,
            person: s.person,
            date: yesterday,
            determinedAt: `${yesterday}T15:00:00+02:00`,
          });
    const res = await fetch(`${base}/v1/${s.kind}s`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Road-Client': CLIENT },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const json = (await res.json()) as { child?: { personalIdentityCode: string } };
    if (res.status === 201) return { status: 'registered', code: json.child?.personalIdentityCode };
    if (res.status === 202) return { status: 'received' };
    throw new Error(`${s.id}: HTTP ${res.status} ${JSON.stringify(json)}`);
  }
  const ep = s.channel === 'soap-v2' ? V2 : LEGACY;
  const xml =
    s.kind === 'birth'
      ? birthEnvelope(
          ep,
          {
            IlmoitusTunnus: s.id,
            'Aiti/Henkilotunnus': s.person,
            'Lapsi/SyntymaAika': `${yesterday}T12:00:00+02:00`,
          },
          CLIENT,
        )
      : deathEnvelope(
          ep,
          {
            IlmoitusTunnus: s.id,
            'Vainaja/Henkilotunnus': s.person,
            'Kuolema/Kuolinpaiva': yesterday,
            'Toteaminen/ToteamisAika': `${yesterday}T15:00:00+02:00`,
          },
          CLIENT,
        );
  const res = await fetch(`${base}${ep.path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' },
    body: xml,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${s.id}: HTTP ${res.status} ${text.slice(0, 300)}`);
  const tila = /<[\w:]*Tila>([A-Z]+)</.exec(text)?.[1];
  const code = /<[\w:]*Lapsi>\s*<[\w:]*Henkilotunnus>([^<]+)</.exec(text)?.[1];
  if (tila === 'REKISTEROITY') return { status: 'registered', code };
  if (tila === 'VASTAANOTETTU') return { status: 'received' };
  throw new Error(`${s.id}: ${text.slice(0, 300)}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (require.main === module) {
  const [n = '300', kills = '5'] = process.argv.slice(2);
  runCrash({ notifications: Number(n), gatewayKills: Number(kills) })
    .then((report) => {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return closeSharedDb();
    })
    .catch((err) => {
      process.stderr.write(
        `crash run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    });
}
