import assert from 'node:assert/strict';
import type { DomainError } from '../../../src/core/errors';
import type { StoredNotification } from '../../../src/core/notifications/notification';
import { NotificationService, type SubmitResult } from '../../../src/core/notifications/notification-service';
import type { Transaction } from '../../../src/core/ports';
import { birthInput, deathInput, hetu } from '../../helpers/builders';
import { deadlock, MAX_ATTEMPTS, pgError } from '../fakes/memory-store';
import { type Json, withChanges } from '../validation-helpers';
import {
  assertNoCodeHandedOut,
  assertRejected,
  batchSizes,
  ELDERLY,
  FEMALE_21,
  gate,
  MALE_21,
  MOTHER,
  MOTHER2,
  NEWBORN,
  NOW,
  OTHER,
  PRODUCTION,
  recordingLogger,
  registeredCode,
  SANDBOX,
  SANDBOX_MOTHER,
  statements,
  submitBirth,
  submitDeath,
  turn,
  type World,
  world,
} from './world';

describe('NotificationService', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  describe('batches (group commit)', () => {
    /** Submits all at once (one turn) and waits for every outcome. */
    function together(...submissions: Promise<SubmitResult>[]) {
      return Promise.allSettled(submissions);
    }
    function value<T>(r: PromiseSettledResult<T> | undefined): T {
      if (r?.status !== 'fulfilled') return assert.fail(`expected a result, got ${String(r?.reason)}`);
      return r.value;
    }
    function reason(r: PromiseSettledResult<unknown> | undefined): unknown {
      if (r?.status !== 'rejected') return assert.fail('expected the submission to fail');
      return r.reason;
    }
    const record = (r: PromiseSettledResult<SubmitResult> | undefined) => value(r).record;

    it('registers notifications submitted together in one transaction of a few batch statements', async () => {
      const results = await Promise.all([
        submitBirth(w, birthInput()),
        submitBirth(w, birthInput({ mother: MOTHER2, sex: 'male' })),
        submitDeath(w, deathInput()),
        submitBirth(w, birthInput()),
        submitDeath(
          w,
          deathInput({ person: NEWBORN, date: '2026-11-21', determinedAt: '2026-11-21T15:00:00+02:00' }),
        ),
      ]);
      assert.deepEqual(
        results.map((r) => [r.record.status, r.record.childCode, r.replayed]),
        [
          ['registered', hetu('211126', 'A', 2), false],
          ['registered', hetu('211126', 'A', 3), false],
          ['registered', null, false],
          ['registered', hetu('211126', 'A', 4), false],
          ['registered', null, false],
        ],
      );
      assert.deepEqual([w.store.commits, w.store.rollbacks], [1, 0]);
      assert.deepEqual(statements(w.store), [
        'lockPersonsAndSeries(6)',
        'latestChildBirthDates(2)',
        'insertLast(5) carrying claimPersons(3), saveCodeSeries(2), markDeceased(2)',
      ]);
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
      assert.equal(w.store.person(NEWBORN)?.deathDate, '2026-11-21');
      assert.equal(w.store.allNotifications().length, 5);
    });

    it('decides a mother’s death after her child’s birth in the same batch as if they came one after the other', async () => {
      const [born, died] = await Promise.all([
        submitBirth(w, birthInput({ mother: MOTHER })),
        submitDeath(w, deathInput({ person: MOTHER, date: '2026-11-20', determinedAt: NOW })),
      ]);
      assert.equal(born.record.status, 'registered');
      assertRejected(died.record, 'DEATH_BEFORE_BIRTH', 'death.date');
      assert.deepEqual([w.store.commits, w.store.rollbacks], [1, 0]);
      // The death waits for the birth's code: the births before it get theirs first.
      assert.deepEqual(statements(w.store), [
        'lockPersonsAndSeries(2)',
        'latestChildBirthDates(1)',
        'insertLast(2) carrying claimPersons(1), saveCodeSeries(1)',
      ]);

      const [diedFirst, bornAfter] = await Promise.all([
        submitDeath(w, deathInput({ person: MOTHER2, date: '2026-11-20', determinedAt: NOW })),
        submitBirth(w, birthInput({ mother: MOTHER2 })),
      ]);
      assert.equal(diedFirst.record.status, 'registered');
      assertRejected(bornAfter.record, 'DEATH_BEFORE_BIRTH', 'mother.personalIdentityCode');
    });

    it('lets a mother’s death follow a birth in a batch that the register could not give a code', async () => {
      // Every permanent girl's code of 21 November is taken: the birth is refused, so the death stands.
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 5, number: 898 });
      const [born, died] = await Promise.all([
        submitBirth(w, birthInput({ mother: MOTHER })),
        submitDeath(w, deathInput({ person: MOTHER, date: '2026-11-20', determinedAt: NOW })),
      ]);
      assert.equal(born.record.rejection?.code, 'IDENTITY_CODES_EXHAUSTED');
      assert.equal(died.record.status, 'registered');
      assert.deepEqual(w.store.childrenOf(MOTHER), []);
    });

    it('never puts an invalid notification into a batch: the others register without it', async () => {
      const [ok1, bad, ok2] = await together(
        submitBirth(w, birthInput()),
        submitBirth(w, withChanges(birthInput(), { 'birth.municipalityCode': '91' })),
        submitBirth(w, birthInput()),
      );
      assert.equal((reason(bad) as DomainError).code, 'VALIDATION_FAILED');
      assert.equal(record(ok1).childCode, hetu('211126', 'A', 2));
      assert.equal(record(ok2).childCode, hetu('211126', 'A', 4));
      assert.deepEqual(batchSizes(w.store), [2]);
    });

    it('a submission made while a batch is being registered waits, and shares the next batch', async () => {
      const held = gate();
      w.guard.hold = held.opened;
      const first = submitBirth(w, birthInput());
      while (w.guard.calls === 0) await turn();
      const second = submitBirth(w, birthInput({ sex: 'male' }));
      await turn();
      const third = submitBirth(w, birthInput());
      await turn();
      assert.deepEqual(batchSizes(w.store), [], 'the first batch is still registering');
      w.guard.hold = undefined;
      held.open();
      const results = await Promise.all([first, second, third]);
      assert.deepEqual(batchSizes(w.store), [1, 2]);
      assert.equal(w.guard.calls, 2);
      assert.deepEqual(
        results.map((r) => r.record.childCode),
        [hetu('211126', 'A', 2), hetu('211126', 'A', 3), hetu('211126', 'A', 4)],
      );
    });

    it('with batchConcurrency 2 a second batch starts at once, and queues on the first one’s transaction', async () => {
      const service = new NotificationService({
        store: w.store,
        clock: w.clock,
        guard: w.guard,
        logger: recordingLogger(w.logs),
        batchConcurrency: 2,
      });
      let transactions = 0;
      const transaction = w.store.transaction.bind(w.store);
      w.store.transaction = <T>(fn: (tx: Transaction) => Promise<T>) => {
        transactions += 1;
        return transaction(fn);
      };
      const held = gate();
      w.guard.hold = held.opened;
      const first = service.submit(PRODUCTION, 'rest', 'birth', birthInput());
      while (w.guard.calls === 0) await turn();
      const second = service.submit(PRODUCTION, 'rest', 'birth', birthInput());
      for (let i = 0; i < 5; i += 1) await turn();
      // started (not held back by the GroupCommit), but waiting for the store
      assert.equal(transactions, 2);
      assert.equal(w.guard.calls, 1);
      w.guard.hold = undefined;
      held.open();
      const [a, b] = await Promise.all([first, second]);
      assert.deepEqual(
        [a.record.childCode, b.record.childCode],
        [hetu('211126', 'A', 2), hetu('211126', 'A', 4)],
      );
      assert.deepEqual(batchSizes(w.store), [1, 1]);
    });

    it('a birth and a later death of the mother in one batch: both register', async () => {
      const b = birthInput({ mother: MOTHER2 });
      const d = deathInput({
        person: MOTHER2,
        date: '2026-11-22',
        determinedAt: '2026-11-22T10:00:00+02:00',
      });
      const [born, died] = await Promise.all([submitBirth(w, b), submitDeath(w, d)]);
      assert.equal(born.record.childCode, hetu('211126', 'A', 2));
      assert.equal(died.record.status, 'registered');
      assert.equal(w.store.person(MOTHER2)?.deathDate, '2026-11-22');
      assert.deepEqual(batchSizes(w.store), [2]);
    });

    it('a death earlier in the batch is seen by a later birth: DEATH_BEFORE_BIRTH', async () => {
      const d = deathInput({ person: MOTHER2, date: '2026-11-19' });
      const b = birthInput({ mother: MOTHER2 });
      const [died, born] = await Promise.all([submitDeath(w, d), submitBirth(w, b)]);
      assert.equal(died.record.status, 'registered');
      assertRejected(born.record, 'DEATH_BEFORE_BIRTH', 'mother.personalIdentityCode');
      assertNoCodeHandedOut(w.store, FEMALE_21);
      assert.equal(w.store.personCount(), 6);
      assert.deepEqual(batchSizes(w.store), [2]);
    });

    it('two deaths of the same person in one batch: the second is ALREADY_DECEASED', async () => {
      const [first, second] = await Promise.all([
        submitDeath(w, deathInput({ date: '2026-11-19' })),
        submitDeath(w, deathInput({ date: '2026-11-18' }), PRODUCTION, 'soap-v2'),
      ]);
      assert.equal(first.record.status, 'registered');
      assertRejected(second.record, 'ALREADY_DECEASED', 'deceased.personalIdentityCode');
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
      assert.deepEqual(statements(w.store), [
        'lockPersons(1)',
        'latestChildBirthDates(1)',
        'insertLast(2) carrying markDeceased(1)',
      ]);
      assert.deepEqual(batchSizes(w.store), [2]);
    });

    it('several births of a day in one batch get consecutive codes in the order they arrived', async () => {
      const sexes = ['female', 'male', 'female', 'female', 'male'] as const;
      const results = await Promise.all(sexes.map((sex) => submitBirth(w, birthInput({ sex }))));
      assert.deepEqual(
        results.map((r) => r.record.childCode),
        [2, 3, 4, 6, 5].map((n) => hetu('211126', 'A', n)),
      );
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 6 });
      assert.deepEqual(w.store.codeSeries(MALE_21), { signIndex: 0, number: 5 });
      assert.deepEqual(batchSizes(w.store), [5]);
      assert.equal(w.store.commits, 1);
    });

    it('skips a code taken by a loaded person within a batch, claiming again only for the ones that met it', async () => {
      const taken = hetu('211126', 'A', 4);
      await w.store.loadPersons([
        {
          personalIdentityCode: taken,
          birthDate: '2026-11-21',
          sex: 'female',
          temporary: false,
          deathDate: null,
        },
      ]);
      const results = await Promise.all([1, 2, 3].map(() => submitBirth(w, birthInput())));
      const codes = results.map((r) => r.record.childCode ?? '');
      // the lowest free codes, each once (which of the batch's births gets which is not asserted)
      assert.deepEqual(
        [...codes].sort(),
        [2, 6, 8].map((n) => hetu('211126', 'A', n)),
      );
      assert.equal(codes[0], hetu('211126', 'A', 2));
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 8 });
      assert.deepEqual(
        statements(w.store).filter((s) => s.startsWith('claimPersons')),
        ['claimPersons(3)', 'claimPersons(1)'],
      );
      // the loaded person is left as loaded
      assert.deepEqual(w.store.person(taken), {
        personalIdentityCode: taken,
        birthDate: '2026-11-21',
        sex: 'female',
        temporary: false,
        deathDate: null,
        deathDateLatest: null,
      });
      assert.equal(w.store.personCount(), 10);
    });

    it('a used-up series rejects only its own births; the rest of the batch registers', async () => {
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 5, number: 896 });
      const [last, exhausted, boy, died, sandbox] = await together(
        submitBirth(w, birthInput()),
        submitBirth(w, birthInput()),
        submitBirth(w, birthInput({ sex: 'male' })),
        submitDeath(w, deathInput()),
        submitBirth(w, birthInput({ mother: SANDBOX_MOTHER }), SANDBOX),
      );
      assert.equal(record(last).childCode, hetu('211126', 'F', 898));
      assert.equal(record(exhausted).status, 'rejected');
      assert.equal(record(exhausted).rejection?.code, 'IDENTITY_CODES_EXHAUSTED');
      assert.equal(record(boy).childCode, hetu('211126', 'A', 3));
      assert.equal(record(died).status, 'registered');
      assert.equal(record(sandbox).childCode, hetu('211126', 'A', 900));
      assert.equal(w.store.personCount(), 9);
      assert.deepEqual(batchSizes(w.store), [5]);
    });

    it('a batch holding the id of a stored notification: the others still register and that one replays', async () => {
      const stored = birthInput();
      const reused = birthInput();
      const first = await submitBirth(w, stored);
      await submitBirth(w, reused);
      w.clock.advance(60_000);
      const [a, again, differs, d] = await together(
        submitBirth(w, birthInput()),
        submitBirth(w, stored, PRODUCTION, 'soap-v2'),
        submitBirth(w, withChanges(reused, { 'child.birthWeightGrams': 3481 })),
        submitDeath(w, deathInput()),
      );
      assert.equal(value(again).replayed, true);
      assert.deepEqual(record(again), first.record);
      assert.equal((reason(differs) as DomainError).code, 'NOTIFICATION_ID_REUSED');
      // the batch's own transaction was undone: no code is burnt by it
      assert.equal(value(a).replayed, false);
      assert.equal(record(a).childCode, hetu('211126', 'A', 6));
      assert.equal(record(d).status, 'registered');
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
      assert.equal(w.store.person(hetu('211126', 'A', 8)), undefined);
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 6 });
      assert.equal(w.store.allNotifications().length, 4);
      // the batch (rolled back), then each new one alone
      assert.deepEqual(batchSizes(w.store), [1, 1, 4, 1, 1]);
      assert.deepEqual([w.store.commits, w.store.rollbacks], [4, 1]);
    });

    it('the same id twice in one batch with the same content: registered once, the second replays it', async () => {
      const input = birthInput();
      const [a, b] = await Promise.all([
        submitBirth(w, input),
        submitBirth(
          w,
          withChanges(input, { 'child.birthDateTime': '2026-11-21T01:30:00+02:00' }),
          PRODUCTION,
          'soap-v2',
        ),
      ]);
      assert.deepEqual([a.replayed, b.replayed], [false, true]);
      assert.deepEqual(b.record, a.record);
      assert.equal(a.record.childCode, hetu('211126', 'A', 2));
      assert.equal(w.store.allNotifications().length, 1);
      assert.equal(w.store.personCount(), 7);
      assert.deepEqual(statements(w.store), [
        'lockPersonsAndSeries(2)',
        'insertLast(1) carrying claimPersons(1), saveCodeSeries(1)',
      ]);
    });

    it('the same id twice in one batch with different content: the second is NOTIFICATION_ID_REUSED', async () => {
      const input = birthInput();
      const [a, b, c] = await together(
        submitBirth(w, input),
        submitBirth(w, withChanges(input, { 'child.sex': 'male' })),
        submitDeath(w, deathInput({ id: input.notificationId as string })),
      );
      assert.equal(value(a).replayed, false);
      assert.equal(record(a).childCode, hetu('211126', 'A', 2));
      assert.equal((reason(b) as DomainError).code, 'NOTIFICATION_ID_REUSED');
      assert.equal((reason(c) as DomainError).code, 'NOTIFICATION_ID_REUSED');
      // only the first was registered
      assert.equal(w.store.codeSeries(MALE_21), undefined);
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
      assert.deepEqual(
        w.store.allNotifications().map((n) => n.childCode),
        [hetu('211126', 'A', 2)],
      );
    });

    it('the same id from two clients in one batch is two notifications', async () => {
      const input = birthInput();
      const [mine, theirs] = await Promise.all([
        submitBirth(w, input, PRODUCTION),
        submitBirth(w, withChanges(input, { 'child.sex': 'male' }), OTHER),
      ]);
      assert.deepEqual([mine.replayed, theirs.replayed], [false, false]);
      assert.equal(mine.record.childCode, hetu('211126', 'A', 2));
      assert.equal(theirs.record.childCode, hetu('211126', 'A', 3));
      assert.deepEqual(batchSizes(w.store), [2]);
    });

    it('a failing guard leaves the whole batch pending; processPending registers it later', async () => {
      w.guard.down = true;
      const inputs = [
        birthInput(),
        birthInput({ sex: 'male' }),
        deathInput(),
        birthInput({ mother: hetu('150590', '-', 304) }),
      ];
      const results = await Promise.all([
        submitBirth(w, inputs[0] as Json),
        submitBirth(w, inputs[1] as Json),
        submitDeath(w, inputs[2] as Json),
        submitBirth(w, inputs[3] as Json),
      ]);
      assert.deepEqual(
        results.map((r) => [r.record.status, r.record.childCode, r.replayed]),
        inputs.map(() => ['pending', null, false]),
      );
      assert.equal(w.guard.calls, 1);
      assert.equal(w.logs.filter((l) => l.level === 'warn').length, 1);
      assert.equal(w.store.personCount(), 6);
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);

      w.guard.down = false;
      w.clock.advance(60_000);
      w.store.statements.length = 0;
      assert.equal(await w.service.processPending(), 4);
      // one batch: the persons read in one go
      assert.equal(statements(w.store).filter((s) => s.startsWith('lockPersons')).length, 1);
      const done = await Promise.all(
        inputs.map((i) => w.service.status(PRODUCTION, i.notificationId as string)),
      );
      // one batch's pending rows share their receivedAt, so the order among them is not asserted
      assert.deepEqual(
        done.map((n) => n.status),
        ['registered', 'registered', 'registered', 'rejected'],
      );
      assert.equal(done[0]?.childCode, hetu('211126', 'A', 2));
      assert.equal(done[1]?.childCode, hetu('211126', 'A', 3));
      assert.equal(done[2]?.registeredAt?.toISOString(), '2026-11-23T10:01:00.000Z');
      assertRejected(done[3] as StoredNotification, 'PERSON_NOT_FOUND', 'mother.personalIdentityCode');
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
      assert.equal(await w.service.processPending(), 0);
    });

    it('a register failure mid-batch leaves every notification pending and nothing written', async () => {
      // after the series was locked (and created), when the death asks for the mother's children
      w.store.failNext('latestChildBirthDates', new Error('connection reset by peer'));
      const [b, d] = await Promise.all([submitBirth(w, birthInput()), submitDeath(w, deathInput())]);
      assert.deepEqual([b.record.status, d.record.status], ['pending', 'pending']);
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.equal(w.store.personCount(), 6);
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
      assert.equal(w.logs.filter((l) => l.level === 'warn').length, 1);
      assert.equal(await w.service.processPending(), 2);
      assert.equal(
        (await w.service.status(PRODUCTION, b.record.notificationId)).childCode,
        hetu('211126', 'A', 2),
      );
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
    });

    it('a held-back register write that fails surfaces with the insert: the batch fails with its error', async () => {
      // markDeceased and saveCodeSeries are sent along with insertMany (write-behind), outside the guard
      const error = new Error('canceling statement due to lock timeout');
      w.store.failNext('markDeceased', error);
      const input = birthInput();
      const outcomes = await together(submitBirth(w, input), submitDeath(w, deathInput()));
      assert.deepEqual(
        outcomes.map((o) => reason(o)),
        [error, error],
      );
      assert.deepEqual(w.store.allNotifications(), []);
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.equal(w.store.personCount(), 6);
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
      assert.deepEqual(w.logs, []);
      // nothing was acknowledged, so a retry is a new notification
      const retry = await submitBirth(w, input);
      assert.equal(retry.replayed, false);
      assert.equal(retry.record.childCode, hetu('211126', 'A', 2));
    });

    it('a held-back register write that fails in processPending fails it; the claimed stay pending', async () => {
      w.guard.down = true;
      const inputs = [birthInput(), deathInput()];
      await Promise.all([submitBirth(w, inputs[0] as Json), submitDeath(w, inputs[1] as Json)]);
      w.guard.down = false;
      const error = new Error('canceling statement due to lock timeout');
      w.store.failNext('saveCodeSeries', error);
      await assert.rejects(w.service.processPending(), (e) => e === error);
      const statuses = await Promise.all(
        inputs.map((i) => w.service.status(PRODUCTION, i.notificationId as string)),
      );
      assert.deepEqual(
        statuses.map((n) => n.status),
        ['pending', 'pending'],
      );
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.equal(w.store.personCount(), 6);
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
      assert.equal(await w.service.processPending(), 2);
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
    });

    it('a deadlock is the store’s to retry: the batch registers on the next attempt, not pending', async () => {
      w.store.failNext('claimPersons', deadlock());
      const results = await Promise.all([submitBirth(w, birthInput()), submitBirth(w, birthInput())]);
      assert.deepEqual(
        results.map((r) => [r.record.status, r.record.childCode]),
        [
          ['registered', hetu('211126', 'A', 2)],
          ['registered', hetu('211126', 'A', 4)],
        ],
      );
      assert.deepEqual([w.store.commits, w.store.rollbacks], [1, 1]);
      assert.deepEqual(w.logs, []);
    });

    it('a transaction that keeps failing transiently fails every submission of its batch, storing nothing', async () => {
      const error = deadlock();
      w.store.failNext('lockPersonsAndSeries', error, MAX_ATTEMPTS);
      const outcomes = await together(
        submitBirth(w, birthInput()),
        submitBirth(w, birthInput({ sex: 'male' })),
      );
      assert.deepEqual(
        outcomes.map((o) => reason(o)),
        [error, error],
      );
      assert.deepEqual([w.store.commits, w.store.rollbacks], [0, MAX_ATTEMPTS]);
      assert.deepEqual(w.store.allNotifications(), []);
      assert.equal(w.store.personCount(), 6);
      // the next batch goes through
      assert.equal(await registeredCode(w, birthInput()), hetu('211126', 'A', 2));
    });

    it('a failing store (not the register) fails every submission of the batch, storing nothing', async () => {
      const error = pgError('53100', 'could not extend file: No space left on device');
      w.store.failNext('insertLast', error);
      const input = birthInput();
      const outcomes = await together(submitBirth(w, input), submitDeath(w, deathInput()));
      assert.deepEqual(
        outcomes.map((o) => reason(o)),
        [error, error],
      );
      assert.deepEqual(w.store.allNotifications(), []);
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.deepEqual(w.logs, []);
      // a retry is a new notification
      const retry = await submitBirth(w, input);
      assert.equal(retry.replayed, false);
      assert.equal(retry.record.childCode, hetu('211126', 'A', 2));
    });
  });
  describe('the bulk lane (items of batch requests)', () => {
    const bulk = (input: Json) => w.service.submit(PRODUCTION, 'rest', 'birth', input, { bulk: true });

    it('puts more submissions in one transaction than the single lane does', async () => {
      const inputs = Array.from({ length: 250 }, (_, i) => birthInput({ sex: i % 2 ? 'male' : 'female' }));
      const results = await Promise.all(inputs.map(bulk));
      assert.ok(results.every((r) => r.record.status === 'registered' && !r.replayed));
      assert.deepEqual(batchSizes(w.store), [250]);
      assert.equal(new Set(results.map((r) => r.record.childCode)).size, 250);
      const singles = await Promise.all(
        Array.from({ length: 150 }, () => submitBirth(w, birthInput({ mother: MOTHER2 }))),
      );
      assert.equal(singles.length, 150);
      assert.deepEqual(batchSizes(w.store), [250, 100, 50]);
    });

    it('answers ids stored before from one look-up, registering only the new ones', async () => {
      const first = await Promise.all([birthInput(), birthInput()].map(bulk));
      const [a, b] = first.map((r) => r.record.notificationId);
      const sentAgain = await Promise.all(
        [birthInput({ id: a }), birthInput({ id: b }), birthInput({ id: 'fresh-1' })].map(bulk),
      );
      assert.deepEqual(
        sentAgain.map((r) => r.replayed),
        [true, true, false],
      );
      assert.deepEqual(
        sentAgain.slice(0, 2).map((r) => r.record.childCode),
        first.map((r) => r.record.childCode),
      );
      // The second transaction held only the new one.
      assert.deepEqual(batchSizes(w.store), [2, 1]);
      const again = await Promise.all([birthInput({ id: a })].map(bulk));
      assert.equal(again[0]?.replayed, true);
      assert.deepEqual(batchSizes(w.store), [2, 1], 'a resent chunk of stored ids opens no transaction');
    });

    it('refuses a stored id with other content as any submission is refused', async () => {
      const [first] = await Promise.all([birthInput({ id: 'bulk-reused' })].map(bulk));
      assert.equal(first?.record.status, 'registered');
      await assert.rejects(bulk(birthInput({ id: 'bulk-reused', sex: 'male' })), (e: DomainError) => {
        assert.equal(e.code, 'NOTIFICATION_ID_REUSED');
        return true;
      });
    });
  });
});
