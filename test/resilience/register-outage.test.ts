import assert from 'node:assert/strict';
import { formatHetu } from '../../src/core/hetu/hetu';
import { helsinkiDate } from '../../src/core/time/helsinki';
import { birthInput } from '../helpers/builders';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process';
import { postJson } from '../helpers/listen';
import { type RegisterProcess, registerHolds, startRegisterProcess } from '../helpers/register-process';
import { newTempDir, resetDb, usingRealPostgres } from '../helpers/test-db';

/**
 * The register down for a while, behind gateways as operators run them: on
 * PostgreSQL two gateway processes sharing one database, on the embedded
 * store one. Every birth sent meanwhile is answered 202; once the register is
 * back, each is delivered (by whichever instance claims it) and registered
 * exactly once: one child in the register per birth, every code its own, and
 * the status query shows it.
 */
const OPS_TOKEN = 'outage-test-operator-token-01';
const CLIENT = 'FI/GOV/0123456-7/outage';
const BIRTHS = 40;
const today = helsinkiDate(new Date());
const yesterdayNoon = `${helsinkiDate(new Date(Date.now() - 86_400_000))}T10:00:00Z`;
const mother = (i: number) =>
  formatHetu(helsinkiDate(new Date(Date.parse('1985-01-01T12:00:00Z') + i * 86_400_000)), '-', 202);

describe('the register down for a while: 202 now, registered exactly once after', function () {
  this.timeout(240_000);
  let register: RegisterProcess;
  let proxy: FaultProxy;
  let gateways: GatewayProcess[] = [];

  before(async () => {
    register = await startRegisterProcess();
    await register.loadPersons(
      Array.from({ length: BIRTHS }, (_, i) => ({ personalIdentityCode: mother(i) })),
    );
    proxy = await startFaultProxy(register.url);
    const env: Record<string, string | undefined> = {
      OPS_TOKEN,
      SEED_DEMO: 'false',
      CLIENT_CACHE_MS: '0',
      REGISTER_URL: proxy.url,
      REGISTER_TIMEOUT_MS: '500',
      REGISTER_BREAKER_RESET_MS: '500',
      PENDING_RETRY_MS: '200',
      OUTBOX_BACKOFF_BASE_MS: '100',
      OUTBOX_BACKOFF_MAX_MS: '400',
    };
    if (usingRealPostgres) {
      await resetDb();
      gateways = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
    } else {
      gateways = [await startGatewayProcess({ ...env, DATA_DIR: newTempDir(), DATABASE_URL: undefined })];
    }
    const created = await fetch(`${gateways[0]?.url}/ops/clients`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${OPS_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: CLIENT,
        name: 'Outage test',
        organisation: 'Test',
        kind: 'new',
        sandbox: false,
      }),
    });
    assert.equal(created.status, 201, await created.text());
  });
  after(async () => {
    await Promise.all(gateways.map((g) => g.kill()));
    await proxy?.close();
    await register?.kill();
  });

  it('answers every birth 202 while the register is down, then registers each once, with its own code', async () => {
    proxy.set({ mode: 'refuse' });
    const sent = Array.from({ length: BIRTHS }, (_, i) =>
      birthInput({
        id: `outage-${today}-${i}`,
        mother: mother(i),
        at: yesterdayNoon,
        sex: i % 2 ? 'male' : 'female',
      }),
    );
    const answers = await Promise.all(
      sent.map((body, i) =>
        postJson(`${gateways[i % gateways.length]?.url}/v1/births`, body, { 'X-Road-Client': CLIENT }),
      ),
    );
    for (const a of answers) assert.equal(a.status, 202, JSON.stringify(a.body));

    // Down a little longer: the outbox keeps trying (and the breaker opens); nothing is lost meanwhile.
    await new Promise((r) => setTimeout(r, 1500));
    proxy.set({ mode: 'forward' });

    const codes = new Map<string, string>();
    for (const until = Date.now() + 60_000; codes.size < BIRTHS && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 300));
      for (const [i, body] of sent.entries()) {
        if (codes.has(body.notificationId as string)) continue;
        const res = await fetch(
          `${gateways[(i + 1) % gateways.length]?.url}/v1/notifications/${body.notificationId}`,
          {
            headers: { 'X-Road-Client': CLIENT },
          },
        );
        const status = (await res.json()) as { status: string; child?: { personalIdentityCode: string } };
        if (status.status === 'registered' && status.child)
          codes.set(body.notificationId as string, status.child.personalIdentityCode);
        else assert.equal(status.status, 'pending', JSON.stringify(status));
      }
    }
    assert.equal(codes.size, BIRTHS, 'every birth registered after the register came back');
    assert.equal(new Set(codes.values()).size, BIRTHS, 'no code given twice');

    // One child per birth in the register, however many attempts and instances there were.
    await register.kill();
    const held = await registerHolds(register.env);
    assert.deepEqual(held, { children: BIRTHS, deaths: 0, keys: BIRTHS });
  });
});
