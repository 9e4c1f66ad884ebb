import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { AuditEvent } from '../../src/core/audit/audit-record';
import { AuditTrail } from '../../src/core/audit/audit-trail';
import { auditQueries } from '../../src/infra/pg/audit-sql';
import type { Database } from '../../src/infra/pg/database';
import { migrate } from '../../src/infra/pg/migrate';
import { fixedClock } from '../helpers/clock';
import { emptyNotificationAudit, newTempDir, openTestDatabase, resetDb, sharedDb } from '../helpers/test-db';

const DAY = 86_400_000;
const quiet = { info() {}, warn() {}, error() {} };
const MOTHER = '131052-308T';

function event(notificationId: string, persons: string[] = [MOTHER]): AuditEvent {
  return {
    channel: 'rest',
    operation: 'birth',
    clientId: 'FI/GOV/0123456-7/synnytys',
    clientIdentified: true,
    xRoadId: null,
    userId: null,
    notificationId,
    outcome: 'REGISTERED',
    replayed: false,
    httpStatus: 201,
    persons,
  };
}

function trailOver(
  db: Database,
  opts: { now: string; key?: string; retentionDays?: number; purgeChunk?: number },
) {
  const clock = fixedClock(opts.now);
  const logged: Record<string, unknown>[] = [];
  const logger = { ...quiet, info: (fields: Record<string, unknown>) => void logged.push(fields) };
  const trail = new AuditTrail({
    store: auditQueries(db, opts.key),
    clock,
    logger,
    retentionDays: opts.retentionDays ?? 30,
    purgeChunk: opts.purgeChunk,
  });
  return { trail, clock, logged };
}

/** The refusal, as the database words it. */
async function refused(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  assert.fail('the change was made');
}

