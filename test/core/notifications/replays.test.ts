import assert from 'node:assert/strict';
import { birthInput, deathInput, hetu } from '../../helpers/builders';
import { type Json, withChanges } from '../validation-helpers';
import {
  assertNoCodeHandedOut,
  assertRejected,
  batchSizes,
  ELDERLY,
  FEMALE_21,
  gate,
  NOW,
  OTHER,
  PRODUCTION,
  registeredCode,
  rejectedWith,
  statements,
  submitBirth,
  turn,
  type World,
  world,
} from './world';

describe('NotificationService', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  describe('replays', () => {
    it('returns the original result for the same content, leaving no second registration behind', async () => {
      const input = birthInput();
      const first = await submitBirth(w, input);
      const persons = w.store.personCount();
      w.clock.advance(60_000);
      const again = await submitBirth(w, input);
      assert.equal(again.replayed, true);
      assert.equal(again.record.childCode, first.record.childCode);
      assert.equal(again.record.status, 'registered');
      assert.equal(again.record.receivedAt.toISOString(), NOW);
      assert.equal(w.store.personCount(), persons);
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 2 });
    });

    it('registers and stores a new notification in one transaction, without reading it first', async () => {
      let reads = 0;
      const find = w.store.notifications.find;
      w.store.notifications.find = (clientId, notificationId) => {
        reads += 1;
        return find(clientId, notificationId);
      };
      const input = birthInput();
      await registeredCode(w, input);
      assert.deepEqual([w.store.commits, w.store.rollbacks, reads], [1, 0, 0]);
      // the only read is the register's: the mother, in the same transaction
      assert.deepEqual(statements(w.store), [
        'lockPersonsAndSeries(2)',
        'insertLast(1) carrying claimPersons(1), saveCodeSeries(1)',
      ]);

      // a replay registers again in a transaction that is rolled back, then reads the stored result
      w.store.statements.length = 0;
      await submitBirth(w, input);
      assert.deepEqual([w.store.commits, w.store.rollbacks, reads], [1, 1, 1]);
      assert.deepEqual(
        w.store.statements.map((s) => s.op),
        ['lockPersonsAndSeries', 'insertLast'],
      );
    });

    it('replays a registered death: the rejection its second registration meets is not stored', async () => {
      const input = deathInput();
      const first = await w.service.submit(PRODUCTION, 'rest', 'death', input);
      w.clock.advance(60_000);
      const again = await w.service.submit(PRODUCTION, 'soap-v2', 'death', input);
      assert.equal(again.replayed, true);
      assert.deepEqual(again.record, first.record);
      assert.equal(again.record.status, 'registered');
      assert.equal(again.record.rejection, null);
      assert.equal(w.store.allNotifications().length, 1);
    });

    it('replays a rejected birth as rejected even once the mother is in the register', async () => {
      const unknownMother = hetu('150590', '-', 304);
      const input = birthInput({ mother: unknownMother });
      const first = await submitBirth(w, input);
      assertRejected(first.record, 'PERSON_NOT_FOUND', 'mother.personalIdentityCode');
      await w.store.loadPersons([
        {
          personalIdentityCode: unknownMother,
          birthDate: '1990-05-15',
          sex: 'female',
          temporary: false,
          deathDate: null,
        },
      ]);
      const again = await submitBirth(w, input);
      assert.equal(again.replayed, true);
      assert.deepEqual(again.record, first.record);
      assertNoCodeHandedOut(w.store, FEMALE_21);
      assert.equal(w.store.personCount(), 7);
    });

    it('treats reordered keys, another UTC offset and another channel as the same notification', async () => {
      const input = birthInput({ at: '2026-11-20T14:32:00+02:00' });
      const first = await submitBirth(w, input, PRODUCTION, 'rest');
      const reordered: Json = {
        mother: input.mother,
        birth: input.birth,
        child: { ...(input.child as Json), birthDateTime: '2026-11-20T12:32:00Z' },
        notificationId: input.notificationId,
      };
      const again = await submitBirth(w, reordered, PRODUCTION, 'legacy-soap');
      assert.equal(again.replayed, true);
      assert.equal(again.record.childCode, first.record.childCode);
      assert.equal(again.record.channel, 'rest');
    });

    it('refuses the same id with different content: NOTIFICATION_ID_REUSED', async () => {
      const input = birthInput();
      const first = await submitBirth(w, input);
      const e = await rejectedWith(submitBirth(w, withChanges(input, { 'child.birthWeightGrams': 3481 })));
      assert.equal(e.code, 'NOTIFICATION_ID_REUSED');
      assert.deepEqual(
        e.fieldErrors.map((f) => [f.field, f.code]),
        [['notificationId', 'NOTIFICATION_ID_REUSED']],
      );
      const stored = await w.service.status(PRODUCTION, input.notificationId as string);
      assert.equal(stored.childCode, first.record.childCode);
      assert.equal(w.store.allNotifications().length, 1);
    });

    it('refuses a death under the id of a birth', async () => {
      const input = birthInput();
      await submitBirth(w, input);
      const e = await rejectedWith(
        w.service.submit(PRODUCTION, 'rest', 'death', deathInput({ id: input.notificationId as string })),
      );
      assert.equal(e.code, 'NOTIFICATION_ID_REUSED');
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
    });

    it('keeps ids apart per client', async () => {
      const input = birthInput();
      const mine = await submitBirth(w, input, PRODUCTION);
      const theirs = await submitBirth(w, withChanges(input, { 'child.sex': 'male' }), OTHER);
      assert.equal(theirs.replayed, false);
      assert.equal(mine.record.childCode, hetu('211126', 'A', 2));
      assert.equal(theirs.record.childCode, hetu('211126', 'A', 3));
    });

    it('two concurrent submissions of one notification register it once', async () => {
      const input = birthInput();
      const [a, b] = await Promise.all([submitBirth(w, input), submitBirth(w, input)]);
      // one batch: the first is registered, the second answered as its replay
      assert.deepEqual([a.replayed, b.replayed], [false, true]);
      assert.equal(a.record.childCode, hetu('211126', 'A', 2));
      assert.deepEqual(b.record, a.record);
      assert.equal(w.store.person(hetu('211126', 'A', 4)), undefined);
      assert.equal(w.store.allNotifications().length, 1);
    });

    it('a retry arriving while the first submission is being registered replays it', async () => {
      const held = gate();
      w.guard.hold = held.opened;
      const input = birthInput();
      const first = submitBirth(w, input);
      while (w.guard.calls === 0) await turn();
      const retry = submitBirth(w, input);
      await turn();
      w.guard.hold = undefined;
      held.open();
      const [a, b] = await Promise.all([first, retry]);
      assert.deepEqual([a.replayed, b.replayed], [false, true]);
      assert.deepEqual(b.record, a.record);
      assert.deepEqual(batchSizes(w.store), [1, 1]);
      assert.equal(w.store.person(hetu('211126', 'A', 4)), undefined);
    });

    it('concurrent births of the same day get distinct codes, in the order they arrived', async () => {
      const results = await Promise.all([1, 2, 3, 4].map(() => submitBirth(w, birthInput())));
      assert.deepEqual(
        results.map((r) => r.record.childCode),
        [2, 4, 6, 8].map((n) => hetu('211126', 'A', n)),
      );
    });
  });
});
