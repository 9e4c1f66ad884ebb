import assert from 'node:assert/strict';
import pg from 'pg';
import { NOT_YET_TRIED } from '../../src/core/notifications/notification';
import { type Database, DatabaseUnavailableError } from '../../src/infra/pg/database';
import { migrate } from '../../src/infra/pg/migrate';
import { createPgliteDatabase } from '../../src/infra/pg/pglite-database';
import {
  guardRegisterMode,
  MODE_CHANGE_ATTEMPTS,
  type RegisterMode,
  RegisterModeChanged,
  recordRegisterMode,
} from '../../src/infra/pg/register-mode-sql';
import { createStore } from '../../src/infra/pg/store';
import { systemClock } from '../../src/infra/system-clock';
import { explain, runCli } from '../cli/run-cli';
import { birthInput, pendingBirthRow } from '../helpers/builders';
import { startGatewayProcess } from '../helpers/gateway-process';
import { asClient, CLIENTS, NOW, seedStandard, startHarness } from '../helpers/harness';
import { newTempDir, resetDb, sharedDb, testDatabaseUrl, usingRealPostgres } from '../helpers/test-db';

/**
 * The database records which register its outbox belongs to. A gateway or an
 * outbox command of the CLI in the other mode, while notifications are
 * pending for the recorded one, refuses instead of settling them with the
 * wrong register; with nothing pending, a gateway's start records its mode.
 */
const CLIENT = 'FI/GOV/0123456-7/mode';
const OPS_TOKEN = 'register-mode-operator-token-1';
/** Nothing listens there: a command that reached the register would fail, not settle anything. */
const NOWHERE = 'http://127.0.0.1:9';

/** An embedded database whose outbox belongs to `mode`, with `pending` notifications pending for it. */
async function databaseOf(mode: RegisterMode, pending: number): Promise<string> {
  const dir = newTempDir();
  const db = await createPgliteDatabase(dir);
  try {
    await migrate(db);
    const now = systemClock.now();
    await recordRegisterMode(db, mode, now);
    const store = createStore(db, { clock: systemClock, clientCacheMs: 0 });
    const client = { id: CLIENT, name: 'Mode', organisation: 'Test', kind: 'new' as const, sandbox: true };
    await store.clients.insert({ ...client, certificateFingerprints: [] }, now);
    const rows = Array.from({ length: pending }, (_, i) => ({
      ...pendingBirthRow(CLIENT, `mode-${i}`, '010155-920A', now),
      delivery: { ...NOT_YET_TRIED, attempts: mode === 'remote' ? 1 : 0 },
    }));
    await store.transaction((tx) => tx.notifications.insertMany(rows));
  } finally {
    await db.close();
  }
  return dir;
}

const gatewayEnv = (dir: string, registerUrl: string | undefined) => ({
  OPS_TOKEN,
  SEED_DEMO: 'false',
  DATA_DIR: dir,
  DATABASE_URL: undefined,
  REGISTER_URL: registerUrl,
});

