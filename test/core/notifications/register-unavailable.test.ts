import assert from 'node:assert/strict';
import { birthInput, deathInput, hetu } from '../../helpers/builders';
import { deadlock } from '../fakes/memory-store';
import {
  assertNoCodesIn,
  assertRejected,
  ELDERLY,
  FEMALE_21,
  MOTHER,
  NOW,
  PRODUCTION,
  SANDBOX,
  SANDBOX_MOTHER,
  submitBirth,
  submitDeath,
  type World,
  world,
} from './world';

describe('NotificationService', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  describe('when the register is unavailable', () => {
    it('stores the notification as pending and registers it later with processPending()', async () => {
      w.guard.down = true;
      const input = birthInput();
      const { record, replayed } = await submitBirth(w, input);
      assert.equal(replayed, false);
      assert.equal(record.status, 'pending');
      assert.equal(record.childCode, null);
      assert.equal(record.registeredAt, null);
      assert.equal(record.rejection, null);
      assert.equal(w.store.personCount(), 6);
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);

      const warnings = w.logs.filter((l) => l.level === 'warn');
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]?.fields.notificationId, input.notificationId);
      assertNoCodesIn(JSON.stringify(w.logs), MOTHER);

      // a retry before the register is back replays the pending acknowledgement
      const retry = await submitBirth(w, input);
      assert.equal(retry.replayed, true);
      assert.equal(retry.record.status, 'pending');

      // still down: nothing leaves the pending state
      assert.equal(await w.service.processPending(), 0);
      assert.equal((await w.service.status(PRODUCTION, input.notificationId as string)).status, 'pending');

      w.guard.down = false;
      w.clock.advance(5 * 60_000);
      assert.equal(await w.service.processPending(), 1);
      const done = await w.service.status(PRODUCTION, input.notificationId as string);
      assert.equal(done.status, 'registered');
      assert.equal(done.childCode, hetu('211126', 'A', 2));
      assert.equal(done.receivedAt.toISOString(), NOW);
      assert.equal(done.registeredAt?.toISOString(), '2026-11-23T10:05:00.000Z');
      assert.ok(w.store.person(hetu('211126', 'A', 2)));

      // nothing is left to do, and a replay now returns the code
      assert.equal(await w.service.processPending(), 0);
      const replay = await submitBirth(w, input);
      assert.equal(replay.replayed, true);
      assert.equal(replay.record.childCode, hetu('211126', 'A', 2));
    });

    it('processes pending notifications in order of arrival, rejections included', async () => {
      w.guard.down = true;
      const first = birthInput({ sex: 'male' });
      const second = birthInput({ mother: hetu('150590', '-', 304) });
      const third = deathInput();
      await submitBirth(w, first);
      w.clock.advance(1000);
      await submitBirth(w, second);
      w.clock.advance(1000);
      await w.service.submit(PRODUCTION, 'rest', 'death', third);
      w.guard.down = false;
      assert.equal(await w.service.processPending(), 3);
      const s1 = await w.service.status(PRODUCTION, first.notificationId as string);
      const s2 = await w.service.status(PRODUCTION, second.notificationId as string);
      const s3 = await w.service.status(PRODUCTION, third.notificationId as string);
      assert.equal(s1.childCode, hetu('211126', 'A', 3));
      assertRejected(s2, 'PERSON_NOT_FOUND', 'mother.personalIdentityCode');
      assert.equal(s3.status, 'registered');
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
    });

    it('processPending honours its limit', async () => {
      w.guard.down = true;
      for (let i = 0; i < 3; i += 1) await submitBirth(w, birthInput());
      w.guard.down = false;
      assert.equal(await w.service.processPending(2), 2);
      assert.equal(w.store.allNotifications().filter((n) => n.status === 'pending').length, 1);
      assert.equal(await w.service.processPending(2), 1);
    });

    it('a register failure after the series was locked leaves no trace: no code is burnt', async () => {
      // The batch's death asks for the deceased's children after the series was locked (and created).
      w.store.failNext('latestChildBirthDates', new Error('connection reset by peer'));
      const input = birthInput();
      const [{ record }, death] = await Promise.all([submitBirth(w, input), submitDeath(w, deathInput())]);
      assert.deepEqual([record.status, death.record.status], ['pending', 'pending']);
      assert.equal(record.childCode, null);
      // the rollback undid the series created before the failure
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.equal(w.store.personCount(), 6);
      assert.equal(w.logs.filter((l) => l.level === 'warn').length, 1);
      assert.equal(await w.service.processPending(), 2);
      const done = await w.service.status(PRODUCTION, input.notificationId as string);
      assert.equal(done.childCode, hetu('211126', 'A', 2));
    });

    it('a retry once the register is back still replays the pending acknowledgement, registering nothing', async () => {
      w.guard.down = true;
      const input = birthInput();
      await submitBirth(w, input);
      w.guard.down = false;
      const retry = await submitBirth(w, input);
      assert.equal(retry.replayed, true);
      assert.equal(retry.record.status, 'pending');
      assert.equal(retry.record.childCode, null);
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.equal(w.store.personCount(), 6);
      assert.equal(await w.service.processPending(), 1);
      const done = await w.service.status(PRODUCTION, input.notificationId as string);
      assert.equal(done.childCode, hetu('211126', 'A', 2));
    });

    it('a register failure in processPending undoes the whole batch’s register writes and leaves it pending', async () => {
      w.guard.down = true;
      const inputs = [birthInput(), birthInput(), birthInput()];
      for (const input of inputs) {
        await submitBirth(w, input);
        w.clock.advance(1000);
      }
      w.guard.down = false;
      await w.service.processPending(1);
      w.logs.length = 0;
      const commits = w.store.commits;
      // the two pending births' series is locked, then the register fails
      w.store.failNext('claimPersons', new Error('connection reset by peer'));
      assert.equal(await w.service.processPending(), 0);
      // the claim's transaction itself ends normally
      assert.equal(w.store.commits, commits + 1);
      assert.equal(w.logs.filter((l) => l.level === 'warn').length, 1);
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 2 });
      assert.equal(w.store.personCount(), 7);
      const statuses = await Promise.all(
        inputs.map((i) => w.service.status(PRODUCTION, i.notificationId as string)),
      );
      assert.deepEqual(
        statuses.map((n) => [n.status, n.childCode]),
        [
          ['registered', hetu('211126', 'A', 2)],
          ['pending', null],
          ['pending', null],
        ],
      );
      assert.equal(await w.service.processPending(), 2);
      const done = await Promise.all(
        inputs.map((i) => w.service.status(PRODUCTION, i.notificationId as string)),
      );
      assert.deepEqual(
        done.map((n) => n.childCode),
        [2, 4, 6].map((n) => hetu('211126', 'A', n)),
      );
    });

    it('a rejection in processPending’s batch leaves the series where it was and keeps the registrations', async () => {
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 5, number: 896 });
      w.guard.down = true;
      const first = birthInput();
      const second = birthInput();
      await submitBirth(w, first);
      w.clock.advance(1000);
      await submitBirth(w, second);
      w.guard.down = false;
      assert.equal(await w.service.processPending(), 2);
      const s1 = await w.service.status(PRODUCTION, first.notificationId as string);
      const s2 = await w.service.status(PRODUCTION, second.notificationId as string);
      assert.equal(s1.childCode, hetu('211126', 'F', 898));
      assert.equal(s2.status, 'rejected');
      assert.equal(s2.rejection?.code, 'IDENTITY_CODES_EXHAUSTED');
      assert.ok(w.store.person(hetu('211126', 'F', 898)));
      assert.equal(w.store.personCount(), 7);
      // code_series holds "the last individual number handed out": F898
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 5, number: 898 });
    });

    it('a deadlock in processPending is retried with the whole transaction, not left pending', async () => {
      w.guard.down = true;
      const input = birthInput();
      await submitBirth(w, input);
      w.guard.down = false;
      w.logs.length = 0;
      const rollbacks = w.store.rollbacks;
      w.store.failNext('lockPersonsAndSeries', deadlock());
      assert.equal(await w.service.processPending(), 1);
      assert.equal(w.store.rollbacks, rollbacks + 1);
      assert.deepEqual(w.logs, []);
      const done = await w.service.status(PRODUCTION, input.notificationId as string);
      assert.equal(done.childCode, hetu('211126', 'A', 2));
    });

    it('a sandbox notification stays sandboxed when processed later', async () => {
      w.guard.down = true;
      const input = birthInput({ mother: SANDBOX_MOTHER });
      await submitBirth(w, input, SANDBOX);
      w.guard.down = false;
      assert.equal(await w.service.processPending(), 1);
      const done = await w.service.status(SANDBOX, input.notificationId as string);
      assert.equal(done.childCode, hetu('211126', 'A', 900));
    });
  });
});
