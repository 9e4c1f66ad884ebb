import assert from 'node:assert/strict';
import type { AuditEntry } from '../../src/core/clients/records';
import { validateBirth } from '../../src/core/notifications/birth';
import { fingerprint } from '../../src/core/notifications/fingerprint';
import {
  type NewNotification,
  NOT_YET_TRIED,
  type NotificationStatus,
} from '../../src/core/notifications/notification';
import { CodeHeld, NotificationStoredMeanwhile, type Store } from '../../src/core/ports';
import type { CodeSeriesKey, CodeSeriesPosition, Person } from '../../src/core/register/person';
import { auditQueries } from '../../src/infra/pg/clients-sql';
import type { Database, TransactionQueryable } from '../../src/infra/pg/database';
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
  /** Whether two transactions run at once (PostgreSQL); the fake and PGlite run one at a time. */
  overlapping: boolean;
  /** A client's audit trail (the audit_log rows written with notification changes). */
  auditTrail(clientId: string): Promise<AuditEntry[]>;
  /** The next statement that records a death fails in the database, wherever it is sent from. */
  failNextDeathWrite(): void;
}

/**
 * The real database, whose next statement writing a death is replaced by one
 * that fails in the database itself (a division by zero), so the failure
 * lands where the store really sends that write: alone, or carried in front
 * of a notification insert.
 */
function failingDeathWrites(real: Database, armed: { next: boolean }): Database {
  const sabotage =
    (run: TransactionQueryable['query']): TransactionQueryable['query'] =>
    (text, params) => {
      if (!armed.next || !/UPDATE persons p SET death_date/.test(text)) return run(text, params);
      armed.next = false;
      return run('SELECT 1 / 0');
    };
  const sabotaged = (tx: TransactionQueryable): TransactionQueryable => ({
    query: sabotage((text, params) => tx.query(text, params)),
    queryLast: sabotage((text, params) => tx.queryLast(text, params)),
    exec: (sql) => tx.exec(sql),
  });
  return {
    kind: real.kind,
    query: (text, params) => real.query(text, params),
    exec: (sql) => real.exec(sql),
    transaction: (fn) => real.transaction((tx) => fn(sabotaged(tx))),
    close: () => real.close(),
  };
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
    overlapping: false,
    auditTrail: async (clientId) => store.auditEntries().filter((a) => a.clientId === clientId),
    failNextDeathWrite: () => store.failNext('markDeceased', new Error('division by zero')),
  };
}

