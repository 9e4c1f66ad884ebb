import assert from 'node:assert/strict';
import {
  CENTURY_SIGNS,
  CHECK_CHARACTERS,
  centuryOf,
  checkCharacter,
  formatHetu,
  type HetuErrorCode,
  type HetuParseResult,
  isPersonalIdentityCodeShaped,
  parseHetu,
  signsForYear,
} from '../../src/core/hetu/hetu';

// An independent check-character implementation (BigInt, written from the
// decree), so these tests fail if the module's arithmetic is wrong.
function expectedCheck(ddmmyy: string, nnn: string): string {
  const index = Number(BigInt(`${ddmmyy}${nnn}`) % 31n);
  return '0123456789ABCDEFHJKLMNPRSTUVWXY'[index] as string;
}

function withCheck(body: string): string {
  return `${body}${expectedCheck(body.slice(0, 6), body.slice(7, 10))}`;
}

function ok(input: string) {
  const result = parseHetu(input);
  if (!result.ok) assert.fail(`expected ${input} to parse, got ${result.code}: ${result.message}`);
  return result.hetu;
}

function failsWith(input: string, code: HetuErrorCode): Extract<HetuParseResult, { ok: false }> {
  const result = parseHetu(input);
  if (result.ok) assert.fail(`expected ${input} to fail with ${code}`);
  assert.equal(result.code, code, `${input}: ${result.message}`);
  return result;
}

