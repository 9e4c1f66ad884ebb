import assert from 'node:assert/strict';
import { validateBirth } from '../../src/core/notifications/birth';
import { fingerprint } from '../../src/core/notifications/fingerprint';
import type { NewNotification, NotificationStatus } from '../../src/core/notifications/notification';
import type { Store } from '../../src/core/ports';
import type { CodeSeriesKey, CodeSeriesPosition, Person } from '../../src/core/register/person';
import { createStore } from '../../src/infra/pg/store';
import { MemoryStore } from '../core/fakes/memory-store';
import { birthInput, hetu } from '../helpers/builders';
import { fixedClock } from '../helpers/clock';
import { resetDb, sharedDb, usingRealPostgres } from '../helpers/test-db';

/**
 * The Store port's contract, one set of cases run against the in-memory fake
 * the core's unit tests use and against the real store of this run (PGlite,
 * or PostgreSQL with DATABASE_URL): the fake is only trusted for what it is
 * shown here to do as the real one does.
 */
interface Subject {
  store: Store;
  /** Reads outside the port, to see what a case left behind. */
  person(code: string): Promise<Person | undefined>;
  series(key: CodeSeriesKey): Promise<CodeSeriesPosition | undefined>;
  notificationIds(): Promise<string[]>;
  /** Whether a read outside a transaction runs while the transaction is open (PGlite runs one thing at a time). */
  concurrent: boolean;
}

const NOW = '2026-11-23T10:00:00.000Z';
const CLIENT = 'FI/GOV/0123456-7/synnytys';
const MOTHER = '131052-308T';
const MOTHER2 = '150590-302N';
const A2 = hetu('211126', 'A', 2);
const A4 = hetu('211126', 'A', 4);
const A6 = hetu('211126', 'A', 6);
const FEMALE_21: CodeSeriesKey = { birthDate: '2026-11-21', pool: 'permanent', parity: 0 };
const MALE_21: CodeSeriesKey = { birthDate: '2026-11-21', pool: 'permanent', parity: 1 };
const START = { signIndex: 0, number: 0 };
const person = (code: string, birthDate: string) => ({
  personalIdentityCode: code,
  birthDate,
  sex: 'female' as const,
  temporary: false,
});
const loaded = (code: string, birthDate: string, deathDate: string | null = null) => ({
  ...person(code, birthDate),
  deathDate,
});
const newborn = (code: string, motherCode: string | null = null) => ({
  ...person(code, '2026-11-21'),
  motherCode,
});

function notification(id: string, status: NotificationStatus = 'pending', receivedAt = NOW): NewNotification {
  const content = validateBirth(birthInput({ id }), { now: new Date(NOW), sandbox: false });
  return {
    clientId: CLIENT,
    notificationId: id,
    kind: 'birth',
    channel: 'rest',
    fingerprint: fingerprint(content),
    sandbox: false,
    content,
    status,
    childCode: status === 'registered' ? A2 : null,
    rejection: null,
    receivedAt: new Date(receivedAt),
    registeredAt: status === 'registered' ? new Date(receivedAt) : null,
  };
}

async function memorySubject(): Promise<Subject> {
  const store = new MemoryStore();
  return {
    store,
    person: async (code) => store.person(code),
    series: async (key) => store.codeSeries(key),
    notificationIds: async () => store.allNotifications().map((n) => n.notificationId),
    concurrent: true,
  };
}

async function realSubject(): Promise<Subject> {
  await resetDb();
  const db = await sharedDb();
  const store = createStore(db, { clock: fixedClock(NOW), clientCacheMs: 0 });
  const client = {
    id: CLIENT,
    name: 'n',
    organisation: 'o',
    kind: 'new' as const,
    sandbox: false,
    certificateFingerprints: [],
  };
  await store.clients.insert(client, new Date(NOW));
  return {
    store,
    async person(code) {
      const [p] = await store.transaction((tx) => tx.register.lockPersons([code]));
      return p;
    },
    async series(key) {
      const rows = await db.query<{ sign_index: number; last_number: number }>(
        'SELECT sign_index, last_number FROM code_series WHERE birth_date = $1 AND pool = $2 AND parity = $3',
        [key.birthDate, key.pool, key.parity],
      );
      return rows[0] && { signIndex: Number(rows[0].sign_index), number: Number(rows[0].last_number) };
    },
    async notificationIds() {
      const rows = await db.query<{ id: string }>(
        'SELECT notification_id AS id FROM notifications ORDER BY received_at, notification_id',
      );
      return rows.map((r) => r.id);
    },
    concurrent: usingRealPostgres,
  };
}

