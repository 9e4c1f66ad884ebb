import assert from 'node:assert/strict';
import type { Database } from '../../src/infra/pg/database';
import { createPgliteDatabase } from '../../src/infra/pg/pglite-database';
import { BACKLOG_CLIENT, backlogBirths, ndjson, seedBacklog } from '../helpers/backlog';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process';
import { newTempDir, resetDb, sharedDb, usingRealPostgres } from '../helpers/test-db';

/**
 * NDJSON batches are decided by the instances' workers in the background,
 * from the database: a gateway killed in the middle of one loses nothing and
 * decides nothing twice, and several gateways on one database share the work
 * without ever taking the same item.
 */
const OPS_TOKEN = 'batch-crash-operator-token-0123';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Progress {
  status: string;
  total: number;
  processed: number;
  summary: { registered: number; refused: number; replayed: number };
}

async function upload(url: string, body: string): Promise<string> {
  const res = await fetch(`${url}/v1/batches`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-ndjson', 'X-Road-Client': BACKLOG_CLIENT },
    body,
  });
  assert.equal(res.status, 202, await res.clone().text());
  return ((await res.json()) as { location: string }).location;
}

async function progress(url: string, location: string): Promise<Progress> {
  const res = await fetch(`${url}${location}?limit=1`, { headers: { 'X-Road-Client': BACKLOG_CLIENT } });
  assert.equal(res.status, 200);
  return (await res.json()) as Progress;
}

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  for (const end = Date.now() + ms; !(await check()); await sleep(25)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

/** What the database holds of the batches and their notifications. */
async function stored(db: Database, tag: string) {
  const [n] = await db.query<{ notifications: number; codes: number; children: number }>(
    `SELECT count(*)::integer AS notifications, count(DISTINCT child_code)::integer AS codes,
       (SELECT count(*)::integer FROM persons WHERE personal_identity_code IN
          (SELECT child_code FROM notifications WHERE notification_id LIKE $1)) AS children
     FROM notifications WHERE notification_id LIKE $1`,
    [`${tag}-%`],
  );
  const undecided = await db.query('SELECT 1 FROM batch_items WHERE outcome IS NULL');
  return { ...(n as { notifications: number; codes: number; children: number }), undecided };
}

describe(`NDJSON batches across processes (${usingRealPostgres ? 'PostgreSQL' : 'embedded'})`, function () {
  this.timeout(300_000);
  let gateways: GatewayProcess[] = [];
  afterEach(async () => {
    await Promise.all(gateways.map((g) => g.kill('SIGKILL')));
    gateways = [];
  });

  it('SIGKILLed in the middle of a batch and started again: every item decided, each registered once', async () => {
    const dataDir = newTempDir();
    if (usingRealPostgres) await resetDb();
    const env = {
      OPS_TOKEN,
      SEED_DEMO: 'false',
      BATCH_LEASE_MS: '1000',
      ...(usingRealPostgres ? {} : { DATA_DIR: dataDir, DATABASE_URL: undefined }),
    };
    let gateway = await startGatewayProcess(env);
    gateways = [gateway];
    await seedBacklog(gateway.url, OPS_TOKEN);
    const total = 6000;
    const location = await upload(gateway.url, ndjson(backlogBirths(total, 'crash')));

    // Killed as soon as the first items are decided: the rest, and maybe some registered but not yet
    // recorded as decided, are left to the gateway started after it.
    let atKill: Progress | undefined;
    await until('the first items to be decided', 120_000, async () => {
      const p = await progress(gateway.url, location);
      if (p.processed === 0) return false;
      await gateway.kill('SIGKILL');
      atKill = p;
      return true;
    });
    assert.ok(atKill && atKill.processed < total, `killed in the middle: ${JSON.stringify(atKill)}`);
    gateway = await startGatewayProcess(env);
    gateways = [gateway];
    let done: Progress | undefined;
    await until('the batch to be done', 180_000, async () => {
      done = await progress(gateway.url, location);
      return done.status === 'done';
    });
    assert.equal(done?.processed, total);
    assert.equal(done?.summary.registered, total, JSON.stringify(done));
    assert.equal(done?.summary.refused, 0);

    await gateway.kill('SIGTERM');
    gateways = [];
    const db = usingRealPostgres ? await sharedDb() : await createPgliteDatabase(dataDir);
    try {
      const s = await stored(db, 'crash');
      assert.deepEqual([s.notifications, s.codes, s.children], [total, total, total]);
      assert.deepEqual(s.undecided, []);
    } finally {
      if (!usingRealPostgres) await db.close();
    }
  });

  if (usingRealPostgres) {
    it('two gateway processes on one database decide disjoint items: every item once, by one of them', async () => {
      await resetDb();
      // A lease longer than any round here: an item is claimed a second time only if SKIP LOCKED failed.
      const env = { OPS_TOKEN, SEED_DEMO: 'false', BATCH_LEASE_MS: '120000' };
      gateways = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
      const [a, b] = gateways as [GatewayProcess, GatewayProcess];
      await seedBacklog(a.url, OPS_TOKEN);
      const db = await sharedDb();
      const each = 3000;
      // Which instance claims which chunk is a race: one of them sometimes takes every chunk of a round. The
      // round is run again, up to eight times, until both took part in one; every round is checked in full.
      let rounds = 0;
      let shared = false;
      while (!shared && rounds < 8) {
        rounds++;
        const tag = `two-${rounds}`;
        const locations = await Promise.all([
          upload(a.url, ndjson(backlogBirths(each, `${tag}-a`))),
          upload(b.url, ndjson(backlogBirths(each, `${tag}-b`))),
        ]);
        for (const location of locations) {
          await until(
            'the batch to be done',
            180_000,
            async () => (await progress(a.url, location)).status === 'done',
          );
          const p = await progress(b.url, location);
          assert.equal(p.summary.registered, each, JSON.stringify(p));
          assert.equal(p.summary.replayed, 0, 'no item was decided twice');
        }
        const ids = locations.map((l) => l.slice('/v1/batches/'.length));
        const claims = await db.query<{ claims: number; n: number }>(
          `SELECT claims, count(*)::integer AS n FROM batch_items WHERE batch_id = ANY($1::uuid[])
           GROUP BY claims ORDER BY claims`,
          [ids],
        );
        assert.deepEqual(claims, [{ claims: 1, n: 2 * each }], 'every item claimed exactly once');
        const owners = await db.query(
          'SELECT DISTINCT claimed_by FROM batch_items WHERE batch_id = ANY($1::uuid[])',
          [ids],
        );
        shared = owners.length === 2;
      }
      assert.ok(shared, `both gateways took part in one of ${rounds} rounds`);
      // Every round's notifications, each with its own code: no code was handed out twice by the two.
      const s = await stored(db, 'two');
      const total = 2 * each * rounds;
      assert.deepEqual([s.notifications, s.codes, s.children], [total, total, total]);
      assert.deepEqual(s.undecided, []);
    });
  }
});