describe('hetu', () => {
  describe('published examples', () => {
    const examples = [
      { code: '131052-308T', birthDate: '1952-10-13', sex: 'female', temporary: false, n: 308 },
      { code: '150324A906H', birthDate: '2024-03-15', sex: 'female', temporary: true, n: 906 },
      { code: '020516C903K', birthDate: '2016-05-02', sex: 'male', temporary: true, n: 903 },
      { code: '010594Y9032', birthDate: '1994-05-01', sex: 'male', temporary: true, n: 903 },
      { code: '100190-999P', birthDate: '1990-01-10', sex: 'male', temporary: true, n: 999 },
      { code: '100190Y999P', birthDate: '1990-01-10', sex: 'male', temporary: true, n: 999 },
    ] as const;
    for (const example of examples) {
      it(`parses ${example.code}`, () => {
        const hetu = ok(example.code);
        assert.equal(hetu.code, example.code);
        assert.equal(hetu.birthDate, example.birthDate);
        assert.equal(hetu.sex, example.sex);
        assert.equal(hetu.temporary, example.temporary);
        assert.equal(hetu.individualNumber, example.n);
        assert.equal(hetu.separator, example.code[6]);
      });
    }

    it('agrees with the independent implementation on the examples', () => {
      for (const { code } of examples) assert.equal(withCheck(code.slice(0, 10)), code);
    });

    it('keeps the separator as part of identity', () => {
      const a = ok('100190-999P');
      const b = ok('100190Y999P');
      assert.equal(a.birthDate, b.birthDate);
      assert.notEqual(a.code, b.code);
      assert.notEqual(a.separator, b.separator);
    });
  });

  describe('century signs', () => {
    const expectations: Array<[string, string]> = [
      ['+', '1885-06-15'],
      ['-', '1985-06-15'],
      ['Y', '1985-06-15'],
      ['X', '1985-06-15'],
      ['W', '1985-06-15'],
      ['V', '1985-06-15'],
      ['U', '1985-06-15'],
      ['A', '2085-06-15'],
      ['B', '2085-06-15'],
      ['C', '2085-06-15'],
      ['D', '2085-06-15'],
      ['E', '2085-06-15'],
      ['F', '2085-06-15'],
    ];
    for (const [sign, birthDate] of expectations) {
      it(`sign ${sign} gives ${birthDate.slice(0, 4)}`, () => {
        const hetu = ok(withCheck(`150685${sign}234`));
        assert.equal(hetu.birthDate, birthDate);
        assert.equal(hetu.separator, sign);
        assert.equal(centuryOf(sign), Number(birthDate.slice(0, 2)) * 100);
      });
    }

    it('lists the signs per century in order of use', () => {
      assert.deepEqual(CENTURY_SIGNS[1800], ['+']);
      assert.deepEqual(CENTURY_SIGNS[1900], ['-', 'Y', 'X', 'W', 'V', 'U']);
      assert.deepEqual(CENTURY_SIGNS[2000], ['A', 'B', 'C', 'D', 'E', 'F']);
      assert.equal(CHECK_CHARACTERS, '0123456789ABCDEFHJKLMNPRSTUVWXY');
    });

    it('signsForYear maps a year to its century signs', () => {
      assert.deepEqual(signsForYear(2026), ['A', 'B', 'C', 'D', 'E', 'F']);
      assert.deepEqual(signsForYear(1900), ['-', 'Y', 'X', 'W', 'V', 'U']);
      assert.deepEqual(signsForYear(1899), ['+']);
      assert.deepEqual(signsForYear(1799), []);
      assert.deepEqual(signsForYear(2100), []);
    });

    it('centuryOf is undefined for unknown signs', () => {
      assert.equal(centuryOf('Z'), undefined);
      assert.equal(centuryOf('G'), undefined);
      assert.equal(centuryOf(''), undefined);
    });
  });

  describe('calendar dates', () => {
    it('accepts 29.2.2000', () => {
      const code = withCheck('290200A234');
      assert.equal(ok(code).birthDate, '2000-02-29');
    });

    it('rejects 29.2.1900 (not a leap year)', () => {
      failsWith(withCheck('290200-234'), 'INVALID_DATE');
    });

    it('rejects 29.2.2001', () => {
      failsWith(withCheck('290201A234'), 'INVALID_DATE');
    });

    it('accepts 29.2.1996 and rejects 29.2.1800', () => {
      assert.equal(ok(withCheck('290296-234')).birthDate, '1996-02-29');
      failsWith(withCheck('290200+234'), 'INVALID_DATE');
    });

    it('rejects 31 April, day 00, month 00 and month 13', () => {
      for (const body of ['310490-234', '000190-234', '010090-234', '011390-234', '320190-234']) {
        failsWith(withCheck(body), 'INVALID_DATE');
      }
    });

    it('checks the date before the check character', () => {
      failsWith('310490-2340', 'INVALID_DATE');
    });
  });

  describe('individual numbers', () => {
    it('rejects 000 and 001 as OUT_OF_RANGE', () => {
      const r0 = failsWith(withCheck('131052-000'), 'OUT_OF_RANGE');
      failsWith(withCheck('131052-001'), 'OUT_OF_RANGE');
      assert.match(r0.message, /000 and 001 are never issued/);
    });

    it('accepts 002 and 899 as permanent codes', () => {
      const first = ok(withCheck('131052-002'));
      assert.equal(first.individualNumber, 2);
      assert.equal(first.sex, 'female');
      assert.equal(first.temporary, false);
      const last = ok(withCheck('131052-899'));
      assert.equal(last.individualNumber, 899);
      assert.equal(last.sex, 'male');
      assert.equal(last.temporary, false);
    });

    it('accepts 900–999 as temporary codes', () => {
      for (let n = 900; n <= 999; n++) {
        const hetu = ok(withCheck(`131052-${n}`));
        assert.equal(hetu.temporary, true);
        assert.equal(hetu.sex, n % 2 === 1 ? 'male' : 'female');
      }
    });
  });

  describe('check character', () => {
    it('rejects every wrong check character', () => {
      for (const c of CHECK_CHARACTERS) {
        if (c === 'T') continue;
        failsWith(`131052-308${c}`, 'INVALID_CHECK_CHARACTER');
      }
    });

    it('computes the same character as the independent implementation', () => {
      for (const ddmmyy of ['010100', '311299', '290200', '131052', '150324']) {
        for (const n of [0, 1, 2, 308, 899, 900, 999]) {
          assert.equal(checkCharacter(ddmmyy, n), expectedCheck(ddmmyy, String(n).padStart(3, '0')));
        }
      }
    });

    it('throws for a malformed date part or number', () => {
      assert.throws(() => checkCharacter('13105', 308), RangeError);
      assert.throws(() => checkCharacter('131052', 1000), RangeError);
      assert.throws(() => checkCharacter('131052', 1.5), RangeError);
    });
  });

  describe('format', () => {
    it('accepts lower-case letters and normalises them', () => {
      const hetu = ok('150324a906h');
      assert.equal(hetu.code, '150324A906H');
      assert.equal(hetu.separator, 'A');
      assert.equal(ok('131052-308t').code, '131052-308T');
    });

    it('rejects wrong shapes as INVALID_FORMAT', () => {
      for (const input of [
        '',
        '131052-308',
        '131052-308TT',
        '13105-308T',
        '131052308T',
        '131052G308T',
        '131052Z308T',
        '1310521308T',
        '131052-3O8T',
        'ABCDEF-308T',
      ]) {
        failsWith(input, 'INVALID_FORMAT');
      }
    });

    it('rejects G, I, O, Q and Z as check characters', () => {
      for (const c of ['G', 'I', 'O', 'Q', 'Z', 'g', 'z']) failsWith(`131052-308${c}`, 'INVALID_FORMAT');
    });

    it('takes ASCII only: a long s (ſ) is no S, though upper-casing would make it one', () => {
      assert.equal(parseHetu('150590-026S').ok, true);
      failsWith('150590-026\u017f', 'INVALID_FORMAT');
    });

    it('does not trim whitespace', () => {
      failsWith(' 131052-308T', 'INVALID_FORMAT');
      failsWith('131052-308T ', 'INVALID_FORMAT');
      failsWith('131052-308T\n', 'INVALID_FORMAT');
    });

    it('explains the expected shape', () => {
      const result = failsWith('nonsense', 'INVALID_FORMAT');
      assert.match(result.message, /11 characters/);
      assert.match(result.message, /century sign/);
    });
  });

  describe('error messages', () => {
    it('never contain the input or its parts', () => {
      const cases: Array<[string, HetuErrorCode]> = [
        ['131052-308X', 'INVALID_CHECK_CHARACTER'],
        ['131052-308A', 'INVALID_CHECK_CHARACTER'],
        [withCheck('290200-234'), 'INVALID_DATE'],
        [withCheck('131052-001'), 'OUT_OF_RANGE'],
        ['131052-308', 'INVALID_FORMAT'],
        [' 131052-308T', 'INVALID_FORMAT'],
      ];
      for (const [input, code] of cases) {
        const { message } = failsWith(input, code);
        assert.ok(!message.includes(input.trim()), message);
        assert.ok(!message.includes(input.trim().slice(0, 6)), message);
        assert.ok(!isPersonalIdentityCodeShaped(message), message);
      }
    });

    it('does not reveal the expected check character', () => {
      const { message } = failsWith('131052-308A', 'INVALID_CHECK_CHARACTER');
      assert.match(message, /check character/);
      assert.match(message, /does not match/);
      assert.ok(!/\bT\b/.test(message), message);
      assert.ok(!/\d/.test(message), message);
    });
  });

  describe('formatHetu', () => {
    it('round-trips with parseHetu', () => {
      const samples: Array<[string, string, number]> = [
        ['1952-10-13', '-', 308],
        ['2024-03-15', 'A', 906],
        ['2016-05-02', 'C', 903],
        ['1994-05-01', 'Y', 903],
        ['2000-02-29', 'F', 2],
        ['1800-01-01', '+', 899],
        ['1899-12-31', '+', 3],
        ['1900-03-01', 'U', 444],
        ['2099-12-31', 'B', 999],
        ['1970-07-04', 'x', 123],
      ];
      for (const [birthDate, sign, n] of samples) {
        const code = formatHetu(birthDate, sign, n);
        const hetu = ok(code);
        assert.equal(hetu.code, code);
        assert.equal(hetu.birthDate, birthDate);
        assert.equal(hetu.separator, sign.toUpperCase());
        assert.equal(hetu.individualNumber, n);
        assert.equal(code, withCheck(code.slice(0, 10)));
      }
    });

    it('reproduces the published examples', () => {
      assert.equal(formatHetu('1952-10-13', '-', 308), '131052-308T');
      assert.equal(formatHetu('2024-03-15', 'A', 906), '150324A906H');
      assert.equal(formatHetu('1990-01-10', 'Y', 999), '100190Y999P');
    });

    it('pads individual numbers to three digits', () => {
      assert.equal(formatHetu('1952-10-13', '-', 0).slice(7, 10), '000');
      assert.equal(formatHetu('1952-10-13', '-', 42).slice(7, 10), '042');
    });

    it('throws for a sign outside the year’s century', () => {
      assert.throws(() => formatHetu('2026-01-01', '-', 123), RangeError);
      assert.throws(() => formatHetu('1990-01-10', 'A', 123), RangeError);
      assert.throws(() => formatHetu('1890-01-10', 'Y', 123), RangeError);
      assert.throws(() => formatHetu('2100-01-01', 'A', 123), RangeError);
      assert.throws(() => formatHetu('1990-01-10', 'Z', 123), RangeError);
    });

    it('throws for numbers outside 0..999 and for unreal dates', () => {
      assert.throws(() => formatHetu('1990-01-10', '-', 1000), RangeError);
      assert.throws(() => formatHetu('1990-01-10', '-', -1), RangeError);
      assert.throws(() => formatHetu('1990-01-10', '-', 2.5), RangeError);
      assert.throws(() => formatHetu('1900-02-29', '-', 123), RangeError);
      assert.throws(() => formatHetu('1990-04-31', '-', 123), RangeError);
      assert.throws(() => formatHetu('10.01.1990', '-', 123), RangeError);
    });
  });

  describe('isPersonalIdentityCodeShaped', () => {
    it('finds codes inside text, case-insensitively', () => {
      assert.equal(isPersonalIdentityCodeShaped('person 131052-308T died'), true);
      assert.equal(isPersonalIdentityCodeShaped('150324a906h'), true);
      assert.equal(isPersonalIdentityCodeShaped('100190Y999P'), true);
    });

    it('ignores text without a code', () => {
      assert.equal(isPersonalIdentityCodeShaped('notification 12345 accepted'), false);
      assert.equal(isPersonalIdentityCodeShaped('2024-03-15'), false);
      assert.equal(isPersonalIdentityCodeShaped(''), false);
    });
  });
});