describe('the register the outbox belongs to, recorded in the database', function () {
  this.timeout(120_000);

  it('refuses an outbox command without REGISTER_URL on a remote outbox with notifications pending', async () => {
    const dir = await databaseOf('remote', 1);
    const args = ['outbox', 'withdraw', CLIENT, 'mode-0'];
    const refused = await runCli(dir, args);
    assert.equal(refused.code, 2, explain(args, refused));
    assert.match(refused.stderr, /belongs to the remote register and 1 notification is pending/);
    assert.match(refused.stderr, /Set REGISTER_URL/);
    // Nothing was settled: with the register's setting the command sees it pending still.
    const listed = await runCli(dir, ['outbox', 'list', '--all', '--json'], {
      env: { REGISTER_URL: NOWHERE },
    });
    assert.equal(listed.code, 0, explain(['outbox', 'list'], listed));
    assert.deepEqual(
      JSON.parse(listed.stdout).pending.map((e: { status: string }) => e.status),
      ['pending'],
    );
  });

  it('refuses to start a gateway in the other mode while notifications are pending, naming the setting', async () => {
    for (const [recorded, url, setting] of [
      ['remote', undefined, /Set REGISTER_URL/],
      ['embedded', NOWHERE, /Unset REGISTER_URL/],
    ] as const) {
      const dir = await databaseOf(recorded, 2);
      await assert.rejects(startGatewayProcess(gatewayEnv(dir, url)), (err: Error) => {
        assert.match(err.message, /exited \(2\)/);
        assert.match(err.message, new RegExp(`belongs to the ${recorded} register and 2 notifications`));
        assert.match(err.message, setting);
        return true;
      });
    }
  });

  it('with nothing pending, a gateway in the other mode starts, records its mode and says so', async () => {
    const dir = await databaseOf('embedded', 0);
    const g = await startGatewayProcess(gatewayEnv(dir, NOWHERE));
    try {
      await g.waitForOutput(/"registerMode":"remote","previous":"embedded"[^\n]*"register mode recorded"/);
    } finally {
      await g.kill();
    }
    // Now the outbox is the remote register's: an outbox command without REGISTER_URL is refused only
    // while something is pending, so with nothing pending it runs.
    const listed = await runCli(dir, ['outbox', 'list']);
    assert.equal(listed.code, 0, explain(['outbox', 'list'], listed));
  });

  it('a running instance in the other mode adds and claims no pending notification once the mode changed', async () => {
    // An embedded instance: the database now records a remote register.
    const embedded = await startHarness();
    await seedStandard(embedded);
    await recordRegisterMode(await sharedDb(), 'remote', new Date(NOW));
    await assert.rejects(embedded.gateway.notifications.processPending(10), (err: { reason?: string }) =>
      /belongs to the remote register/.test(err.reason ?? ''),
    );
    // Nor does it register anything itself: a code from its own series would be one the remote register
    // never handed out. Nothing is stored: 503, send again.
    const birth = birthInput();
    const refused = await asClient(embedded, CLIENTS.rest).births(birth).expect(503);
    assert.equal(refused.body.code, 'SERVICE_UNAVAILABLE');
    await asClient(embedded, CLIENTS.rest)
      .status(birth.notificationId as string)
      .expect(404);
    // A remote instance: the database records the embedded register. Nothing is stored: 503, send again.
    const remote = await startHarness({ env: { REGISTER_URL: NOWHERE } });
    await seedStandard(remote);
    await recordRegisterMode(await sharedDb(), 'embedded', new Date(NOW));
    const body = birthInput();
    const res = await asClient(remote, CLIENTS.rest).births(body).expect(503);
    assert.equal(res.body.code, 'SERVICE_UNAVAILABLE');
    await asClient(remote, CLIENTS.rest)
      .status(body.notificationId as string)
      .expect(404);
  });

  // On real PostgreSQL these two prove the locks; the embedded store runs one transaction at a time.
  it('a change of mode waits for the registering transactions under way, and those after it see it', async () => {
    await resetDb();
    const db = await sharedDb();
    await recordRegisterMode(db, 'embedded', new Date(NOW));
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let guarded = () => {};
    const underWay = new Promise<void>((resolve) => {
      guarded = resolve;
    });
    // A registering transaction of the embedded register, under way: it has read the mode.
    const registering = db.transaction(async (tx) => {
      await guardRegisterMode(tx, 'embedded');
      guarded();
      await held;
    });
    await underWay;
    let changed = false;
    const change = recordRegisterMode(db, 'remote', new Date(NOW)).then(() => {
      changed = true;
    });
    try {
      // However long the transaction takes, the change waits for it (here: a moment, then it ends).
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(changed, false, 'the mode changed under a registering transaction');
    } finally {
      release();
    }
    await registering;
    await change;
    assert.equal(changed, true);
    // A registering transaction after the change reads the new mode and refuses.
    await assert.rejects(
      db.transaction((tx) => guardRegisterMode(tx, 'embedded')),
      (err) => err instanceof RegisterModeChanged,
    );
  });

  it('instances starting together in the same new mode all start: no deadlock on the change', async () => {
    await resetDb();
    const db = await sharedDb();
    for (let round = 0; round < 20; round++) {
      const from: RegisterMode = round % 2 === 0 ? 'embedded' : 'remote';
      const to: RegisterMode = from === 'embedded' ? 'remote' : 'embedded';
      await recordRegisterMode(db, from, new Date(NOW));
      const started = await Promise.all([0, 1, 2].map(() => recordRegisterMode(db, to, new Date(NOW))));
      // One start made the change; the others found it made.
      assert.equal(started.filter((s) => s.previous === from).length, 1);
      assert.ok(started.every((s) => s.previous === from || s.previous === to));
      const [row] = await db.query<{ mode: RegisterMode }>('SELECT mode FROM register_mode');
      assert.equal(row?.mode, to);
    }
  });

  it('tries a change again when the lock timeout cut its wait short, and gives up after MODE_CHANGE_ATTEMPTS', async () => {
    await resetDb();
    const db = await sharedDb();
    await recordRegisterMode(db, 'embedded', new Date(NOW));
    // What a start behind a long transaction meets: the LOCK TABLE's wait ended by lock_timeout.
    const timedOut = () =>
      new DatabaseUnavailableError('the database refused the statement (55P03)', {
        cause: Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }),
      });
    /** The database, its first `times` transactions failing with `error()`. */
    const failing = (times: number, error: () => Error = timedOut) => {
      const seen = { transactions: 0 };
      const wrapped: Database = {
        kind: db.kind,
        query: (text, params) => db.query(text, params),
        exec: (sql) => db.exec(sql),
        close: () => db.close(),
        transaction: (fn, options) =>
          ++seen.transactions <= times ? Promise.reject(error()) : db.transaction(fn, options),
      };
      return { wrapped, seen };
    };
    const recovers = failing(MODE_CHANGE_ATTEMPTS - 1);
    assert.deepEqual(await recordRegisterMode(recovers.wrapped, 'remote', new Date(NOW)), {
      previous: 'embedded',
    });
    assert.equal(recovers.seen.transactions, MODE_CHANGE_ATTEMPTS);
    const [row] = await db.query<{ mode: RegisterMode }>('SELECT mode FROM register_mode');
    assert.equal(row?.mode, 'remote');

    const stuck = failing(MODE_CHANGE_ATTEMPTS);
    await assert.rejects(
      recordRegisterMode(stuck.wrapped, 'embedded', new Date(NOW)),
      (err) => err instanceof DatabaseUnavailableError,
    );
    assert.equal(stuck.seen.transactions, MODE_CHANGE_ATTEMPTS);
    // Any other failure is not tried again.
    const other = failing(1, () => new Error('boom'));
    await assert.rejects(recordRegisterMode(other.wrapped, 'embedded', new Date(NOW)), /boom/);
    assert.equal(other.seen.transactions, 1);
  });

  if (usingRealPostgres) {
    it('starts in a new mode behind a transaction longer than the lock timeout (PostgreSQL)', async () => {
      await resetDb();
      const db = await sharedDb();
      await recordRegisterMode(db, 'embedded', new Date(NOW));
      // A registering transaction reads the mode and holds the table's ACCESS SHARE lock to its end.
      const holder = new pg.Client({ connectionString: testDatabaseUrl });
      await holder.connect();
      let held: Promise<unknown> | undefined;
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT mode FROM register_mode');
        held = new Promise((resolve) => setTimeout(resolve, 3_000)).then(() => holder.query('COMMIT'));
        // The gateway's lock timeout (2 s by default) ends the first wait; a later attempt gets the lock.
        const started = await recordRegisterMode(db, 'remote', new Date(NOW));
        assert.deepEqual(started, { previous: 'embedded' });
      } finally {
        await held?.catch(() => undefined);
        await holder.end();
      }
      const [row] = await db.query<{ mode: RegisterMode }>('SELECT mode FROM register_mode');
      assert.equal(row?.mode, 'remote');
    });
  }
});
