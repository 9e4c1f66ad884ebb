import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/gateway';
import { createLogger } from '../../src/infra/logger';
import { type Database, DatabaseUnavailableError } from '../../src/infra/pg/database';
import { birth } from '../helpers/builders';
import { asClient, type Harness, OPS_TOKEN, seedStandard, startHarness } from '../helpers/harness';
import { listen, postJson } from '../helpers/listen';
import { startTcpRelay, type TcpRelay } from '../helpers/tcp-relay';
import { sharedDb, usingRealPostgres } from '../helpers/test-db';

/**
 * A PostgreSQL server that stops answering: a relay of the test's own sits
 * between the gateway and the machine's server and cuts the network
 * (blackhole: no reset, no FIN) or refuses (reset and refused connections).
 * Only PostgreSQL has a network to lose, so this suite belongs to the run on
 * PostgreSQL (CI's second run); the embedded store runs inside the process.
 */
const OUTAGE_ANSWER_WITHIN_MS = 6000; // the default timeouts answer in about 3 s; room for a loaded machine
const READY_WITHIN_MS = 2000;

if (usingRealPostgres)
  describe('a PostgreSQL server that stops answering', function () {
    this.timeout(120_000);
    let relay: TcpRelay;
    let db: Database;
    let h: Harness;
    let server: { url: string; close: () => Promise<void> };
    // Clients are cached as in production (the harness's clock stands still, so they stay cached): the
    // requests reach the registering transactions. The operator API reads the database every time.
    const env = {};

    beforeEach(async () => {
      const url = loadConfig(process.env).databaseUrl as string;
      const u = new URL(url);
      relay = await startTcpRelay({ host: u.hostname, port: Number(u.port || 5432) });
      const seed = await startHarness(); // empties the shared database, over the direct connection
      await seedStandard(seed);
      const config = loadConfig({ ...process.env, OPS_TOKEN, DATABASE_URL: relay.via(url), ...env });
      db = await openDatabase(config, createLogger('silent'));
      h = await startHarness({ db, env });
      server = await listen(h.gateway.app);
    });
    afterEach(async () => {
      await relay.set('forward');
      await server.close();
      await db.close();
      await relay.close();
    });

    /** A request's answer and how long it took. */
    async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
      const start = Date.now();
      const value = await fn();
      return { value, ms: Date.now() - start };
    }
    const post = (body: unknown) =>
      postJson(`${server.url}/v1/births`, body, { 'X-Road-Client': 'FI/GOV/0123456-7/synnytys' });
    const girl = (id: string, day = '2026-11-20') =>
      birth({ child: { birthDateTime: `${day}T10:00:00Z`, sex: 'female' } }, id);

    async function ready(): Promise<{ status: number; ms: number }> {
      const { value, ms } = await timed(() => fetch(`${server.url}/readyz`));
      return { status: value.status, ms };
    }

    /** Sends until the gateway answers 201 again, with no restart; gives up after `withinMs`. */
    async function recovered(id: string, withinMs = 30_000): Promise<void> {
      const until = Date.now() + withinMs;
      for (;;) {
        const res = await post(girl(id));
        if (res.status === 201) return;
        assert.equal(
          res.status,
          503,
          `only 503 while recovering, got ${res.status} ${JSON.stringify(res.body)}`,
        );
        assert.ok(Date.now() < until, 'the gateway recovered by itself');
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    it('answers 503 with Retry-After within seconds during a partition, is truthfully not ready, and recovers', async () => {
      const before = await post(girl('before-outage'));
      assert.equal(before.status, 201);
      assert.equal((await ready()).status, 200);

      await relay.set('blackhole');
      // In flight at once, more than the batches running side by side hold: pooled connections that no
      // longer answer, new ones that never open, and submissions queued behind them.
      const answers = await Promise.all(
        Array.from({ length: 300 }, (_, i) => timed(() => post(girl(`during-outage-${i}`)))),
      );
      for (const { value, ms } of answers) {
        assert.equal(value.status, 503, JSON.stringify(value.body));
        assert.equal(value.body.code, 'SERVICE_UNAVAILABLE');
        assert.equal(value.headers.get('retry-after'), '5');
        assert.ok(ms < OUTAGE_ANSWER_WITHIN_MS, `answered in ${ms} ms`);
      }
      const status = await timed(() =>
        fetch(`${server.url}/v1/notifications/before-outage`, {
          headers: { 'X-Road-Client': 'FI/GOV/0123456-7/synnytys' },
        }),
      );
      assert.equal(status.value.status, 503);
      assert.ok(status.ms < OUTAGE_ANSWER_WITHIN_MS, `status answered in ${status.ms} ms`);
      const ops = await timed(() =>
        fetch(`${server.url}/ops/clients`, { headers: { Authorization: `Bearer ${OPS_TOKEN}` } }),
      );
      assert.equal(ops.value.status, 503);
      assert.ok(ops.ms < OUTAGE_ANSWER_WITHIN_MS, `/ops/clients answered in ${ops.ms} ms`);
      for (let i = 0; i < 3; i++) {
        const r = await ready();
        assert.equal(r.status, 503);
        assert.ok(r.ms < READY_WITHIN_MS, `/readyz answered in ${r.ms} ms`);
      }

      await relay.set('forward');
      await recovered('after-outage');
      assert.equal((await ready()).status, 200);
      // Nothing acknowledged is lost, and what was refused can simply be sent again.
      const kept = await asClient(h).status('before-outage').expect(200);
      assert.equal(kept.body.child.personalIdentityCode, before.body.child.personalIdentityCode);
      const again = await post(girl('during-outage-0'));
      assert.equal(again.status, 201);
    });

    it('keeps every acknowledged notification when the network is cut with requests in flight', async () => {
      const sent = Array.from({ length: 40 }, (_, i) => girl(`in-flight-${i}`));
      const flight = Promise.all(sent.map((b) => post(b)));
      await new Promise((r) => setTimeout(r, 15));
      await relay.set('blackhole');
      const answers = await flight;
      for (const a of answers)
        assert.ok([201, 503].includes(a.status), `${a.status} ${JSON.stringify(a.body)}`);
      await relay.set('forward');
      await recovered('after-cut');

      // Whatever was acknowledged is registered with the code it was given; the rest, sent again, is
      // registered once (a commit whose answer was lost comes back as a replay).
      const codes = new Set<string>();
      for (const [i, a] of answers.entries()) {
        const res = await post(sent[i]);
        assert.equal(res.status, 201, JSON.stringify(res.body));
        if (a.status === 201) {
          assert.equal(res.headers.get('idempotent-replayed'), 'true');
          assert.equal(res.body.child.personalIdentityCode, a.body.child.personalIdentityCode);
        }
        codes.add(res.body.child.personalIdentityCode);
      }
      assert.equal(codes.size, sent.length, 'every birth has a code of its own');
      const direct = await sharedDb();
      const rows = await direct.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM notifications WHERE notification_id LIKE 'in-flight-%' AND status = 'registered'",
      );
      assert.equal(rows[0]?.n, sent.length);
    });

    it('answers 503 at once while the server refuses connections, and recovers', async () => {
      assert.equal((await post(girl('before-refusal'))).status, 201);
      await relay.set('refuse');
      for (let i = 0; i < 5; i++) {
        const { value, ms } = await timed(() => post(girl(`refused-${i}`)));
        assert.equal(value.status, 503, JSON.stringify(value.body));
        assert.equal(value.headers.get('retry-after'), '5');
        assert.ok(ms < OUTAGE_ANSWER_WITHIN_MS, `answered in ${ms} ms`);
      }
      const r = await ready();
      assert.deepEqual([r.status, r.ms < READY_WITHIN_MS], [503, true]);
      await relay.set('forward');
      await recovered('after-refusal');
      await asClient(h).status('before-refusal').expect(200);
    });

    it('lets other instances go on once a partitioned one held locks: the server ends its transaction', async () => {
      // An instance cut off in the middle of a transaction holds the day's code series locked…
      let cutOff: () => void = () => {};
      const isCut = new Promise<void>((resolve) => {
        cutOff = resolve;
      });
      const held = db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO code_series (birth_date, pool, parity, sign_index, last_number)
         VALUES ('2026-11-20', 'permanent', 0, 0, 0)
         ON CONFLICT (birth_date, pool, parity) DO UPDATE SET sign_index = code_series.sign_index`,
        );
        await relay.set('blackhole');
        cutOff();
        await tx.query('SELECT 1');
      });
      await isCut;

      // …so another instance, on a healthy connection, waits for it at most its lock timeout…
      const other = await startHarness({ db: await sharedDb(), reset: false, env });
      const blocked = await timed(() => asClient(other).births(girl('other-instance-1')));
      assert.equal(blocked.value.status, 503, JSON.stringify(blocked.value.body));
      assert.ok(blocked.ms < OUTAGE_ANSWER_WITHIN_MS, `answered in ${blocked.ms} ms`);
      await assert.rejects(held, (err: unknown) => err instanceof DatabaseUnavailableError);

      // …and once the server has ended the silent transaction, it registers again, still cut off.
      const until = Date.now() + 30_000;
      for (;;) {
        const res = await asClient(other).births(girl('other-instance-2'));
        if (res.status === 201) break;
        assert.equal(res.status, 503);
        assert.ok(Date.now() < until, 'the idle transaction was ended');
        await new Promise((r) => setTimeout(r, 250));
      }
    });
  });