describe('notification audit trail in the database', () => {
  let db: Database;
  beforeEach(async () => {
    db = await sharedDb();
    await resetDb();
  });

  it('puts each row into the persons index as it is written: no pending list merged in one flush', async () => {
    // With GIN's fastupdate, entries waited in a pending list that the one insert finding it past 4 MB merged
    // into the index: a flush of 160–200 ms every 20 s at 1,100 births a second, on the embedded store the
    // event loop's (migration 011).
    const [index] = await db.query<{ options: string[] | null }>(
      "SELECT reloptions AS options FROM pg_class WHERE relname = 'notification_audit_persons'",
    );
    assert.ok(index?.options?.includes('fastupdate=off'), `reloptions: ${JSON.stringify(index?.options)}`);
    const { trail } = trailOver(db, { now: '2026-11-23T12:00:00+02:00' });
    trail.record(event('n-direct-1'));
    trail.record(event('n-direct-2', ['010101-0101']));
    await trail.flush();
    // Searched through the index, as an operator's search by person is.
    const [hash] = await db.query<{ h: string }>(
      "SELECT person_hashes[1] AS h FROM notification_audit WHERE notification_id = 'n-direct-1'",
    );
    const found = await db.transaction(async (tx) => {
      await tx.exec('SET LOCAL enable_seqscan = off');
      return tx.query<{ id: string }>(
        'SELECT notification_id AS id FROM notification_audit WHERE person_hashes @> ARRAY[$1::text]',
        [hash?.h],
      );
    });
    assert.deepEqual(
      found.map((r) => r.id),
      ['n-direct-1'],
    );
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit rows', async () => {
    const { trail } = trailOver(db, { now: '2026-11-23T12:00:00+02:00' });
    trail.record(event('a-1'));
    await trail.flush();
    assert.match(await refused(db.query("UPDATE notification_audit SET outcome = 'X'")), /append-only/);
    assert.match(await refused(db.query('DELETE FROM notification_audit')), /append-only/);
    assert.match(await refused(db.exec('TRUNCATE notification_audit')), /append-only/);
    // Even in a purge's transaction, a row newer than the instant the purge names stays.
    const inPurge = db.transaction(async (tx) => {
      await tx.query("SELECT set_config('vtj.audit_purge_before', '2020-01-01T00:00:00Z', true)");
      await tx.query('DELETE FROM notification_audit');
    });
    assert.match(await refused(inPurge), /append-only/);
    const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_audit');
    assert.equal(row?.n, 1);
  });

  it('purges exactly the rows older than the retention, in chunks, and says how many', async () => {
    const now = new Date('2026-11-23T12:00:00+02:00').getTime();
    const { trail, clock, logged } = trailOver(db, { now: new Date(now).toISOString(), purgeChunk: 2 });
    // Days before now: past the 30-day retention by a millisecond or more, and on it or within it.
    const ages = [400 * DAY, 31 * DAY, 30 * DAY + 1, 30 * DAY, 30 * DAY - 1, DAY, 0];
    for (const [i, age] of ages.entries()) {
      clock.set(new Date(now - age).toISOString());
      trail.record(event(`p-${i}`));
    }
    await trail.flush();
    clock.set(new Date(now).toISOString());
    assert.equal(await trail.purge(), 3);
    const left = await db.query<{ notification_id: string }>(
      'SELECT notification_id FROM notification_audit ORDER BY at',
    );
    assert.deepEqual(
      left.map((r) => r.notification_id),
      ['p-3', 'p-4', 'p-5', 'p-6'],
    );
    assert.deepEqual(
      logged.map((l) => l.purged),
      [3],
    );
    assert.equal(await trail.purge(), 0, 'nothing more to purge');
  });

  it('stops purging when another instance holds the purge (its lock taken)', async () => {
    const store = auditQueries(db, undefined);
    let asked = 0;
    const busy = {
      ...store,
      purgeChunk: async () => {
        asked++;
        return null;
      },
    };
    const trail = new AuditTrail({
      store: busy,
      clock: fixedClock('2026-11-23T12:00:00+02:00'),
      logger: quiet,
      retentionDays: 30,
    });
    assert.equal(await trail.purge(), 0);
    assert.equal(asked, 1);
  });

  it('hashes with AUDIT_HASH_KEY when it is set: HMAC-SHA-256 of the code', async () => {
    const key = 'k'.repeat(40);
    const { trail } = trailOver(db, { now: '2026-11-23T12:00:00+02:00', key });
    trail.record(event('k-1'));
    await trail.flush();
    const [row] = (await trail.list({ limit: 10 })).entries;
    const expected = createHmac('sha256', key).update(`person:${MOTHER}`).digest('hex');
    assert.deepEqual(row?.personHashes, [expected]);
    const found = await trail.list({ limit: 10, person: MOTHER.toLowerCase() });
    assert.equal(found.entries.length, 1);
  });

  it('keeps the hashes comparable across restarts without AUDIT_HASH_KEY: the key is made once, in the database', async () => {
    // A database of its own, opened, used, closed and opened again as a restarted gateway would.
    const dir = newTempDir();
    const first = await openTestDatabase(dir);
    await migrate(first);
    await emptyNotificationAudit(first);
    const one = trailOver(first, { now: '2026-11-23T12:00:00+02:00' }).trail;
    one.record(event('r-1'));
    await one.flush();
    const [before] = (await one.list({ limit: 1 })).entries;
    await first.close();

    const second = await openTestDatabase(dir);
    try {
      const two = trailOver(second, { now: '2026-11-23T12:00:05+02:00' }).trail;
      two.record(event('r-2'));
      await two.flush();
      const found = await two.list({ limit: 10, person: MOTHER });
      assert.deepEqual(
        found.entries.map((e) => e.notificationId),
        ['r-2', 'r-1'],
      );
      assert.deepEqual(found.entries[0]?.personHashes, before?.personHashes);
      // The key stays: it cannot be changed or removed.
      assert.match(await refused(second.query("UPDATE audit_hash_key SET key = 'other'")), /refused/);
    } finally {
      await second.close();
    }
  });

  it('writes a large flush in several statements, letting others run between them; a failure keeps only the unwritten', async () => {
    const store = auditQueries(db, 'k'.repeat(40));
    const sizes: number[] = [];
    const turns: number[] = [];
    let failAt = 2;
    const counted = {
      ...store,
      append: (rows: Parameters<typeof store.append>[0]) => {
        sizes.push(rows.length);
        return sizes.length === failAt ? Promise.reject(new Error('down')) : store.append(rows);
      },
    };
    const trail = new AuditTrail({
      store: counted,
      clock: fixedClock('2026-11-23T12:00:00+02:00'),
      logger: quiet,
      retentionDays: 30,
      flushAt: 1000,
      rowsPerStatement: 4,
      yieldTurn: async () => void turns.push(sizes.length),
    });
    for (let i = 0; i < 10; i++) trail.record(event(`c-${i}`));
    await assert.rejects(trail.flush(), /down/);
    assert.deepEqual(sizes, [4, 4]);
    assert.equal(trail.waiting, 6, 'the first four are written, the rest wait');
    failAt = 0;
    sizes.length = 0;
    turns.length = 0;
    await trail.flush();
    assert.deepEqual(sizes, [4, 2]);
    assert.deepEqual(turns, [1], 'one turn given between the two statements, none before the first');
    assert.equal((await trail.list({ limit: 20 })).entries.length, 10);
  });

  it('keeps rows whose flush failed for the next flush', async () => {
    let fail = true;
    const store = auditQueries(db, 'k'.repeat(40));
    const flaky = {
      ...store,
      append: (rows: Parameters<typeof store.append>[0]) =>
        fail ? Promise.reject(new Error('down')) : store.append(rows),
    };
    const trail = new AuditTrail({
      store: flaky,
      clock: fixedClock('2026-11-23T12:00:00+02:00'),
      logger: quiet,
      retentionDays: 30,
    });
    trail.record(event('f-1'));
    await assert.rejects(trail.flush(), /down/);
    trail.record(event('f-2'));
    assert.equal(trail.waiting, 2);
    fail = false;
    await trail.flush();
    assert.equal(trail.waiting, 0);
    assert.deepEqual(
      (await trail.list({ limit: 10 })).entries.map((e) => e.notificationId),
      ['f-2', 'f-1'],
    );
  });
  it('caughtUp writes a backlog down below its limit, and returns at once below it or when writing fails', async () => {
    let fail = false;
    const store = auditQueries(db, 'k'.repeat(40));
    const writes: number[] = [];
    const flaky = {
      ...store,
      append: (rows: Parameters<typeof store.append>[0]) => {
        writes.push(rows.length);
        return fail ? Promise.reject(new Error('down')) : store.append(rows);
      },
    };
    const trail = new AuditTrail({
      store: flaky,
      clock: fixedClock('2026-11-23T12:00:00+02:00'),
      logger: quiet,
      retentionDays: 30,
      flushAt: 1000,
    });
    for (let i = 0; i < 4; i++) trail.record(event(`u-${i}`));
    await trail.caughtUp(5);
    assert.deepEqual(writes, [], 'below the limit: nothing is written');
    for (let i = 4; i < 8; i++) trail.record(event(`u-${i}`));
    await trail.caughtUp(5);
    assert.equal(trail.waiting, 0);
    assert.deepEqual(writes, [8]);
    assert.equal((await trail.list({ limit: 20 })).entries.length, 8);
    fail = true;
    for (let i = 8; i < 14; i++) trail.record(event(`u-${i}`));
    await trail.caughtUp(5);
    assert.equal(trail.waiting, 6, 'a failed write keeps its rows and lets the caller go on');
  });
});
