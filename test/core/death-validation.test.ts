import assert from 'node:assert/strict';
import { validateDeath } from '../../src/core/notifications/death';
import type { ValidationContext } from '../../src/core/notifications/rules';
import {
  assertNoPersonalData,
  CONTRACT_DEATH,
  fieldCodes,
  invalidity,
  type Json,
  REMOVE,
  withChanges,
} from './validation-helpers';

// Monday 2026-11-23, 12:00 in Helsinki (+02:00).
const ctx: ValidationContext = { now: new Date('2026-11-23T10:00:00Z'), sandbox: false };

const DECEASED = '010150-123A'; // 1950-01-01, male, permanent
const TEMPORARY = '150590-9021'; // individual number 902

const EXAMPLE = CONTRACT_DEATH;

function death(changes: Record<string, unknown> = {}): Json {
  return withChanges(EXAMPLE, changes);
}

const { failure, assertInvalid } = invalidity(validateDeath, ctx, 'deceased', [DECEASED, TEMPORARY]);

describe('validateDeath', () => {
  describe('a valid notification', () => {
    it('passes the contract example and normalises it', () => {
      assert.deepEqual(validateDeath(EXAMPLE, ctx), {
        kind: 'death',
        notificationId: 'kuolema-2026-000045',
        deceased: { personalIdentityCode: DECEASED, birthDate: '1950-01-01' },
        death: {
          date: '2026-11-19',
          dateAccuracy: 'exact',
          time: '13:05',
          municipalityCode: '091',
          earliestDate: '2026-11-19',
          latestDate: '2026-11-19',
        },
        determination: { physicianId: '123456789', determinedAt: '2026-11-19T13:00:00.000Z' },
      });
    });

    it('gives null for a missing time', () => {
      const n = validateDeath(death({ 'death.time': REMOVE }), ctx);
      assert.equal(n.death.time, null);
      assert.equal(n.death.earliestDate, '2026-11-19');
    });

    it('accepts 5- and 12-digit physician ids and the time limits 00:00 and 23:59', () => {
      assert.equal(
        validateDeath(death({ 'determination.physicianId': '12345' }), ctx).determination.physicianId,
        '12345',
      );
      validateDeath(death({ 'determination.physicianId': '123456789012' }), ctx);
      validateDeath(death({ 'death.time': '00:00' }), ctx);
      assert.equal(validateDeath(death({ 'death.time': '23:59' }), ctx).death.time, '23:59');
    });
  });

  describe('estimated dates', () => {
    const spans: Array<[string, string, string]> = [
      ['2024-02', '2024-02-01', '2024-02-29'],
      ['2023-02', '2023-02-01', '2023-02-28'],
      ['2026-04', '2026-04-01', '2026-04-30'],
      ['2025-12', '2025-12-01', '2025-12-31'],
      ['2025', '2025-01-01', '2025-12-31'],
      ['2026-11-02', '2026-11-02', '2026-11-02'],
    ];
    for (const [date, earliest, latest] of spans) {
      it(`${date} spans ${earliest}..${latest}`, () => {
        const n = validateDeath(
          death({
            'death.date': date,
            'death.dateAccuracy': 'estimated',
            'death.time': REMOVE,
            'determination.determinedAt': '2026-11-22T10:00:00+02:00',
          }),
          ctx,
        );
        assert.equal(n.death.date, date);
        assert.equal(n.death.dateAccuracy, 'estimated');
        assert.equal(n.death.earliestDate, earliest);
        assert.equal(n.death.latestDate, latest);
      });
    }

    it('the current month and year are not in the future (they began before today)', () => {
      for (const date of ['2026-11', '2026']) {
        const n = validateDeath(
          death({ 'death.date': date, 'death.dateAccuracy': 'estimated', 'death.time': REMOVE }),
          ctx,
        );
        assert.equal(n.death.date, date);
      }
    });

    for (const date of ['2026-13', '2026-00']) {
      it(`rejects month ${date} as INVALID_DATE`, () => {
        assertInvalid(
          death({ 'death.date': date, 'death.dateAccuracy': 'estimated', 'death.time': REMOVE }),
          [['death.date', 'INVALID_DATE']],
        );
      });
    }

    for (const date of ['26', '2026-1', '11/2026', '2026-11-1', '19.11.2026']) {
      it(`rejects ${JSON.stringify(date)} as INVALID_FORMAT`, () => {
        assertInvalid(
          death({ 'death.date': date, 'death.dateAccuracy': 'estimated', 'death.time': REMOVE }),
          [['death.date', 'INVALID_FORMAT']],
        );
      });
    }
  });

  describe('exact dates', () => {
    for (const date of ['2026-11', '2026']) {
      it(`need a full date: ${date} is INVALID_FORMAT`, () => {
        assertInvalid(death({ 'death.date': date, 'death.time': REMOVE }), [
          ['death.date', 'INVALID_FORMAT'],
        ]);
      });
    }

    for (const date of ['2026-02-30', '2025-02-29', '2026-04-31', '2026-13-01', '2026-00-10']) {
      it(`rejects ${date} as INVALID_DATE`, () => {
        assertInvalid(death({ 'death.date': date }), [['death.date', 'INVALID_DATE']]);
      });
    }

    it('accepts 29 February of a leap year', () => {
      const n = validateDeath(
        death({
          'death.date': '2024-02-29',
          'death.time': REMOVE,
          'determination.determinedAt': '2024-02-29T18:00:00+02:00',
        }),
        ctx,
      );
      assert.equal(n.death.latestDate, '2024-02-29');
    });
  });

  describe('time of death', () => {
    for (const date of ['2026-11', '2026']) {
      it(`is refused with the estimated date ${date} (INVALID_VALUE)`, () => {
        assertInvalid(death({ 'death.date': date, 'death.dateAccuracy': 'estimated' }), [
          ['death.time', 'INVALID_VALUE'],
        ]);
      });
    }

    it('is accepted with an estimated full date', () => {
      const n = validateDeath(death({ 'death.dateAccuracy': 'estimated' }), ctx);
      assert.equal(n.death.time, '13:05');
    });

    for (const time of ['1:05', '24:00', '13:60', '13:05:00', '1305', '13.05', 'noon']) {
      it(`rejects ${JSON.stringify(time)} as INVALID_FORMAT`, () => {
        assertInvalid(death({ 'death.time': time }), [['death.time', 'INVALID_FORMAT']]);
      });
    }

    it('must be a string (INVALID_TYPE)', () => {
      assertInvalid(death({ 'death.time': 1305 }), [['death.time', 'INVALID_TYPE']]);
    });
  });

  describe('future', () => {
    it('a date after today (Helsinki) is FUTURE_DATE', () => {
      assertInvalid(
        death({
          'death.date': '2026-11-24',
          'death.time': REMOVE,
          'determination.determinedAt': '2026-11-23T09:00:00Z',
        }),
        // determined (in the past) before that date: both faults are reported
        [
          ['death.date', 'FUTURE_DATE'],
          ['determination.determinedAt', 'OUT_OF_RANGE'],
        ],
      );
    });

    for (const date of ['2026-12', '2027']) {
      it(`an estimated ${date} that has not begun is FUTURE_DATE`, () => {
        assertInvalid(
          death({ 'death.date': date, 'death.dateAccuracy': 'estimated', 'death.time': REMOVE }),
          [
            ['death.date', 'FUTURE_DATE'],
            ['determination.determinedAt', 'OUT_OF_RANGE'],
          ],
        );
      });
    }

    it('a time later today is FUTURE_DATE on death.time', () => {
      // now is 12:00 in Helsinki
      assertInvalid(
        death({
          'death.date': '2026-11-23',
          'death.time': '12:01',
          'determination.determinedAt': '2026-11-23T09:59:00Z',
        }),
        [['death.time', 'FUTURE_DATE']],
      );
    });

    it('a time earlier today, or this very minute, is accepted', () => {
      for (const time of ['11:59', '12:00']) {
        const n = validateDeath(
          death({
            'death.date': '2026-11-23',
            'death.time': time,
            'determination.determinedAt': '2026-11-23T10:00:00Z',
          }),
          ctx,
        );
        assert.equal(n.death.time, time);
      }
    });

    it('"today" is the Helsinki date: just after local midnight the new day has begun', () => {
      // 2026-11-23T22:30Z is 00:30 on 24 November in Helsinki.
      const late: ValidationContext = { now: new Date('2026-11-23T22:30:00Z'), sandbox: false };
      const n = validateDeath(
        death({
          'death.date': '2026-11-24',
          'death.time': '00:15',
          'determination.determinedAt': '2026-11-24T00:25:00+02:00',
        }),
        late,
      );
      assert.equal(n.death.earliestDate, '2026-11-24');
      assertInvalid(
        death({
          'death.date': '2026-11-24',
          'death.time': '00:45',
          'determination.determinedAt': '2026-11-23T22:29:00Z',
        }),
        [['death.time', 'FUTURE_DATE']],
        late,
      );
    });

    it('determinedAt in the future is FUTURE_DATE', () => {
      assertInvalid(death({ 'determination.determinedAt': '2026-11-23T10:00:01Z' }), [
        ['determination.determinedAt', 'FUTURE_DATE'],
      ]);
      assertInvalid(death({ 'determination.determinedAt': '2026-11-23T12:30:00+02:00' }), [
        ['determination.determinedAt', 'FUTURE_DATE'],
      ]);
    });
  });

  describe('determinedAt', () => {
    it('before the death date (Helsinki) is OUT_OF_RANGE', () => {
      assertInvalid(death({ 'determination.determinedAt': '2026-11-18T23:59:00+02:00' }), [
        ['determination.determinedAt', 'OUT_OF_RANGE'],
      ]);
    });

    it('is compared as a Helsinki date: 22:30Z the evening before is 00:30 on the death date', () => {
      const n = validateDeath(
        death({ 'death.time': REMOVE, 'determination.determinedAt': '2026-11-18T22:30:00Z' }),
        ctx,
      );
      assert.equal(n.determination.determinedAt, '2026-11-18T22:30:00.000Z');
    });

    it('before an estimated month is OUT_OF_RANGE; within it, it is fine', () => {
      const base = { 'death.date': '2024-02', 'death.dateAccuracy': 'estimated', 'death.time': REMOVE };
      assertInvalid(death({ ...base, 'determination.determinedAt': '2024-01-31T12:00:00+02:00' }), [
        ['determination.determinedAt', 'OUT_OF_RANGE'],
      ]);
      validateDeath(death({ ...base, 'determination.determinedAt': '2024-02-10T12:00:00+02:00' }), ctx);
    });

    for (const value of ['2026-11-19T15:00:00', '2026-11-19']) {
      it(`${JSON.stringify(value)} without an offset is INVALID_FORMAT`, () => {
        assertInvalid(death({ 'determination.determinedAt': value }), [
          ['determination.determinedAt', 'INVALID_FORMAT'],
        ]);
      });
    }

    it('an impossible date is INVALID_DATE', () => {
      assertInvalid(death({ 'determination.determinedAt': '2026-02-30T15:00:00+02:00' }), [
        ['determination.determinedAt', 'INVALID_DATE'],
      ]);
    });
  });

  describe('other fields', () => {
    for (const id of ['1234', '1234567890123', 'ABC12345', '12345 ', '-12345']) {
      it(`physicianId ${JSON.stringify(id)} is INVALID_FORMAT`, () => {
        assertInvalid(death({ 'determination.physicianId': id }), [
          ['determination.physicianId', 'INVALID_FORMAT'],
        ]);
      });
    }

    it('a numeric physicianId is INVALID_TYPE', () => {
      assertInvalid(death({ 'determination.physicianId': 123456789 }), [
        ['determination.physicianId', 'INVALID_TYPE'],
      ]);
    });

    for (const accuracy of ['approximate', 'EXACT', 'TARKKA']) {
      it(`dateAccuracy ${JSON.stringify(accuracy)} is INVALID_VALUE`, () => {
        assertInvalid(death({ 'death.dateAccuracy': accuracy }), [['death.dateAccuracy', 'INVALID_VALUE']]);
      });
    }

    it('a bad municipality code is INVALID_FORMAT', () => {
      assertInvalid(death({ 'death.municipalityCode': '91' }), [
        ['death.municipalityCode', 'INVALID_FORMAT'],
      ]);
    });

    it('a date that is not a string is INVALID_TYPE', () => {
      assertInvalid(death({ 'death.date': 20261119 }), [['death.date', 'INVALID_TYPE']]);
    });
  });

  describe('required fields', () => {
    it('reports the four top-level members of an empty object', () => {
      assertInvalid({}, [
        ['notificationId', 'REQUIRED'],
        ['deceased', 'REQUIRED'],
        ['death', 'REQUIRED'],
        ['determination', 'REQUIRED'],
      ]);
    });

    it('reports the required members of empty nested objects', () => {
      assertInvalid(death({ deceased: {}, death: {}, determination: {} }), [
        ['deceased.personalIdentityCode', 'REQUIRED'],
        ['death.dateAccuracy', 'REQUIRED'],
        ['death.date', 'REQUIRED'],
        ['death.municipalityCode', 'REQUIRED'],
        ['determination.physicianId', 'REQUIRED'],
        ['determination.determinedAt', 'REQUIRED'],
      ]);
    });

    it('a nested member that is not an object is INVALID_TYPE', () => {
      assertInvalid(death({ death: '2026-11-19' }), [['death', 'INVALID_TYPE']]);
    });
  });

  describe("the deceased's personal identity code", () => {
    const cases: Array<[string, string]> = [
      ['010150-123B', 'INVALID_CHECK_CHARACTER'],
      ['010150123A', 'INVALID_FORMAT'],
      ['310250-123A', 'INVALID_DATE'],
      ['010150-0011', 'OUT_OF_RANGE'],
    ];
    for (const [code, expected] of cases) {
      it(`${JSON.stringify(code)} is ${expected}, and the code is not echoed`, () => {
        const e = assertInvalid(death({ 'deceased.personalIdentityCode': code }), [
          ['deceased.personalIdentityCode', expected],
        ]);
        assertNoPersonalData(e, code);
      });
    }

    it('a temporary code from a production client is TEMPORARY_CODE_NOT_ALLOWED', () => {
      const e = failure(death({ 'deceased.personalIdentityCode': TEMPORARY }));
      assert.equal(e.code, 'TEMPORARY_CODE_NOT_ALLOWED');
      assert.deepEqual(fieldCodes(e), [['deceased.personalIdentityCode', 'TEMPORARY_CODE_NOT_ALLOWED']]);
      assertNoPersonalData(e, TEMPORARY);
    });

    it('a temporary code from a sandbox client is accepted', () => {
      const n = validateDeath(death({ 'deceased.personalIdentityCode': TEMPORARY }), {
        ...ctx,
        sandbox: true,
      });
      assert.deepEqual(n.deceased, { personalIdentityCode: TEMPORARY, birthDate: '1990-05-15' });
    });
  });

  describe('several bad fields', () => {
    it('are reported together', () => {
      const e = assertInvalid(
        death({
          'deceased.personalIdentityCode': '010150-123B',
          'death.dateAccuracy': 'roughly',
          'death.time': '25:00',
          'determination.physicianId': 'x',
          'determination.determinedAt': '2030-01-01T00:00:00Z',
        }),
        [
          ['deceased.personalIdentityCode', 'INVALID_CHECK_CHARACTER'],
          ['death.dateAccuracy', 'INVALID_VALUE'],
          ['death.time', 'INVALID_FORMAT'],
          ['determination.physicianId', 'INVALID_FORMAT'],
          ['determination.determinedAt', 'FUTURE_DATE'],
        ],
      );
      assertNoPersonalData(e, '010150-123B');
    });
  });
});
