import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { validateBirth } from '../../src/core/notifications/birth';
import { validateDeath } from '../../src/core/notifications/death';
import { fingerprint } from '../../src/core/notifications/fingerprint';
import type { ValidationContext } from '../../src/core/notifications/rules';
import { CONTRACT_BIRTH, CONTRACT_DEATH, type Json, REMOVE, withChanges } from './validation-helpers';

const ctx: ValidationContext = { now: new Date('2026-11-23T10:00:00Z'), sandbox: false };

const BIRTH = CONTRACT_BIRTH;

const DEATH = CONTRACT_DEATH;

/** The same JSON with every object's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const key of Object.keys(value).reverse()) out[key] = reversedKeys((value as Json)[key]);
  return out;
}

/** Independent canonical form: keys sorted at every level, no whitespace. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const birthPrint = (input: unknown) => fingerprint(validateBirth(input, ctx));
const deathPrint = (input: unknown) => fingerprint(validateDeath(input, ctx));

describe('fingerprint', () => {
  it('is a SHA-256 hex digest of the sorted-key JSON of the normalised notification', () => {
    const n = validateBirth(BIRTH, ctx);
    const expected = createHash('sha256').update(sortedJson(n)).digest('hex');
    assert.match(fingerprint(n), /^[0-9a-f]{64}$/);
    assert.equal(fingerprint(n), expected);
  });

  describe('births', () => {
    it('ignores the order of JSON keys', () => {
      const reordered = reversedKeys(BIRTH);
      assert.notEqual(JSON.stringify(reordered), JSON.stringify(BIRTH));
      assert.equal(birthPrint(reordered), birthPrint(BIRTH));
    });

    it('ignores the UTC offset of the same instant', () => {
      const utc = withChanges(BIRTH, { 'child.birthDateTime': '2026-11-20T12:32:00Z' });
      const minus = withChanges(BIRTH, { 'child.birthDateTime': '2026-11-20T09:32:00.000-03:00' });
      assert.equal(birthPrint(utc), birthPrint(BIRTH));
      assert.equal(birthPrint(minus), birthPrint(BIRTH));
    });

    it('ignores letter case of the mother code, unknown members and null-versus-absent optionals', () => {
      const base = withChanges(BIRTH, { 'birth.facilityOid': REMOVE });
      const variant = withChanges(BIRTH, {
        'mother.personalIdentityCode': '131052-308t',
        'birth.facilityOid': null,
        'child.note': 'unknown member',
      });
      assert.equal(birthPrint(variant), birthPrint(base));
    });

    const changes: Array<[string, unknown]> = [
      ['child.birthWeightGrams', 3481],
      ['child.birthLengthCm', 51],
      ['child.sex', 'male'],
      ['child.birthDateTime', '2026-11-20T14:33:00+02:00'],
      ['birth.municipalityCode', '092'],
      ['birth.facilityOid', '1.2.246.10.1234567.10.2'],
      ['birth.multipleBirth', { order: 2, count: 2 }],
      ['mother.personalIdentityCode', '150590-302N'],
      ['notificationId', 'synnytys-2026-000124'],
    ];
    for (const [path, value] of changes) {
      it(`changes when ${path} changes`, () => {
        assert.notEqual(birthPrint(withChanges(BIRTH, { [path]: value })), birthPrint(BIRTH));
      });
    }

    it('changes when an optional field is left out', () => {
      assert.notEqual(
        birthPrint(withChanges(BIRTH, { 'child.birthWeightGrams': REMOVE })),
        birthPrint(BIRTH),
      );
    });

    it('changes for the same wall-clock time with another offset (another instant)', () => {
      // Same wall-clock time, other offset: a different instant.
      const other = withChanges(BIRTH, { 'child.birthDateTime': '2026-11-20T14:32:00+03:00' });
      assert.notEqual(birthPrint(other), birthPrint(BIRTH));
    });
  });

  describe('deaths', () => {
    it('ignores key order and the offset of determinedAt', () => {
      const variant = withChanges(reversedKeys(DEATH) as Json, {
        'determination.determinedAt': '2026-11-19T13:00:00Z',
      });
      assert.equal(deathPrint(variant), deathPrint(DEATH));
    });

    for (const [path, value] of [
      ['death.time', '13:06'],
      ['death.dateAccuracy', 'estimated'],
      ['death.date', '2026-11-18'],
      ['determination.physicianId', '123456780'],
    ] as const) {
      it(`changes when ${path} changes`, () => {
        assert.notEqual(deathPrint(withChanges(DEATH, { [path]: value })), deathPrint(DEATH));
      });
    }
  });
});