async function realSubject(): Promise<Subject> {
  await resetDb();
  const db = await sharedDb();
  const armed = { next: false };
  const store = createStore(failingDeathWrites(db, armed), { clock: fixedClock(NOW), clientCacheMs: 0 });
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
    overlapping: usingRealPostgres,
    auditTrail: (clientId) => auditQueries(db).trail(clientId),
    failNextDeathWrite: () => {
      armed.next = true;
    },
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

    it('lockCodeSeries waits for a series another transaction is creating, and returns it as that one committed it', async () => {
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let created = () => {};
      const creating = new Promise<void>((resolve) => {
        created = resolve;
      });
      const first = s.store.transaction(async (tx) => {
        await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
        await tx.register.saveCodeSeries([{ key: FEMALE_21, position: { signIndex: 0, number: 9 } }]);
        created();
        await held;
      });
      await creating;
      const second = s.store.transaction((tx) =>
        tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      release();
      await first;
      assert.deepEqual(await second, [{ signIndex: 0, number: 9 }]);
    });

    it('lockPersonsAndSeries gives what lockPersons and then lockCodeSeries give, in one step', async () => {
      await s.store.loadPersons([loaded(MOTHER, '1952-10-13'), loaded(MOTHER2, '1990-05-15', '2026-01-01')]);
      await s.store.transaction(async (tx) => {
        await tx.register.lockCodeSeries([{ key: MALE_21, initial: START }]);
        await tx.register.saveCodeSeries([{ key: MALE_21, position: { signIndex: 1, number: 7 } }]);
      });
      const locked = await s.store.transaction((tx) =>
        tx.register.lockPersonsAndSeries(
          [MOTHER2, A2, MOTHER],
          [
            { key: FEMALE_21, initial: START },
            { key: MALE_21, initial: START },
          ],
        ),
      );
      assert.deepEqual(
        locked.persons
          .map((p) => [p.personalIdentityCode, p.birthDate, p.deathDate])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
        [
          [MOTHER, '1952-10-13', null],
          [MOTHER2, '1990-05-15', '2026-01-01'],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      assert.deepEqual(locked.series, [START, { signIndex: 1, number: 7 }]);
      assert.deepEqual(await s.series(FEMALE_21), START);
      // Without series it is lockPersons alone; without persons, the series alone.
      const alone = await s.store.transaction((tx) => tx.register.lockPersonsAndSeries([MOTHER], []));
      assert.deepEqual([alone.persons.length, alone.series], [1, []]);
      const seriesOnly = await s.store.transaction((tx) =>
        tx.register.lockPersonsAndSeries([], [{ key: MALE_21, initial: START }]),
      );
      assert.deepEqual(seriesOnly, { persons: [], series: [{ signIndex: 1, number: 7 }] });
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
      assert.deepEqual(row, { ...n, updatedAt: n.receivedAt, delivery: NOT_YET_TRIED });
      const found = await s.store.notifications.find(n.clientId, n.notificationId);
      assert.deepEqual({ ...found, content: undefined }, { ...row, content: undefined });
      assert.deepEqual(found?.content, n.content);

      const fresh = notification('a-1');
      const again = await s.store.transaction((tx) =>
        tx.notifications.insertMany([notification('b-2'), fresh, { ...fresh, status: 'rejected' }]),
      );
      assert.deepEqual(again, [{ ...fresh, updatedAt: fresh.receivedAt, delivery: NOT_YET_TRIED }]);
      assert.deepEqual((await s.notificationIds()).sort(), ['a-1', 'b-2']);
      assert.deepEqual(await s.store.transaction((tx) => tx.notifications.insertMany([])), []);
    });

    describe('the last statement (insertLast) and codes claimed unchecked', () => {
      const DEATH = { personalIdentityCode: MOTHER, date: '2026-11-20', latestDate: '2026-11-20' };
      beforeEach(() => s.store.loadPersons([loaded(MOTHER, '1952-10-13')]));

      it('insertLast stores every row with the writes held back, and nothing may follow it', async () => {
        const rows = await s.store.transaction(async (tx) => {
          await tx.register.lockPersons([MOTHER]);
          assert.deepEqual(
            await tx.register.claimPersons([newborn(A2, MOTHER)], { unchecked: true }),
            new Set([A2]),
          );
          await tx.register.markDeceased([DEATH]);
          const stored = await tx.notifications.insertLast([
            notification('l-2', 'registered'),
            notification('l-1'),
          ]);
          await assert.rejects(tx.notifications.find(CLIENT, 'l-1'));
          return stored;
        });
        assert.deepEqual(
          rows.map((r) => r.notificationId),
          ['l-1', 'l-2'],
        );
        assert.deepEqual((await s.notificationIds()).sort(), ['l-1', 'l-2']);
        assert.equal((await s.person(A2))?.birthDate, '2026-11-21');
        assert.equal((await s.person(MOTHER))?.deathDate, '2026-11-20');
      });

      it('insertLast meeting a stored id fails with NotificationStoredMeanwhile, and nothing of the transaction is kept', async () => {
        await s.store.transaction((tx) => tx.notifications.insertMany([notification('l-1')]));
        await assert.rejects(
          s.store.transaction(async (tx) => {
            await tx.register.lockPersons([MOTHER]);
            await tx.register.claimPersons([newborn(A2, MOTHER)], { unchecked: true });
            await tx.register.markDeceased([DEATH]);
            await tx.notifications.insertLast([notification('l-2'), notification('l-1')]);
          }),
          NotificationStoredMeanwhile,
        );
        assert.deepEqual(await s.notificationIds(), ['l-1']);
        assert.equal(await s.person(A2), undefined);
        assert.equal((await s.person(MOTHER))?.deathDate, null);
      });

      it('a code claimed unchecked but held fails insertLast with CodeHeld, and nothing is kept', async () => {
        await s.store.loadPersons([loaded(A4, '2026-11-21')]);
        await assert.rejects(
          s.store.transaction(async (tx) => {
            await tx.register.claimPersons([newborn(A2, MOTHER), newborn(A4, MOTHER)], { unchecked: true });
            await tx.register.markDeceased([DEATH]);
            await tx.notifications.insertLast([notification('l-1')]);
          }),
          CodeHeld,
        );
        assert.deepEqual(await s.notificationIds(), []);
        assert.equal(await s.person(A2), undefined);
        assert.equal((await s.person(MOTHER))?.deathDate, null);
      });

      it('… or the next statement, when one goes before the last', async () => {
        await s.store.loadPersons([loaded(A2, '2026-11-21')]);
        await assert.rejects(
          s.store.transaction(async (tx) => {
            await tx.register.claimPersons([newborn(A2, MOTHER)], { unchecked: true });
            await tx.register.lockPersons([MOTHER]);
          }),
          CodeHeld,
        );
      });
    });

    it('claimDue returns the pending notifications due by then, never-tried and earliest due first', async () => {
      const later = new Date('2026-11-23T10:05:00.000Z');
      await s.store.transaction((tx) =>
        tx.notifications.insertMany([
          notification('p-1', 'pending', '2026-11-23T10:00:01.000Z'),
          notification('p-2'),
          { ...notification('p-3'), delivery: { ...NOT_YET_TRIED, attempts: 1, nextAttemptAt: later } },
          notification('r-1', 'registered'),
        ]),
      );
      const due = (at: string, limit = 5) =>
        s.store.transaction(async (tx) =>
          (await tx.notifications.claimDue(new Date(at), limit)).map((n) => n.notificationId),
        );
      assert.deepEqual(await due(NOW), ['p-2', 'p-1']);
      assert.deepEqual(await due('2026-11-23T10:05:00.000Z'), ['p-2', 'p-1', 'p-3']);
      assert.deepEqual(await due(NOW, 1), ['p-2']);
    });

    it('two claims at once get disjoint sets (SKIP LOCKED), round after round', async () => {
      const lease = new Date('2026-11-23T10:01:00.000Z');
      const rounds = s.overlapping ? 50 : 10;
      for (let round = 0; round < rounds; round++) {
        const ids = Array.from({ length: 10 }, (_, i) => `c-${round}-${i}`);
        await s.store.transaction((tx) => tx.notifications.insertMany(ids.map((id) => notification(id))));
        // Where transactions really overlap, each holds its claim until the other has claimed too.
        let arrived = 0;
        let bothClaimed: () => void = () => {};
        const met = new Promise<void>((resolve) => {
          bothClaimed = resolve;
        });
        const claim = () =>
          s.store.transaction(async (tx) => {
            const due = await tx.notifications.claimDue(new Date(NOW), 6);
            if (s.overlapping) {
              if (++arrived === 2) bothClaimed();
              await met;
            }
            await tx.notifications.scheduleAttempts(
              due.map((n) => ({ ...n, attempts: n.delivery.attempts, nextAttemptAt: lease })),
            );
            return due.map((n) => n.notificationId);
          });
        const [a, b] = await Promise.all([claim(), claim()]);
        const both = [...(a ?? []), ...(b ?? [])];
        assert.equal(new Set(both).size, both.length, `round ${round}: claimed twice: ${a} / ${b}`);
        assert.deepEqual(both.sort(), [...ids].sort(), `round ${round}: every due one claimed`);
      }
    });

    it('scheduleAttempts and recordFailures keep the outbox state; one needing attention is not due', async () => {
      await s.store.transaction((tx) =>
        tx.notifications.insertMany([notification('p-1'), notification('p-2')]),
      );
      const next = new Date('2026-11-23T10:01:00.000Z');
      const later = new Date('2026-11-23T10:02:00.000Z');
      await s.store.transaction(async (tx) => {
        await tx.notifications.scheduleAttempts([
          { clientId: CLIENT, notificationId: 'p-1', attempts: 2, nextAttemptAt: next },
        ]);
        await tx.notifications.recordFailures([
          {
            clientId: CLIENT,
            notificationId: 'p-1',
            attempts: 3,
            nextAttemptAt: next,
            lastError: 'Error ETIMEDOUT: slow',
            attentionSince: null,
          },
          {
            clientId: CLIENT,
            notificationId: 'p-2',
            attempts: 1,
            nextAttemptAt: next,
            lastError: 'HTTP 503',
            attentionSince: new Date(NOW),
          },
        ]);
      });
      const p1 = await s.store.notifications.find(CLIENT, 'p-1');
      assert.deepEqual(p1?.delivery, {
        attempts: 3,
        nextAttemptAt: next,
        lastError: 'Error ETIMEDOUT: slow',
        attentionSince: null,
      });
      assert.deepEqual(
        (await s.store.notifications.find(CLIENT, 'p-2'))?.delivery.attentionSince,
        new Date(NOW),
      );
      // No call went out (lastError null): the last error stands.
      await s.store.transaction((tx) =>
        tx.notifications.recordFailures([
          {
            clientId: CLIENT,
            notificationId: 'p-1',
            attempts: 3,
            nextAttemptAt: later,
            lastError: null,
            attentionSince: null,
          },
        ]),
      );
      assert.deepEqual((await s.store.notifications.find(CLIENT, 'p-1'))?.delivery, {
        ...p1?.delivery,
        nextAttemptAt: later,
      });
      const due = await s.store.transaction((tx) =>
        tx.notifications.claimDue(new Date('2026-11-24T00:00:00.000Z'), 5),
      );
      assert.deepEqual(
        due.map((n) => n.notificationId),
        ['p-1'],
      );
      assert.deepEqual(await s.store.notifications.countPending(), { needsAttention: 1, pending: 1 });
    });

    it('requeueNeedingAttention makes those needing attention (of one client, or all) due, each audited', async () => {
      const other = 'FI/GOV/0123456-7/toinen';
      await s.store.clients.insert(
        { id: other, name: 'n', organisation: 'o', kind: 'new', sandbox: false, certificateFingerprints: [] },
        new Date(NOW),
      );
      await s.store.transaction((tx) =>
        tx.notifications.insertMany([
          notification('a-1'),
          notification('a-2'),
          notification('a-3'),
          { ...notification('b-1'), clientId: other },
          notification('r-1', 'registered'),
        ]),
      );
      const stuck = (clientId: string, notificationId: string) => ({
        clientId,
        notificationId,
        attempts: 30,
        nextAttemptAt: new Date(NOW),
        lastError: 'HTTP 503',
        attentionSince: new Date(NOW),
      });
      await s.store.transaction((tx) =>
        tx.notifications.recordFailures([stuck(CLIENT, 'a-1'), stuck(CLIENT, 'a-2'), stuck(other, 'b-1')]),
      );
      assert.deepEqual(await s.store.notifications.countPending(), { needsAttention: 3, pending: 1 });
      const at = new Date('2026-11-23T11:00:00.000Z');
      const retry = (clientId: string | undefined) =>
        s.store.transaction((tx) =>
          tx.notifications.requeueNeedingAttention(clientId, at, {
            operator: 'alice',
            details: { bulk: true },
          }),
        );
      assert.equal(await retry(CLIENT), 2);
      assert.deepEqual((await s.store.notifications.find(CLIENT, 'a-1'))?.delivery, {
        attempts: 0,
        nextAttemptAt: at,
        lastError: 'HTTP 503',
        attentionSince: null,
      });
      assert.deepEqual(await s.store.notifications.countPending(), { needsAttention: 1, pending: 3 });
      assert.equal(await retry(undefined), 1);
      assert.equal(await retry(undefined), 0);
      assert.deepEqual(await s.store.notifications.countPending(), { needsAttention: 0, pending: 4 });
      const trail = await s.auditTrail(CLIENT);
      assert.deepEqual(
        trail
          .sort((x, y) => (String(x.details.notificationId) < String(y.details.notificationId) ? -1 : 1))
          .map((a) => [a.action, a.operator, a.details]),
        [
          ['notification.retry', 'alice', { notificationId: 'a-1', kind: 'birth', attempts: 30, bulk: true }],
          ['notification.retry', 'alice', { notificationId: 'a-2', kind: 'birth', attempts: 30, bulk: true }],
        ],
      );
      assert.deepEqual(
        (await s.auditTrail(other)).map((a) => a.at),
        [at],
      );
    });

    it('recordAnswers settles pending notifications only, once', async () => {
      await s.store.transaction((tx) =>
        tx.notifications.insertMany([
          notification('p-1'),
          notification('p-2'),
          notification('r-1', 'registered'),
        ]),
      );
      const at = new Date('2026-11-23T10:00:02.000Z');
      const rejection = { code: 'PERSON_NOT_FOUND' as const, message: 'no such person', fieldErrors: [] };
      await s.store.transaction((tx) =>
        tx.notifications.recordAnswers(
          [
            { clientId: CLIENT, notificationId: 'p-1', answer: { childCode: A4 } },
            { clientId: CLIENT, notificationId: 'p-2', answer: { rejection } },
            { clientId: CLIENT, notificationId: 'r-1', answer: { childCode: A6 } },
          ],
          at,
        ),
      );
      const p1 = await s.store.notifications.find(CLIENT, 'p-1');
      assert.deepEqual([p1?.status, p1?.childCode, p1?.registeredAt], ['registered', A4, at]);
      const p2 = await s.store.notifications.find(CLIENT, 'p-2');
      assert.deepEqual([p2?.status, p2?.rejection, p2?.registeredAt], ['rejected', rejection, null]);
      assert.equal((await s.store.notifications.find(CLIENT, 'r-1'))?.childCode, A2);
      await s.store.transaction((tx) =>
        tx.notifications.recordAnswers(
          [{ clientId: CLIENT, notificationId: 'p-1', answer: { childCode: A6 } }],
          at,
        ),
      );
      assert.equal((await s.store.notifications.find(CLIENT, 'p-1'))?.childCode, A4);
    });

    it('the registration log takes a key once and keeps its first answer', async () => {
      const at = new Date(NOW);
      const first = await s.store.transaction(async (tx) => {
        const taken = await tx.registrations.take(
          [
            { key: 'key-0001', fingerprint: 'f1' },
            { key: 'key-0002', fingerprint: 'f2' },
          ],
          at,
        );
        await tx.registrations.record([{ key: 'key-0001', answer: { childCode: A2 } }]);
        return taken;
      });
      assert.deepEqual([...first].sort(), ['key-0001', 'key-0002']);
      const second = await s.store.transaction(async (tx) => {
        const taken = await tx.registrations.take(
          [
            { key: 'key-0001', fingerprint: 'other' },
            { key: 'key-0003', fingerprint: 'f3' },
          ],
          at,
        );
        return {
          taken: [...taken],
          found: await tx.registrations.find(['key-0001', 'key-0002', 'key-9999']),
        };
      });
      assert.deepEqual(second.taken, ['key-0003']);
      assert.deepEqual([...second.found].sort(), [
        ['key-0001', { fingerprint: 'f1', answer: { childCode: A2 } }],
        ['key-0002', { fingerprint: 'f2', answer: null }],
      ]);
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

    describe('writes nothing waits for (markDeceased, saveCodeSeries)', () => {
      const DEATH = { personalIdentityCode: MOTHER, date: '2026-11-20', latestDate: '2026-11-20' };
      beforeEach(() => s.store.loadPersons([loaded(MOTHER, '1952-10-13')]));

      it('are seen by the statements after them in the same transaction', async () => {
        const [mother, series] = await s.store.transaction(async (tx) => {
          await tx.register.lockPersons([MOTHER]);
          await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
          await tx.register.markDeceased([DEATH]);
          await tx.register.saveCodeSeries([{ key: FEMALE_21, position: { signIndex: 0, number: 8 } }]);
          const [p] = await tx.register.lockPersons([MOTHER]);
          const [position] = await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
          return [p, position];
        });
        assert.equal(mother?.deathDate, '2026-11-20');
        assert.deepEqual(series, { signIndex: 0, number: 8 });
      });

      it('reach the commit when nothing is sent after them', async () => {
        await s.store.transaction(async (tx) => {
          await tx.register.lockPersons([MOTHER]);
          await tx.register.markDeceased([DEATH]);
        });
        assert.equal((await s.person(MOTHER))?.deathDate, '2026-11-20');
      });

      it('fail where they are sent: the notification insert carrying one fails, and nothing is kept', async () => {
        await assert.rejects(
          s.store.transaction(async (tx) => {
            await tx.register.lockPersons([MOTHER]);
            await tx.register.markDeceased([DEATH]);
            s.failNextDeathWrite();
            await tx.notifications.insertMany([notification('w-1')]);
          }),
          /division by zero/,
        );
        assert.equal((await s.person(MOTHER))?.deathDate, null);
        assert.deepEqual(await s.notificationIds(), []);
      });

      it('… or the next statement, which they go out in front of', async () => {
        await assert.rejects(
          s.store.transaction(async (tx) => {
            await tx.register.lockPersons([MOTHER]);
            await tx.register.markDeceased([DEATH]);
            s.failNextDeathWrite();
            await tx.register.lockPersons([MOTHER2]);
          }),
          /division by zero/,
        );
        assert.equal((await s.person(MOTHER))?.deathDate, null);
      });

      it('are dropped, never sent, when the savepoint they were made in is undone', async () => {
        await s.store.transaction(async (tx) => {
          await tx.register.lockPersons([MOTHER]);
          await assert.rejects(
            tx.attempt(async () => {
              await tx.register.markDeceased([DEATH]);
              throw new Error('undo');
            }),
            /undo/,
          );
          // Were the death still held, carrying it would now fail the insert.
          s.failNextDeathWrite();
          await tx.notifications.insertMany([notification('w-2')]);
        });
        assert.equal((await s.person(MOTHER))?.deathDate, null);
        assert.deepEqual(await s.notificationIds(), ['w-2']);
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
