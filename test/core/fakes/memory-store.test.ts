import assert from 'node:assert/strict';
import { validateBirth } from '../../../src/core/notifications/birth';
import { fingerprint } from '../../../src/core/notifications/fingerprint';
import type { NewNotification, NotificationStatus } from '../../../src/core/notifications/notification';
import { birthInput, hetu } from '../../helpers/builders';
import { FEMALE_21, gate, MALE_21, MOTHER, NOW, PRODUCTION, turn } from '../notifications/world';
import { deadlock, MAX_ATTEMPTS, MemoryStore, pgError } from './memory-store';

/**
 * The fake store's own behaviour: what the core's unit tests count on and the
 * real stores do not offer (statements counted, faults armed, held-back
 * writes observed, one transaction at a time). What it shares with the real
 * stores is proven by test/contracts/store-contract.test.ts.
 */
describe('MemoryStore (the fake itself)', () => {
  const person = (code: string, birthDate: string) => ({
    personalIdentityCode: code,
    birthDate,
    sex: 'female' as const,
    temporary: false,
  });
  /** A person as claimPersons adds one: a newborn of no mother in these cases. */
  const claimable = (code: string, birthDate: string) => ({ ...person(code, birthDate), motherCode: null });
  const alive = (code: string, birthDate: string) => ({ ...person(code, birthDate), deathDate: null });
  const received = new Date(NOW);
  const START = { signIndex: 0, number: 0 };
  const A2 = hetu('211126', 'A', 2);
  const _A4 = hetu('211126', 'A', 4);
  const _A6 = hetu('211126', 'A', 6);

  function newNotification(status: NotificationStatus = 'pending', id?: string): NewNotification {
    const content = validateBirth(birthInput({ id }), { now: new Date(NOW), sandbox: false });
    return {
      clientId: PRODUCTION.id,
      notificationId: content.notificationId,
      kind: 'birth',
      channel: 'rest',
      fingerprint: fingerprint(content),
      sandbox: false,
      content,
      status,
      childCode: status === 'registered' ? A2 : null,
      rejection: null,
      receivedAt: received,
      registeredAt: status === 'registered' ? received : null,
    };
  }

  it('a transaction that throws leaves nothing behind: no person, no series move, no notification', async () => {
    const store = new MemoryStore();
    store.seedCodeSeries(FEMALE_21, { signIndex: 0, number: 6 });
    await assert.rejects(
      store.transaction(async (tx) => {
        const [position] = await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
        assert.deepEqual(position, { signIndex: 0, number: 6 });
        await tx.register.claimPersons([claimable(hetu('211126', 'A', 8), '2026-11-21')]);
        await tx.register.saveCodeSeries([{ key: FEMALE_21, position: { signIndex: 0, number: 8 } }]);
        await tx.register.lockCodeSeries([{ key: MALE_21, initial: START }]);
        await tx.notifications.insertMany([newNotification()]);
        throw new Error('rollback');
      }),
      /rollback/,
    );
    assert.equal(store.personCount(), 0);
    assert.deepEqual(store.codeSeries(FEMALE_21), { signIndex: 0, number: 6 });
    assert.equal(store.codeSeries(MALE_21), undefined);
    assert.deepEqual(store.allNotifications(), []);
    assert.equal(store.rollbacks, 1);
    assert.equal(store.commits, 0);
  });

  it('runs transactions one at a time', async () => {
    const store = new MemoryStore();
    const order: string[] = [];
    const held = gate();
    const first = store.transaction(async () => {
      order.push('first starts');
      await held.opened;
      order.push('first ends');
    });
    const second = store.transaction(async () => {
      order.push('second starts');
    });
    await turn();
    held.open();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first starts', 'first ends', 'second starts']);
  });

  it('a failed statement aborts the transaction until a savepoint is rolled back to', async () => {
    const store = new MemoryStore();
    store.failNext('claimPersons', new Error('connection reset by peer'));
    await store.transaction(async (tx) => {
      await assert.rejects(
        tx.attempt(() => tx.register.claimPersons([claimable(A2, '2026-11-21')])),
        /connection reset/,
      );
      // the savepoint is rolled back to, so the transaction goes on
      assert.deepEqual(await tx.register.claimPersons([claimable(A2, '2026-11-21')]), new Set([A2]));
    });
    assert.ok(store.person(A2));

    store.failNext('lockCodeSeries', new Error('connection reset by peer'));
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]).catch(() => undefined);
        await assert.rejects(tx.register.lockPersons([MOTHER]), /current transaction is aborted/);
        await assert.rejects(
          tx.notifications.insertMany([newNotification()]),
          /current transaction is aborted/,
        );
      }),
      /committed after a failed statement/,
    );
    assert.equal(store.codeSeries(FEMALE_21), undefined);
    assert.deepEqual(store.allNotifications(), []);
  });

  it('a statement swallowed inside attempt still rolls the savepoint back (its RELEASE fails)', async () => {
    const store = new MemoryStore();
    store.failNext('claimPersons', new Error('connection reset by peer'));
    await store.transaction(async (tx) => {
      await assert.rejects(
        tx.attempt(async () => {
          await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
          await tx.register.claimPersons([claimable(A2, '2026-11-21')]).catch(() => undefined);
        }),
        /current transaction is aborted/,
      );
      assert.deepEqual(
        await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: { signIndex: 0, number: 4 } }]),
        [{ signIndex: 0, number: 4 }],
      );
    });
    assert.deepEqual(store.codeSeries(FEMALE_21), { signIndex: 0, number: 4 });
  });

  describe('held-back writes (write-behind, as store.ts)', () => {
    const died = { personalIdentityCode: MOTHER, date: '2026-11-22', latestDate: '2026-11-22' };

    it('sends nothing when called; the next statement sends them first, each on its own', async () => {
      const store = new MemoryStore();
      await store.loadPersons([alive(MOTHER, '1952-10-13')]);
      const seen = await store.transaction(async (tx) => {
        await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
        await tx.register.saveCodeSeries([{ key: FEMALE_21, position: { signIndex: 0, number: 2 } }]);
        await tx.register.markDeceased([died]);
        assert.equal(store.statements.length, 1);
        const persons = await tx.register.lockPersons([MOTHER]);
        const series = await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
        return [persons[0]?.deathDate, series[0]];
      });
      assert.deepEqual(seen, ['2026-11-22', { signIndex: 0, number: 2 }]);
      assert.deepEqual(
        store.statements.map((s) => s.op),
        ['lockCodeSeries', 'saveCodeSeries', 'markDeceased', 'lockPersons', 'lockCodeSeries'],
      );
    });

    it('ride along with the next insertMany, in one statement', async () => {
      const store = new MemoryStore();
      await store.loadPersons([alive(MOTHER, '1952-10-13')]);
      await store.transaction(async (tx) => {
        await tx.register.markDeceased([died]);
        await tx.notifications.insertMany([newNotification()]);
      });
      assert.deepEqual(store.statements, [
        { op: 'insertMany', rows: 1, carrying: [{ op: 'markDeceased', rows: 1 }] },
      ]);
      assert.equal(store.person(MOTHER)?.deathDate, '2026-11-22');
    });

    it('go out before the commit when nothing else is sent', async () => {
      const store = new MemoryStore();
      await store.loadPersons([alive(MOTHER, '1952-10-13')]);
      await store.transaction((tx) => tx.register.markDeceased([died]));
      assert.deepEqual(
        store.statements.map((s) => s.op),
        ['markDeceased'],
      );
      assert.equal(store.person(MOTHER)?.deathDate, '2026-11-22');
    });

    it('fail where they are sent: the insert carrying one fails as a whole', async () => {
      const store = new MemoryStore();
      await store.loadPersons([alive(MOTHER, '1952-10-13')]);
      store.failNext('markDeceased', new Error('lock timeout'));
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.register.markDeceased([died]);
          await tx.notifications.insertMany([newNotification()]);
        }),
        /lock timeout/,
      );
      assert.deepEqual(store.allNotifications(), []);
      assert.equal(store.person(MOTHER)?.deathDate, null);

      store.failNext('saveCodeSeries', new Error('lock timeout'));
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
          await tx.register.saveCodeSeries([{ key: FEMALE_21, position: { signIndex: 0, number: 2 } }]);
        }),
        /lock timeout/,
      );
      assert.equal(store.codeSeries(FEMALE_21), undefined);
    });

    it('inside a savepoint: sent at its release (failing there rolls it back), dropped when it is rolled back to', async () => {
      const store = new MemoryStore();
      await store.loadPersons([alive(MOTHER, '1952-10-13')]);
      store.failNext('markDeceased', new Error('lock timeout'));
      await store.transaction(async (tx) => {
        await assert.rejects(
          tx.attempt(async () => {
            await tx.register.claimPersons([claimable(A2, '2026-11-21')]);
            await tx.register.markDeceased([died]);
          }),
          /lock timeout/,
        );
        await assert.rejects(
          tx.attempt(async () => {
            await tx.register.markDeceased([died]);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(await tx.register.lockPersons([A2]), []);
      });
      assert.equal(store.person(MOTHER)?.deathDate, null);
      assert.equal(store.person(A2), undefined);
      assert.deepEqual(
        store.statements.map((s) => s.op),
        ['claimPersons', 'markDeceased', 'lockPersons'],
      );
    });
  });

  it('failNext arms a fault for as many statements as asked', async () => {
    const store = new MemoryStore();
    store.failNext('insertMany', new Error('disk full'), 2);
    for (let i = 0; i < 2; i += 1) {
      await assert.rejects(
        store.transaction((tx) => tx.notifications.insertMany([newNotification()])),
        /disk full/,
      );
    }
    assert.equal(
      (await store.transaction((tx) => tx.notifications.insertMany([newNotification()]))).length,
      1,
    );
  });

  it('runs a transaction again after a transient failure, up to MAX_ATTEMPTS in all', async () => {
    const store = new MemoryStore();
    assert.equal(store.isTransient(deadlock()), true);
    assert.equal(store.isTransient(pgError('40001', 'could not serialize access')), true);
    assert.equal(store.isTransient(pgError('23505', 'duplicate key')), false);
    assert.equal(store.isTransient(new Error('deadlock detected')), false);

    store.failNext('claimPersons', deadlock(), MAX_ATTEMPTS - 1);
    let runs = 0;
    const added = await store.transaction(async (tx) => {
      runs += 1;
      await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
      return tx.register.claimPersons([claimable(A2, '2026-11-21')]);
    });
    assert.deepEqual(added, new Set([A2]));
    assert.deepEqual([runs, store.rollbacks, store.commits], [MAX_ATTEMPTS, MAX_ATTEMPTS - 1, 1]);

    store.failNext('lockPersons', deadlock(), MAX_ATTEMPTS);
    await assert.rejects(
      store.transaction((tx) => tx.register.lockPersons([MOTHER])),
      /deadlock/,
    );
    assert.equal(store.rollbacks, 2 * MAX_ATTEMPTS - 1);

    // anything else is not run again
    runs = 0;
    await assert.rejects(
      store.transaction(async () => {
        runs += 1;
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(runs, 1);
  });

  it('hands out copies, not its own records', async () => {
    const store = new MemoryStore();
    await store.loadPersons([{ ...person(MOTHER, '1952-10-13'), deathDate: null }]);
    const seen = store.person(MOTHER);
    if (seen) seen.deathDate = '2026-01-01';
    assert.equal(store.person(MOTHER)?.deathDate, null);
  });
});