const SUBJECTS: [string, () => Promise<Subject>][] = [
  ['the in-memory fake', memorySubject],
  [usingRealPostgres ? 'PostgreSQL' : 'PGlite', realSubject],
];

for (const [name, make] of SUBJECTS) {
  describe(`the Store contract: ${name}`, () => {
    let s: Subject;
    beforeEach(async () => {
      s = await make();
    });

    it('lockPersons returns the persons among the codes that exist, each once, as copies', async () => {
      await s.store.loadPersons([loaded(MOTHER, '1952-10-13'), loaded(MOTHER2, '1990-05-15')]);
      const found = await s.store.transaction(async (tx) => {
        const persons = await tx.register.lockPersons([MOTHER2, A2, MOTHER2, MOTHER]);
        for (const p of persons) p.deathDate = '2026-01-01';
        return persons;
      });
      assert.deepEqual(found.map((p) => p.personalIdentityCode).sort(), [MOTHER, MOTHER2].sort());
      assert.equal((await s.person(MOTHER))?.deathDate, null);
      assert.deepEqual(await s.store.transaction((tx) => tx.register.lockPersons([])), []);
    });

    it('claimPersons adds the persons whose code is free and returns their codes; a code given twice is its first person', async () => {
      await s.store.loadPersons([loaded(MOTHER, '1952-10-13', '2026-01-01')]);
      const added = await s.store.transaction(async (tx) => {
        const first = await tx.register.claimPersons([newborn(A2), newborn(A4)]);
        const second = await tx.register.claimPersons([
          newborn(A2),
          { ...newborn(MOTHER), temporary: true },
          newborn(A6),
          { ...newborn(A6), sex: 'male' },
        ]);
        return [first, second];
      });
      assert.deepEqual(added, [new Set([A2, A4]), new Set([A6])]);
      assert.deepEqual(await s.person(A2), {
        ...person(A2, '2026-11-21'),
        deathDate: null,
        deathDateLatest: null,
      });
      assert.equal((await s.person(A6))?.sex, 'female');
      assert.deepEqual(await s.person(MOTHER), {
        ...person(MOTHER, '1952-10-13'),
        deathDate: '2026-01-01',
        deathDateLatest: '2026-01-01',
      });
      assert.deepEqual(await s.store.transaction((tx) => tx.register.claimPersons([])), new Set());
    });

    it('markDeceased records the deaths of known persons and ignores unknown codes', async () => {
      await s.store.loadPersons([loaded(MOTHER, '1952-10-13'), loaded(MOTHER2, '1990-05-15')]);
      await s.store.transaction((tx) =>
        tx.register.markDeceased([
          { personalIdentityCode: MOTHER2, date: '2024-02', latestDate: '2024-02-29' },
          { personalIdentityCode: A2, date: '2026-11-22', latestDate: '2026-11-22' },
        ]),
      );
      assert.deepEqual(await s.person(MOTHER2), {
        ...person(MOTHER2, '1990-05-15'),
        deathDate: '2024-02',
        deathDateLatest: '2024-02-29',
      });
      assert.equal((await s.person(MOTHER))?.deathDate, null);
      assert.equal(await s.person(A2), undefined);
    });

    it('latestChildBirthDates gives each mother her latest registered child; childless mothers are absent', async () => {
      await s.store.loadPersons([loaded(MOTHER, '1952-10-13'), loaded(MOTHER2, '1990-05-15')]);
      await s.store.transaction(async (tx) => {
        await tx.register.claimPersons([
          newborn(A2, MOTHER),
          { ...newborn(A4, MOTHER), birthDate: '2026-11-22' },
        ]);
      });
      const latest = await s.store.transaction((tx) => tx.register.latestChildBirthDates([MOTHER, MOTHER2]));
      assert.deepEqual([...latest], [[MOTHER, '2026-11-22']]);
      assert.deepEqual(await s.store.transaction((tx) => tx.register.latestChildBirthDates([])), new Map());
    });

    it('lockCodeSeries creates missing series at their initial position and returns known ones as they are, in order', async () => {
      await s.store.transaction(async (tx) => {
        await tx.register.lockCodeSeries([{ key: MALE_21, initial: START }]);
        await tx.register.saveCodeSeries([{ key: MALE_21, position: { signIndex: 1, number: 7 } }]);
      });
      const OTHER_DAY = { ...FEMALE_21, birthDate: '2026-11-22' };
      const positions = await s.store.transaction((tx) =>
        tx.register.lockCodeSeries([
          { key: OTHER_DAY, initial: START },
          { key: MALE_21, initial: { signIndex: 0, number: 1 } },
          { key: FEMALE_21, initial: START },
        ]),
      );
      assert.deepEqual(positions, [START, { signIndex: 1, number: 7 }, START]);
      assert.deepEqual(await s.series(OTHER_DAY), START);
      assert.deepEqual(await s.series(MALE_21), { signIndex: 1, number: 7 });
    });

    it('lockCodeSeries fails when a series is named twice (SQLSTATE 21000), and the series is not created', async () => {
      await assert.rejects(
        s.store.transaction((tx) =>
          tx.register.lockCodeSeries([
            { key: FEMALE_21, initial: START },
            { key: { ...FEMALE_21 }, initial: START },
          ]),
        ),
        (e: { code?: string }) => e.code === '21000',
      );
      assert.equal(await s.series(FEMALE_21), undefined);
    });

    it('saveCodeSeries moves only series that exist', async () => {
      await s.store.transaction(async (tx) => {
        await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
        await tx.register.saveCodeSeries([
          { key: FEMALE_21, position: { signIndex: 0, number: 6 } },
          { key: MALE_21, position: { signIndex: 0, number: 5 } },
        ]);
      });
      assert.deepEqual(await s.series(FEMALE_21), { signIndex: 0, number: 6 });
      assert.equal(await s.series(MALE_21), undefined);
    });

    it('insertMany stores the rows as given and skips ids that are taken or given twice', async () => {
      const n = notification('b-2', 'registered');
      const [row] = await s.store.transaction((tx) => tx.notifications.insertMany([n]));
      assert.deepEqual(row, { ...n, updatedAt: n.receivedAt });
      const found = await s.store.notifications.find(n.clientId, n.notificationId);
      assert.deepEqual({ ...found, content: undefined }, { ...row, content: undefined });
      assert.deepEqual(found?.content, n.content);

      const fresh = notification('a-1');
      const again = await s.store.transaction((tx) =>
        tx.notifications.insertMany([notification('b-2'), fresh, { ...fresh, status: 'rejected' }]),
      );
      assert.deepEqual(again, [{ ...fresh, updatedAt: fresh.receivedAt }]);
      assert.deepEqual((await s.notificationIds()).sort(), ['a-1', 'b-2']);
      assert.deepEqual(await s.store.transaction((tx) => tx.notifications.insertMany([])), []);
    });

    it('claimPending returns pending notifications oldest first, up to the limit', async () => {
      await s.store.transaction((tx) =>
        tx.notifications.insertMany([
          notification('p-1', 'pending', '2026-11-23T10:00:01.000Z'),
          notification('p-2'),
          notification('r-1', 'registered'),
        ]),
      );
      const claimed = await s.store.transaction((tx) => tx.notifications.claimPending(5));
      assert.deepEqual(
        claimed.map((n) => n.notificationId),
        ['p-2', 'p-1'],
      );
      assert.equal((await s.store.transaction((tx) => tx.notifications.claimPending(1))).length, 1);
    });

    it('attempt undoes the writes made inside it when it throws, and keeps the earlier ones', async () => {
      await s.store.transaction(async (tx) => {
        await tx.register.claimPersons([newborn(A2)]);
        await assert.rejects(
          tx.attempt(async () => {
            await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
            await tx.register.claimPersons([newborn(A4)]);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(await tx.register.lockPersons([A4]), []);
        assert.deepEqual(
          await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: { signIndex: 0, number: 4 } }]),
          [{ signIndex: 0, number: 4 }],
        );
      });
      assert.ok(await s.person(A2));
      assert.equal(await s.person(A4), undefined);
      assert.deepEqual(await s.series(FEMALE_21), { signIndex: 0, number: 4 });
    });

    it('a transaction that throws leaves nothing behind: no person, no series, no notification', async () => {
      await assert.rejects(
        s.store.transaction(async (tx) => {
          await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
          await tx.register.claimPersons([newborn(A2)]);
          await tx.register.saveCodeSeries([{ key: FEMALE_21, position: { signIndex: 0, number: 2 } }]);
          await tx.notifications.insertMany([notification('x-1')]);
          throw new Error('rollback');
        }),
        /rollback/,
      );
      assert.equal(await s.person(A2), undefined);
      assert.equal(await s.series(FEMALE_21), undefined);
      assert.deepEqual(await s.notificationIds(), []);
    });

    it('a failed statement aborts the transaction until a savepoint is rolled back to', async () => {
      const twice = [
        { key: FEMALE_21, initial: START },
        { key: { ...FEMALE_21 }, initial: START },
      ];
      await s.store.transaction(async (tx) => {
        await assert.rejects(tx.attempt(() => tx.register.lockCodeSeries(twice)));
        // rolled back to the savepoint: the transaction goes on
        assert.deepEqual(await tx.register.claimPersons([newborn(A2)]), new Set([A2]));
      });
      assert.ok(await s.person(A2));

      await assert.rejects(
        s.store.transaction(async (tx) => {
          await tx.register.lockCodeSeries(twice).catch(() => undefined);
          await tx.register.lockPersons([MOTHER]);
        }),
        (e: { code?: string; message?: string }) =>
          e.code === '25P02' || /current transaction is aborted/.test(String(e.message)),
      );
    });

    it('a failed statement swallowed inside attempt still undoes the savepoint (its release fails)', async () => {
      const twice = [
        { key: FEMALE_21, initial: START },
        { key: { ...FEMALE_21 }, initial: START },
      ];
      await s.store.transaction(async (tx) => {
        await assert.rejects(
          tx.attempt(async () => {
            await tx.register.claimPersons([newborn(A4)]);
            await tx.register.lockCodeSeries(twice).catch(() => undefined);
          }),
        );
        assert.deepEqual(await tx.register.claimPersons([newborn(A2)]), new Set([A2]));
      });
      assert.equal(await s.person(A4), undefined);
      assert.ok(await s.person(A2));
    });

    it('loadPersons adds new persons and updates only the death date of known ones', async () => {
      assert.deepEqual(await s.store.loadPersons([loaded(MOTHER, '1952-10-13')]), { created: 1, updated: 0 });
      assert.deepEqual(
        await s.store.loadPersons([
          loaded(MOTHER, '1952-10-13', '2026-01-01'),
          loaded(MOTHER2, '1990-05-15'),
        ]),
        { created: 1, updated: 1 },
      );
      assert.deepEqual(await s.person(MOTHER), {
        ...person(MOTHER, '1952-10-13'),
        deathDate: '2026-01-01',
        deathDateLatest: '2026-01-01',
      });
    });

    it('shows a transaction’s writes to others only once it commits', async () => {
      if (!s.concurrent) {
        // PGlite runs one thing at a time: a read from outside waits for the transaction, so there is
        // nothing in between to see. What this case shows holds there by construction.
        const [p] = await Promise.all([
          s.store.transaction((tx) => tx.register.claimPersons([newborn(A2)])),
          s.store.notifications.find(CLIENT, 'none'),
        ]);
        assert.deepEqual(p, new Set([A2]));
        return;
      }
      let release: () => void = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let written: () => void = () => {};
      const wrote = new Promise<void>((r) => {
        written = r;
      });
      const n = notification('v-1');
      const tx = s.store.transaction(async (t) => {
        await t.register.claimPersons([newborn(A2)]);
        await t.notifications.insertMany([n]);
        written();
        await held;
      });
      await wrote;
      assert.equal(await s.store.notifications.find(n.clientId, n.notificationId), undefined);
      release();
      await tx;
      assert.ok(await s.store.notifications.find(n.clientId, n.notificationId));
      assert.ok(await s.person(A2));
    });
  });
}
