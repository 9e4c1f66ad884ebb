import assert from 'node:assert/strict';
import { createPgliteDatabase } from '../../src/infra/pg/pglite-database';
import { birthInput } from '../helpers/builders';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy';
import { startGatewayProcess } from '../helpers/gateway-process';
import { CLIENTS, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { postJson } from '../helpers/listen';
import { type RegisterProcess, startRegisterProcess } from '../helpers/register-process';
import { newTempDir, usingRealPostgres } from '../helpers/test-db';

/**
 * SIGTERM: readiness says so at once while requests are still taken (the
 * drain), then nothing new is taken, a request under way is answered (here
 * one waiting for a slow register), batches under way settle before the
 * database closes, then the process stops by itself.
 */
const OPS_TOKEN = 'shutdown-test-operator-token-1';
const CLIENT = 'FI/GOV/0123456-7/shutdown';

describe('graceful shutdown on SIGTERM', function () {
  this.timeout(120_000);

  it('answers readiness 503 "shutting-down" from the moment it is told to stop', async () => {
    const h = await startHarness();
    await seedStandard(h);
    const ready = (await h.http.get('/readyz').expect(200)).body;
    assert.equal(ready.register.kind, 'embedded');
    // What an acknowledged notification survives, said where operators look.
    assert.match(
      ready.durability,
      usingRealPostgres
        ? /power loss: kept as PostgreSQL/
        : /power loss: kept as far as the disk keeps what is synced .*set DATABASE_URL/,
    );
    h.gateway.lifecycle.draining = true;
    const res = await h.http.get('/readyz').expect(503);
    assert.equal(res.body.status, 'shutting-down');
    assert.equal(res.headers.connection, 'close');
    // What is under way or already on a connection is still served.
    await h.http.get(`/v1/notifications/none`).set('X-Road-Client', CLIENTS.rest).expect(404);
  });

  describe('as npm start runs it', () => {
    let register: RegisterProcess;
    let proxy: FaultProxy;
    before(async () => {
      register = await startRegisterProcess();
      await register.loadPersons([{ personalIdentityCode: PERSONS.mother }]);
      proxy = await startFaultProxy(register.url);
    });
    after(async () => {
      await proxy?.close();
      await register?.kill();
    });

    /** A gateway before a register that holds every call until the test lets it go, and a birth under way. */
    const withBirthUnderWay = async (env: Record<string, string>) => {
      const dataDir = newTempDir();
      proxy.set({ mode: 'forward' });
      const g = await startGatewayProcess({
        OPS_TOKEN,
        SEED_DEMO: 'false',
        DATA_DIR: dataDir,
        DATABASE_URL: undefined,
        REGISTER_URL: proxy.url,
        REGISTER_TIMEOUT_MS: '60000',
        ...env,
      });
      const created = await postJson(
        `${g.url}/ops/clients`,
        { id: CLIENT, name: 'Shutdown test', organisation: 'Test', kind: 'new', sandbox: false },
        { Authorization: `Bearer ${OPS_TOKEN}` },
      );
      assert.equal(created.status, 201);
      proxy.set({ mode: 'hang' });
      const reached = proxy.counts.received;
      const body = birthInput();
      const inFlight = postJson(`${g.url}/v1/births`, body, { 'X-Road-Client': CLIENT });
      // Its notification is committed and its call is at the register.
      await until(() => proxy.counts.received > reached);
      return { g, dataDir, inFlight, id: body.notificationId as string };
    };

    it('drains (ready 503, still serving), then closes, answers what is under way, and exits by itself', async () => {
      const { g, inFlight } = await withBirthUnderWay({
        SHUTDOWN_DRAIN_MS: '8000',
        SHUTDOWN_GRACE_MS: '60000',
      });
      assert.match(
        g.output(),
        /Embedded store: every commit is synced to disk, in this one process\. Production: set DATABASE_URL/,
      );
      const stopped = g.kill('SIGTERM');
      await g.waitForOutput(/"msg":"shutting down"/);
      // The drain: readiness says stop sending, and what is still sent is served, on a new connection too.
      const ready = await fetch(`${g.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { status: string }).status, 'shutting-down');
      assert.equal((await fetch(`${g.url}/healthz`)).status, 200);
      await g.waitForOutput(/"msg":"closing: no new connections"/, 30_000);
      await assert.rejects(fetch(`${g.url}/healthz`), 'no new connection is taken');
      proxy.release(); // the register answers the call under way at last
      const answer = await inFlight;
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.match(answer.body.child.personalIdentityCode, /^\d{6}[-A-Y]\d{3}[0-9A-Y]$/);
      await stopped;
      const out = await g.waitForOutput(/"msg":"stopped"/);
      const at = (pattern: RegExp) => {
        const i = out.search(pattern);
        assert.ok(i >= 0, `${pattern} in the output`);
        return i;
      };
      const order = [
        at(/"msg":"shutting down"/),
        at(/"route":"\/readyz","status":503/),
        at(/"route":"\/healthz","status":200[^\n]*"msg":"request"/),
        at(/"msg":"closing: no new connections"/),
        at(/"route":"\/v1\/births","status":201/),
        at(/"msg":"waiting for batches under way"/),
        at(/"msg":"stopped"/),
      ];
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        'drain, close, the request under way answered, batches settled, stopped',
      );
    });

    it('closes the database only once the batches under way have settled, even when their clients were cut off', async () => {
      const { g, dataDir, inFlight, id } = await withBirthUnderWay({
        SHUTDOWN_DRAIN_MS: '0',
        SHUTDOWN_GRACE_MS: '200',
      });
      const stopped = g.kill('SIGTERM');
      // Past the grace period the client's connection is cut, while its call still waits at the register.
      await assert.rejects(inFlight);
      await g.waitForOutput(/"msg":"waiting for batches under way"/, 30_000);
      proxy.release();
      await stopped;
      await g.waitForOutput(/"msg":"stopped"/);
      // The register's answer was recorded before the database closed.
      const db = await createPgliteDatabase(dataDir);
      try {
        const [row] = await db.query<{ status: string; child_code: string | null }>(
          'SELECT status, child_code FROM notifications WHERE notification_id = $1',
          [id],
        );
        assert.equal(row?.status, 'registered');
        assert.match(row?.child_code ?? '', /^\d{6}[-A-Y]\d{3}[0-9A-Y]$/);
      } finally {
        await db.close();
      }
    });
  });
});

/** Waits for `done`; the deadline only ends a test that fails. */
async function until(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 20_000; !done(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > deadline) assert.fail('never came');
  }
}
