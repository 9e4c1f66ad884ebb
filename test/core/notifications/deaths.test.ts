import assert from 'node:assert/strict';
import { birthInput, deathInput, hetu } from '../../helpers/builders';
import {
  assertNoCodesIn,
  assertRejected,
  DECEASED_MOTHER,
  ELDERLY,
  MOTHER,
  MOTHER2,
  NEWBORN,
  NOW,
  PRODUCTION,
  registeredCode,
  SANDBOX,
  SANDBOX_MOTHER,
  submitDeath,
  type World,
  world,
} from './world';

describe('NotificationService', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  describe('deaths', () => {
    it('registers a death', async () => {
      const { record, replayed } = await w.service.submit(PRODUCTION, 'rest', 'death', deathInput());
      assert.equal(replayed, false);
      assert.equal(record.status, 'registered');
      assert.equal(record.kind, 'death');
      assert.equal(record.childCode, null);
      assert.equal(record.registeredAt?.toISOString(), NOW);
      const person = w.store.person(ELDERLY);
      assert.equal(person?.deathDate, '2026-11-19');
      assert.equal(person?.deathDateLatest, '2026-11-19');
    });

    it('records an estimated month with its last day for the rules', async () => {
      const { record } = await w.service.submit(
        PRODUCTION,
        'rest',
        'death',
        deathInput({ date: '2024-02', accuracy: 'estimated', determinedAt: '2024-03-02T10:00:00+02:00' }),
      );
      assert.equal(record.status, 'registered');
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2024-02');
      assert.equal(w.store.person(ELDERLY)?.deathDateLatest, '2024-02-29');
    });

    it('rejects the death of an unknown person with PERSON_NOT_FOUND', async () => {
      const unknown = hetu('010150', '-', 125);
      const { record } = await w.service.submit(PRODUCTION, 'rest', 'death', deathInput({ person: unknown }));
      assertRejected(record, 'PERSON_NOT_FOUND', 'deceased.personalIdentityCode');
      assertNoCodesIn(JSON.stringify(record.rejection), unknown);
    });

    it('rejects a second death of the same person with ALREADY_DECEASED', async () => {
      await w.service.submit(PRODUCTION, 'rest', 'death', deathInput());
      const { record } = await w.service.submit(
        PRODUCTION,
        'soap-v2',
        'death',
        deathInput({ date: '2026-11-18' }),
      );
      assertRejected(record, 'ALREADY_DECEASED', 'deceased.personalIdentityCode');
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
    });

    it('rejects a person already loaded as deceased with ALREADY_DECEASED', async () => {
      const { record } = await w.service.submit(
        PRODUCTION,
        'rest',
        'death',
        deathInput({ person: DECEASED_MOTHER }),
      );
      assertRejected(record, 'ALREADY_DECEASED', 'deceased.personalIdentityCode');
    });

    it('rejects a death before the person’s birth with DEATH_BEFORE_BIRTH', async () => {
      // NEWBORN was born 2026-11-20
      const { record } = await w.service.submit(
        PRODUCTION,
        'rest',
        'death',
        deathInput({ person: NEWBORN, date: '2026-11-19' }),
      );
      assertRejected(record, 'DEATH_BEFORE_BIRTH', 'death.date');
      assert.equal(w.store.person(NEWBORN)?.deathDate, null);
    });

    it('rejects a mother’s death dated before the registered birth of her child with DEATH_BEFORE_BIRTH', async () => {
      const child = await registeredCode(w, birthInput({ mother: MOTHER })); // born 21 November (Helsinki)
      assert.deepEqual(w.store.childrenOf(MOTHER), [child]);
      const { record } = await submitDeath(
        w,
        deathInput({ person: MOTHER, date: '2026-11-20', determinedAt: NOW }),
      );
      assertRejected(record, 'DEATH_BEFORE_BIRTH', 'death.date');
      assert.equal(
        record.rejection?.fieldErrors[0]?.message,
        'is before the registered birth of a child of this person',
      );
      assert.equal(w.store.person(MOTHER)?.deathDate, null);
    });

    it('registers a mother’s death on the day of her child’s birth, or estimated to a month that reaches it', async () => {
      await registeredCode(w, birthInput({ mother: MOTHER }));
      await registeredCode(w, birthInput({ mother: MOTHER2 }));
      const sameDay = await submitDeath(
        w,
        deathInput({ person: MOTHER, date: '2026-11-21', determinedAt: NOW }),
      );
      assert.equal(sameDay.record.status, 'registered');
      const month = await submitDeath(
        w,
        deathInput({ person: MOTHER2, date: '2026-11', accuracy: 'estimated', determinedAt: NOW }),
      );
      assert.equal(month.record.status, 'registered');
    });

    it('accepts an estimated month that still reaches past the birth', async () => {
      const { record } = await w.service.submit(
        PRODUCTION,
        'rest',
        'death',
        deathInput({
          person: NEWBORN,
          date: '2026-11',
          accuracy: 'estimated',
          determinedAt: '2026-11-22T10:00:00Z',
        }),
      );
      assert.equal(record.status, 'registered');
      assert.equal(w.store.person(NEWBORN)?.deathDateLatest, '2026-11-30');
    });

    it('hides permanent persons from a sandbox client', async () => {
      const { record } = await w.service.submit(SANDBOX, 'rest', 'death', deathInput());
      assertRejected(record, 'PERSON_NOT_FOUND', 'deceased.personalIdentityCode');
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
    });

    it('lets a sandbox client register the death of a test person', async () => {
      const { record } = await w.service.submit(
        SANDBOX,
        'rest',
        'death',
        deathInput({ person: SANDBOX_MOTHER }),
      );
      assert.equal(record.status, 'registered');
      assert.equal(w.store.person(SANDBOX_MOTHER)?.deathDate, '2026-11-19');
    });
  });
});
