import assert from 'node:assert/strict';
import { parseHetu } from '../../../src/core/hetu/hetu';
import { rejectionError } from '../../../src/core/notifications/notification-service';
import { birthInput, hetu } from '../../helpers/builders';
import { withChanges } from '../validation-helpers';
import {
  assertNoCodeHandedOut,
  assertNoCodesIn,
  assertRejected,
  DECEASED_MOTHER,
  FEMALE_21,
  MALE_21,
  MOTHER,
  NOW,
  PRODUCTION,
  registeredCode,
  rejectedWith,
  SANDBOX,
  SANDBOX_MOTHER,
  submitBirth,
  type World,
  world,
} from './world';

describe('NotificationService', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  describe('births', () => {
    it('registers a birth and assigns a code dated on the Helsinki birth date', async () => {
      const input = birthInput();
      const { record, replayed } = await submitBirth(w, input);
      assert.equal(replayed, false);
      assert.equal(record.status, 'registered');
      assert.equal(record.childCode, hetu('211126', 'A', 2));
      assert.equal(record.clientId, PRODUCTION.id);
      assert.equal(record.notificationId, input.notificationId);
      assert.equal(record.kind, 'birth');
      assert.equal(record.channel, 'rest');
      assert.equal(record.sandbox, false);
      assert.equal(record.rejection, null);
      assert.equal(record.receivedAt.toISOString(), NOW);
      assert.equal(record.registeredAt?.toISOString(), NOW);
      assert.equal(record.updatedAt.toISOString(), NOW);

      const parsed = parseHetu(record.childCode ?? '');
      if (!parsed.ok) assert.fail(`the child code does not parse: ${parsed.code}`);
      assert.equal(parsed.hetu.birthDate, '2026-11-21');
      assert.equal(parsed.hetu.separator, 'A');
      assert.equal(parsed.hetu.sex, 'female');
      assert.equal(parsed.hetu.temporary, false);

      assert.deepEqual(w.store.person(hetu('211126', 'A', 2)), {
        personalIdentityCode: hetu('211126', 'A', 2),
        birthDate: '2026-11-21',
        sex: 'female',
        temporary: false,
        deathDate: null,
        deathDateLatest: null,
      });
    });

    it('gives a male child an odd individual number', async () => {
      const code = await registeredCode(w, birthInput({ sex: 'male' }));
      assert.equal(code, hetu('211126', 'A', 3));
      const parsed = parseHetu(code);
      assert.ok(parsed.ok && parsed.hetu.sex === 'male' && parsed.hetu.individualNumber % 2 === 1);
    });

    it('uses the Helsinki date in summer time too (+03:00)', async () => {
      // 2026-06-30T21:30Z is 00:30 on 1 July in Helsinki
      const code = await registeredCode(w, birthInput({ at: '2026-06-30T21:30:00Z' }));
      assert.equal(code, hetu('010726', 'A', 2));
    });

    it('numbers consecutive births of a day 002, 004, … (female) and 003, 005, … (male)', async () => {
      const codes: string[] = [];
      for (const sex of ['female', 'male', 'female', 'female', 'male'] as const) {
        codes.push(await registeredCode(w, birthInput({ sex })));
      }
      assert.deepEqual(codes, [
        hetu('211126', 'A', 2),
        hetu('211126', 'A', 3),
        hetu('211126', 'A', 4),
        hetu('211126', 'A', 6),
        hetu('211126', 'A', 5),
      ]);
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 6 });
      assert.deepEqual(w.store.codeSeries(MALE_21), { signIndex: 0, number: 5 });
    });

    it('starts each day afresh', async () => {
      assert.equal(
        await registeredCode(w, birthInput({ at: '2026-11-21T10:00:00+02:00' })),
        hetu('211126', 'A', 2),
      );
      assert.equal(
        await registeredCode(w, birthInput({ at: '2026-11-21T20:00:00+02:00' })),
        hetu('211126', 'A', 4),
      );
      assert.equal(
        await registeredCode(w, birthInput({ at: '2026-11-22T10:00:00+02:00' })),
        hetu('221126', 'A', 2),
      );
      assert.deepEqual(w.store.codeSeries({ ...FEMALE_21, birthDate: '2026-11-22' }), {
        signIndex: 0,
        number: 2,
      });
    });

    it('skips the number of the newborn already in the register', async () => {
      // NEWBORN (201126A002J) was loaded as a test person
      const code = await registeredCode(w, birthInput({ at: '2026-11-20T10:00:00+02:00' }));
      assert.equal(code, hetu('201126', 'A', 4));
    });

    it('skips every taken code in a row and records the number it used', async () => {
      await w.store.loadPersons(
        [2, 4, 6].map((n) => ({
          personalIdentityCode: hetu('211126', 'A', n),
          birthDate: '2026-11-21',
          sex: 'female' as const,
          temporary: false,
          deathDate: null,
        })),
      );
      assert.equal(await registeredCode(w, birthInput()), hetu('211126', 'A', 8));
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 8 });
      assert.equal(await registeredCode(w, birthInput()), hetu('211126', 'A', 10));
    });

    it('moves to sign B once the A series of the day is used up (female)', async () => {
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 0, number: 898 });
      assert.equal(await registeredCode(w, birthInput()), hetu('211126', 'B', 2));
      assert.equal(await registeredCode(w, birthInput()), hetu('211126', 'B', 4));
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 1, number: 4 });
      const parsed = parseHetu(hetu('211126', 'B', 2));
      assert.ok(parsed.ok && parsed.hetu.birthDate === '2026-11-21');
    });

    it('uses 899 for a boy before moving to B003', async () => {
      w.store.seedCodeSeries(MALE_21, { signIndex: 0, number: 897 });
      assert.equal(await registeredCode(w, birthInput({ sex: 'male' })), hetu('211126', 'A', 899));
      assert.equal(await registeredCode(w, birthInput({ sex: 'male' })), hetu('211126', 'B', 3));
    });

    it('moves from E to F, and skips a taken code under the new sign', async () => {
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 4, number: 898 });
      await w.store.loadPersons([
        {
          personalIdentityCode: hetu('211126', 'F', 2),
          birthDate: '2026-11-21',
          sex: 'female',
          temporary: false,
          deathDate: null,
        },
      ]);
      assert.equal(await registeredCode(w, birthInput()), hetu('211126', 'F', 4));
    });

    it('rejects with IDENTITY_CODES_EXHAUSTED when every sign of the day is used up', async () => {
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 5, number: 896 });
      assert.equal(await registeredCode(w, birthInput()), hetu('211126', 'F', 898));
      const persons = w.store.personCount();
      const { record } = await submitBirth(w, birthInput());
      assert.equal(record.status, 'rejected');
      assert.equal(record.childCode, null);
      assert.equal(record.rejection?.code, 'IDENTITY_CODES_EXHAUSTED');
      assert.equal(w.store.personCount(), persons);
      // and stays used up
      const { record: again } = await submitBirth(w, birthInput());
      assert.equal(again.rejection?.code, 'IDENTITY_CODES_EXHAUSTED');
      assert.equal(w.store.personCount(), persons);
      // boys of the same day are unaffected
      assert.equal(await registeredCode(w, birthInput({ sex: 'male' })), hetu('211126', 'A', 3));
    });

    it('leaves the series at the last code handed out when a birth finds it used up', async () => {
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 5, number: 898 });
      const { record } = await submitBirth(w, birthInput());
      assert.equal(record.rejection?.code, 'IDENTITY_CODES_EXHAUSTED');
      // code_series holds "the last individual number handed out" (001_initial.sql); F898 was the last
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 5, number: 898 });
    });

    it('gives a sandbox client’s newborns 900-range codes in a series of their own', async () => {
      const girl = await registeredCode(w, birthInput({ mother: SANDBOX_MOTHER }), SANDBOX);
      const boy = await registeredCode(w, birthInput({ mother: SANDBOX_MOTHER, sex: 'male' }), SANDBOX);
      const girl2 = await registeredCode(w, birthInput({ mother: SANDBOX_MOTHER }), SANDBOX);
      assert.deepEqual(
        [girl, boy, girl2],
        [hetu('211126', 'A', 900), hetu('211126', 'A', 901), hetu('211126', 'A', 902)],
      );
      const parsed = parseHetu(girl);
      assert.ok(parsed.ok && parsed.hetu.temporary);
      assert.equal(w.store.person(girl)?.temporary, true);
      // the permanent series of the day is untouched
      assert.equal(await registeredCode(w, birthInput()), hetu('211126', 'A', 2));
    });

    it('stores the channel and the sandbox flag', async () => {
      const { record } = await submitBirth(w, birthInput({ mother: SANDBOX_MOTHER }), SANDBOX, 'soap-v2');
      assert.equal(record.channel, 'soap-v2');
      assert.equal(record.sandbox, true);
    });
  });

  describe('register rules for births', () => {
    it('stores a birth whose mother is not in the register as rejected with PERSON_NOT_FOUND', async () => {
      const unknownMother = hetu('150590', '-', 304);
      const input = birthInput({ mother: unknownMother });
      const { record, replayed } = await submitBirth(w, input);
      assert.equal(replayed, false);
      assertRejected(record, 'PERSON_NOT_FOUND', 'mother.personalIdentityCode');
      assertNoCodesIn(JSON.stringify(record.rejection), unknownMother);
      assertNoCodeHandedOut(w.store, FEMALE_21);

      const again = await submitBirth(w, input);
      assert.equal(again.replayed, true);
      assertRejected(again.record, 'PERSON_NOT_FOUND', 'mother.personalIdentityCode');
      assert.deepEqual(again.record.rejection, record.rejection);

      const error = rejectionError(again.record);
      assert.equal(error?.code, 'PERSON_NOT_FOUND');
      assert.equal(rejectionError((await submitBirth(w, birthInput())).record), undefined);
    });

    it('hides permanent persons from a sandbox client (PERSON_NOT_FOUND)', async () => {
      const { record } = await submitBirth(w, birthInput({ mother: MOTHER }), SANDBOX);
      assertRejected(record, 'PERSON_NOT_FOUND', 'mother.personalIdentityCode');
    });

    it('refuses a temporary mother from a production client before storing anything', async () => {
      const input = birthInput({ mother: SANDBOX_MOTHER });
      const e = await rejectedWith(submitBirth(w, input));
      assert.equal(e.code, 'TEMPORARY_CODE_NOT_ALLOWED');
      assert.equal(w.store.allNotifications().length, 0);
      const status = await rejectedWith(w.service.status(PRODUCTION, input.notificationId as string));
      assert.equal(status.code, 'NOTIFICATION_NOT_FOUND');
    });

    it('refuses a stillbirth before storing anything', async () => {
      const e = await rejectedWith(submitBirth(w, withChanges(birthInput(), { 'birth.liveBorn': false })));
      assert.equal(e.code, 'STILLBIRTH_NOT_REGISTRABLE');
      assert.equal(w.store.allNotifications().length, 0);
    });

    it('rejects a birth after the mother’s registered death with DEATH_BEFORE_BIRTH', async () => {
      const { record } = await submitBirth(w, birthInput({ mother: DECEASED_MOTHER }));
      assertRejected(record, 'DEATH_BEFORE_BIRTH', 'mother.personalIdentityCode');
      assertNoCodeHandedOut(w.store, FEMALE_21);
    });

    it('registers a birth on the day of the mother’s death', async () => {
      // DECEASED_MOTHER died 2026-11-01 (Helsinki); 23:30Z on 31 Oct is 01:30 on 1 Nov in Helsinki
      const code = await registeredCode(
        w,
        birthInput({ mother: DECEASED_MOTHER, at: '2026-10-31T23:30:00Z' }),
      );
      assert.equal(code, hetu('011126', 'A', 2));
    });
  });
});
