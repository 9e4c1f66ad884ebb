import assert from 'node:assert/strict';
import { SOAP_FAULTS } from '../../src/channels/soap/fault-table';
import { validateBirth } from '../../src/core/notifications/birth';
import type { ValidationContext } from '../../src/core/notifications/rules';
import {
  assertNoPersonalData,
  CONTRACT_BIRTH,
  fieldCodes,
  invalidity,
  type Json,
  REMOVE,
  withChanges,
} from './validation-helpers';

const ctx: ValidationContext = { now: new Date('2026-11-23T10:00:00Z'), sandbox: false };
const sandboxCtx: ValidationContext = { ...ctx, sandbox: true };

const MOTHER = '131052-308T'; // 1952-10-13, female, permanent
const TEMPORARY_MOTHER = '150590-9021'; // 1990-05-15, female, individual number 902

const EXAMPLE = CONTRACT_BIRTH;

function birth(changes: Record<string, unknown> = {}): Json {
  return withChanges(EXAMPLE, changes);
}

const { failure, assertInvalid } = invalidity(validateBirth, ctx, 'mother', [MOTHER, TEMPORARY_MOTHER]);

describe('validateBirth', () => {
  describe('a valid notification', () => {
    it('passes the contract example and normalises it', () => {
      assert.deepEqual(validateBirth(EXAMPLE, ctx), {
        kind: 'birth',
        notificationId: 'synnytys-2026-000123',
        child: {
          birthInstant: '2026-11-20T12:32:00.000Z',
          birthDate: '2026-11-20',
          sex: 'female',
          birthWeightGrams: 3480,
          birthLengthCm: 50,
        },
        birth: {
          municipalityCode: '091',
          facilityOid: '1.2.246.10.1234567.10.1',
          liveBorn: true,
          multipleBirth: { order: 1, count: 2 },
        },
        mother: { personalIdentityCode: MOTHER, birthDate: '1952-10-13' },
      });
    });

    it('gives null for every optional field left out', () => {
      const input = birth({
        'child.birthWeightGrams': REMOVE,
        'child.birthLengthCm': REMOVE,
        'birth.facilityOid': REMOVE,
        'birth.multipleBirth': REMOVE,
      });
      const n = validateBirth(input, ctx);
      assert.equal(n.child.birthWeightGrams, null);
      assert.equal(n.child.birthLengthCm, null);
      assert.equal(n.birth.facilityOid, null);
      assert.equal(n.birth.multipleBirth, null);
    });

    it('treats null optional fields like absent ones', () => {
      const n = validateBirth(
        birth({ 'child.birthWeightGrams': null, 'birth.facilityOid': null, 'birth.multipleBirth': null }),
        ctx,
      );
      assert.equal(n.child.birthWeightGrams, null);
      assert.equal(n.birth.facilityOid, null);
      assert.equal(n.birth.multipleBirth, null);
    });

    it('stores the instant in UTC and the birth date in Helsinki time', () => {
      // 23:30Z on 20 November is 01:30 on 21 November in Helsinki (+02:00).
      const n = validateBirth(birth({ 'child.birthDateTime': '2026-11-20T23:30:00Z' }), ctx);
      assert.equal(n.child.birthInstant, '2026-11-20T23:30:00.000Z');
      assert.equal(n.child.birthDate, '2026-11-21');
    });

    it('uses summer time for a summer birth just after local midnight', () => {
      const n = validateBirth(birth({ 'child.birthDateTime': '2026-06-30T21:30:00Z' }), ctx);
      assert.equal(n.child.birthDate, '2026-07-01');
      const before = validateBirth(birth({ 'child.birthDateTime': '2026-06-30T20:59:00Z' }), ctx);
      assert.equal(before.child.birthDate, '2026-06-30');
    });

    it('accepts another offset and fractional seconds, normalising to UTC', () => {
      const n = validateBirth(birth({ 'child.birthDateTime': '2026-11-20T09:32:00.250-03:00' }), ctx);
      assert.equal(n.child.birthInstant, '2026-11-20T12:32:00.250Z');
      assert.equal(n.child.birthDate, '2026-11-20');
    });

    it('accepts the lower-case t and z that RFC 3339 allows', () => {
      const n = validateBirth(birth({ 'child.birthDateTime': '2026-11-20t12:32:00z' }), ctx);
      assert.equal(n.child.birthInstant, '2026-11-20T12:32:00.000Z');
    });

    it('upper-cases the mother code', () => {
      const n = validateBirth(birth({ 'mother.personalIdentityCode': '131052-308t' }), ctx);
      assert.equal(n.mother.personalIdentityCode, MOTHER);
    });

    it('accepts a male child and a non-integer length', () => {
      const n = validateBirth(birth({ 'child.sex': 'male', 'child.birthLengthCm': 49.5 }), ctx);
      assert.equal(n.child.sex, 'male');
      assert.equal(n.child.birthLengthCm, 49.5);
    });

    it('accepts the limits of every range', () => {
      const low = validateBirth(
        birth({
          'child.birthWeightGrams': 200,
          'child.birthLengthCm': 20,
          'birth.multipleBirth': { order: 2, count: 2 },
        }),
        ctx,
      );
      assert.equal(low.child.birthWeightGrams, 200);
      assert.deepEqual(low.birth.multipleBirth, { order: 2, count: 2 });
      const high = validateBirth(
        birth({
          'child.birthWeightGrams': 7000,
          'child.birthLengthCm': 70,
          'birth.multipleBirth': { order: 9, count: 9 },
        }),
        ctx,
      );
      assert.equal(high.child.birthWeightGrams, 7000);
      assert.equal(high.child.birthLengthCm, 70);
    });

    it('accepts a birth exactly now and exactly 365 days ago', () => {
      validateBirth(birth({ 'child.birthDateTime': '2026-11-23T10:00:00Z' }), ctx);
      const n = validateBirth(birth({ 'child.birthDateTime': '2025-11-23T10:00:00Z' }), ctx);
      assert.equal(n.child.birthDate, '2025-11-23');
    });

    it('ignores members it does not know', () => {
      const n = validateBirth(birth({ 'child.eyeColour': 'blue', extra: 1 }), ctx);
      assert.deepEqual(Object.keys(n.child).sort(), [
        'birthDate',
        'birthInstant',
        'birthLengthCm',
        'birthWeightGrams',
        'sex',
      ]);
    });
  });

  describe('required fields', () => {
    it('reports the four top-level members of an empty object', () => {
      assertInvalid({}, [
        ['notificationId', 'REQUIRED'],
        ['child', 'REQUIRED'],
        ['birth', 'REQUIRED'],
        ['mother', 'REQUIRED'],
      ]);
    });

    it('treats a non-object body like an empty one', () => {
      for (const input of [null, 'birth', 42, []]) {
        assertInvalid(input, [
          ['notificationId', 'REQUIRED'],
          ['child', 'REQUIRED'],
          ['birth', 'REQUIRED'],
          ['mother', 'REQUIRED'],
        ]);
      }
    });

    it('reports required members of the nested objects with dotted paths', () => {
      assertInvalid(birth({ child: {}, birth: {}, mother: {} }), [
        ['child.birthDateTime', 'REQUIRED'],
        ['child.sex', 'REQUIRED'],
        ['birth.municipalityCode', 'REQUIRED'],
        ['birth.liveBorn', 'REQUIRED'],
        ['mother.personalIdentityCode', 'REQUIRED'],
      ]);
    });

    const single: Array<[string, string]> = [
      ['notificationId', 'notificationId'],
      ['child.birthDateTime', 'child.birthDateTime'],
      ['child.sex', 'child.sex'],
      ['birth.municipalityCode', 'birth.municipalityCode'],
      ['birth.liveBorn', 'birth.liveBorn'],
      ['mother.personalIdentityCode', 'mother.personalIdentityCode'],
      ['birth.multipleBirth.order', 'birth.multipleBirth.order'],
      ['birth.multipleBirth.count', 'birth.multipleBirth.count'],
    ];
    for (const [path, field] of single) {
      it(`reports ${field} when missing`, () => {
        assertInvalid(birth({ [path]: REMOVE }), [[field, 'REQUIRED']]);
      });
    }

    it('treats an empty string and null as missing', () => {
      assertInvalid(birth({ 'birth.municipalityCode': '', 'child.sex': null }), [
        ['child.sex', 'REQUIRED'],
        ['birth.municipalityCode', 'REQUIRED'],
      ]);
    });
  });

  describe('types', () => {
    const cases: Array<[string, unknown]> = [
      ['notificationId', 123],
      ['child', 'baby'],
      ['child', [1, 2]],
      ['child.sex', 2],
      ['child.birthDateTime', 1763649120000],
      ['child.birthWeightGrams', '3480'],
      ['child.birthWeightGrams', 3480.5],
      ['child.birthLengthCm', '50'],
      ['child.birthLengthCm', Number.NaN],
      ['birth.liveBorn', 'true'],
      ['birth.liveBorn', 1],
      ['birth.multipleBirth', 'twins'],
      ['birth.multipleBirth.count', '2'],
      ['birth.facilityOid', 1.2],
      ['mother', MOTHER],
      ['mother.personalIdentityCode', 131052308],
    ];
    for (const [field, value] of cases) {
      it(`reports INVALID_TYPE for ${field} = ${JSON.stringify(value)}`, () => {
        assertInvalid(birth({ [field]: value }), [[field, 'INVALID_TYPE']]);
      });
    }
  });

  describe('formats and values', () => {
    for (const id of ['has space', '-leading-dash', 'ä-not-ascii', 'x'.repeat(101), 'semi;colon', 'abc\n']) {
      it(`rejects notificationId ${JSON.stringify(id.slice(0, 20))} as INVALID_FORMAT`, () => {
        assertInvalid(birth({ notificationId: id }), [['notificationId', 'INVALID_FORMAT']]);
      });
    }

    it('accepts a 100-character notificationId with . _ : -', () => {
      const id = `a.b_c:d-${'9'.repeat(92)}`;
      assert.equal(id.length, 100);
      assert.equal(validateBirth(birth({ notificationId: id }), ctx).notificationId, id);
    });

    for (const code of ['91', '0911', 'abc', ' 091', '091\n']) {
      it(`rejects municipality code ${JSON.stringify(code)} as INVALID_FORMAT`, () => {
        assertInvalid(birth({ 'birth.municipalityCode': code }), [
          ['birth.municipalityCode', 'INVALID_FORMAT'],
        ]);
      });
    }

    for (const oid of [
      'not-an-oid',
      '1',
      '3.1.2',
      '1.2.03',
      '1..2',
      '1.2.246.',
      `1.${'9'.repeat(21)}`,
      `1${'.12345678901234567890'.repeat(7)}`,
    ]) {
      it(`rejects facilityOid ${JSON.stringify(oid)} as INVALID_FORMAT`, () => {
        assertInvalid(birth({ 'birth.facilityOid': oid }), [['birth.facilityOid', 'INVALID_FORMAT']]);
      });
    }

    for (const sex of ['F', 'Female', 'other', 'unknown']) {
      it(`rejects sex ${JSON.stringify(sex)} as INVALID_VALUE`, () => {
        assertInvalid(birth({ 'child.sex': sex }), [['child.sex', 'INVALID_VALUE']]);
      });
    }
  });

  describe('ranges', () => {
    const cases: Array<[string, unknown, string]> = [
      ['child.birthWeightGrams', 199, 'child.birthWeightGrams'],
      ['child.birthWeightGrams', 7001, 'child.birthWeightGrams'],
      ['child.birthWeightGrams', -3480, 'child.birthWeightGrams'],
      ['child.birthLengthCm', 19.9, 'child.birthLengthCm'],
      ['child.birthLengthCm', 70.1, 'child.birthLengthCm'],
      ['birth.multipleBirth', { order: 1, count: 1 }, 'birth.multipleBirth.count'],
      ['birth.multipleBirth', { order: 1, count: 10 }, 'birth.multipleBirth.count'],
      ['birth.multipleBirth', { order: 0, count: 2 }, 'birth.multipleBirth.order'],
      ['birth.multipleBirth', { order: 3, count: 2 }, 'birth.multipleBirth.order'],
    ];
    for (const [path, value, field] of cases) {
      it(`reports OUT_OF_RANGE on ${field} for ${path} = ${JSON.stringify(value)}`, () => {
        assertInvalid(birth({ [path]: value }), [[field, 'OUT_OF_RANGE']]);
      });
    }

    it('says why order > count is wrong', () => {
      const e = assertInvalid(birth({ 'birth.multipleBirth': { order: 3, count: 2 } }), [
        ['birth.multipleBirth.order', 'OUT_OF_RANGE'],
      ]);
      assert.match(e.fieldErrors[0]?.message ?? '', /count/);
    });
  });

  describe('birth date and time', () => {
    const formats = [
      '2026-11-20T14:32:00',
      '2026-11-20',
      '2026-11-20 14:32:00+02:00',
      '20.11.2026 14:32',
      '2026-11-20T14:32+02:00',
      '2026-11-20T14:32:00+0200',
    ];
    for (const value of formats) {
      it(`rejects ${JSON.stringify(value)} (no offset / not RFC 3339) as INVALID_FORMAT`, () => {
        assertInvalid(birth({ 'child.birthDateTime': value }), [['child.birthDateTime', 'INVALID_FORMAT']]);
      });
    }

    for (const value of [
      '2026-02-30T10:00:00+02:00',
      '2026-11-31T10:00:00Z',
      '2026-11-20T24:00:00Z',
      '2026-11-20T14:60:00Z',
      '2026-11-20T14:32:00+25:00',
    ]) {
      it(`rejects ${value} as INVALID_DATE`, () => {
        assertInvalid(birth({ 'child.birthDateTime': value }), [['child.birthDateTime', 'INVALID_DATE']]);
      });
    }

    it('rejects a birth one second in the future as FUTURE_DATE', () => {
      assertInvalid(birth({ 'child.birthDateTime': '2026-11-23T10:00:01Z' }), [
        ['child.birthDateTime', 'FUTURE_DATE'],
      ]);
    });

    it('compares instants, not wall clocks: 12:30+02:00 is after 10:00Z', () => {
      assertInvalid(birth({ 'child.birthDateTime': '2026-11-23T12:30:00+02:00' }), [
        ['child.birthDateTime', 'FUTURE_DATE'],
      ]);
      // 11:59+02:00 is 09:59Z, in the past
      validateBirth(birth({ 'child.birthDateTime': '2026-11-23T11:59:00+02:00' }), ctx);
    });

    it('rejects a birth more than 365 days ago as OUT_OF_RANGE', () => {
      assertInvalid(birth({ 'child.birthDateTime': '2025-11-23T09:59:59Z' }), [
        ['child.birthDateTime', 'OUT_OF_RANGE'],
      ]);
      assertInvalid(birth({ 'child.birthDateTime': '2020-01-01T00:00:00Z' }), [
        ['child.birthDateTime', 'OUT_OF_RANGE'],
      ]);
    });
  });

  describe("the mother's personal identity code", () => {
    const cases: Array<[string, string]> = [
      ['131052-308U', 'INVALID_CHECK_CHARACTER'],
      ['131052-308', 'INVALID_FORMAT'],
      ['131052 308T', 'INVALID_FORMAT'],
      [' 131052-308T', 'INVALID_FORMAT'],
      ['300252-3080', 'INVALID_DATE'],
      ['131052-0010', 'OUT_OF_RANGE'],
    ];
    for (const [code, expected] of cases) {
      it(`rejects ${JSON.stringify(code)} with ${expected}, without echoing it`, () => {
        const e = assertInvalid(birth({ 'mother.personalIdentityCode': code }), [
          ['mother.personalIdentityCode', expected],
        ]);
        assertNoPersonalData(e, code);
      });
    }

    it('rejects a mother born after the child (OUT_OF_RANGE)', () => {
      // 211126A0026: born 2026-11-21; the child is born 2026-11-20
      assertInvalid(birth({ 'mother.personalIdentityCode': '211126A0026' }), [
        ['mother.personalIdentityCode', 'OUT_OF_RANGE'],
      ]);
    });

    it('rejects a mother born on the same day as the child (OUT_OF_RANGE)', () => {
      assertInvalid(birth({ 'mother.personalIdentityCode': '201126A002J' }), [
        ['mother.personalIdentityCode', 'OUT_OF_RANGE'],
      ]);
    });
  });

  describe('several bad fields', () => {
    it('are reported together, in document order', () => {
      const input = birth({
        'child.sex': 'x',
        'child.birthWeightGrams': 10,
        'birth.municipalityCode': 'Helsinki',
        'birth.liveBorn': 'yes',
        'mother.personalIdentityCode': '131052-308U',
      });
      const e = assertInvalid(input, [
        ['child.sex', 'INVALID_VALUE'],
        ['child.birthWeightGrams', 'OUT_OF_RANGE'],
        ['birth.municipalityCode', 'INVALID_FORMAT'],
        ['birth.liveBorn', 'INVALID_TYPE'],
        ['mother.personalIdentityCode', 'INVALID_CHECK_CHARACTER'],
      ]);
      assert.equal(
        e.message,
        '5 fields are invalid: child.sex, child.birthWeightGrams, birth.municipalityCode, birth.liveBorn, mother.personalIdentityCode',
      );
      assertNoPersonalData(e, '131052-308U');
    });

    it('a single bad field is named in the message', () => {
      const e = assertInvalid(birth({ 'child.sex': 'x' }), [['child.sex', 'INVALID_VALUE']]);
      assert.match(e.message, /^child\.sex: /);
    });

    it('a future birth and a mother born after it are both reported', () => {
      assertInvalid(
        birth({
          'child.birthDateTime': '2026-11-24T10:00:00Z',
          'mother.personalIdentityCode': '251126A002S',
        }),
        [
          ['child.birthDateTime', 'FUTURE_DATE'],
          ['mother.personalIdentityCode', 'OUT_OF_RANGE'],
        ],
      );
    });
  });

  describe('stillbirth', () => {
    it('is STILLBIRTH_NOT_REGISTRABLE', () => {
      const e = failure(birth({ 'birth.liveBorn': false }));
      assert.equal(e.code, 'STILLBIRTH_NOT_REGISTRABLE');
      assert.deepEqual(fieldCodes(e), [['birth.liveBorn', 'STILLBIRTH_NOT_REGISTRABLE']]);
      assertNoPersonalData(e, MOTHER);
    });

    it('field errors come first when there are any', () => {
      const e = failure(birth({ 'birth.liveBorn': false, 'child.sex': 'x' }));
      assert.equal(e.code, 'VALIDATION_FAILED');
      assert.deepEqual(fieldCodes(e), [['child.sex', 'INVALID_VALUE']]);
    });
  });

  describe('temporary (900–999) codes', () => {
    it('are refused from a production client', () => {
      const e = failure(birth({ 'mother.personalIdentityCode': TEMPORARY_MOTHER }));
      assert.equal(e.code, 'TEMPORARY_CODE_NOT_ALLOWED');
      assert.equal(SOAP_FAULTS[e.code].faultClass, 'Client');
      assert.deepEqual(fieldCodes(e), [['mother.personalIdentityCode', 'TEMPORARY_CODE_NOT_ALLOWED']]);
      assertNoPersonalData(e, TEMPORARY_MOTHER);
    });

    it('are allowed from a sandbox client', () => {
      const n = validateBirth(birth({ 'mother.personalIdentityCode': TEMPORARY_MOTHER }), sandboxCtx);
      assert.equal(n.mother.personalIdentityCode, TEMPORARY_MOTHER);
      assert.equal(n.mother.birthDate, '1990-05-15');
    });

    it('a stillbirth is refused as such even with a temporary mother', () => {
      const e = failure(birth({ 'mother.personalIdentityCode': TEMPORARY_MOTHER, 'birth.liveBorn': false }));
      assert.equal(e.code, 'STILLBIRTH_NOT_REGISTRABLE');
    });

    it('a sandbox client may name a permanent code (the register decides visibility)', () => {
      const n = validateBirth(EXAMPLE, sandboxCtx);
      assert.equal(n.mother.personalIdentityCode, MOTHER);
    });
  });
});
