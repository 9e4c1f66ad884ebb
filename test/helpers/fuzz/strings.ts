import fc from 'fast-check';

/** Strings as hostile clients send them: any code point (lone surrogates too), and known troublemakers. */
const TROUBLE = [
  '',
  ' ',
  '\u0000',
  '\t',
  '\r\n',
  '\u0085',
  '\u2028',
  '\ud800',
  '\udfff',
  '\ufeff',
  '\ufffe',
  '\uffff',
  '\u202e',
  '\u200b',
  '𝔘',
  'Ä',
  'ﷺ',
  '<',
  '&',
  ']]>',
  '"',
  "'",
  '\\',
  '%',
  '%00',
  '%2F',
  '/',
  '..',
  '__proto__',
  'constructor',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection, sent as text
  '${7*7}',
  '{{7*7}}',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  'null',
  'undefined',
  'NaN',
  '131052-308T',
  ' 131052-308T ',
  '131052A308T',
  '131052-308t',
  '310299-999X',
  '091',
  '2026-11-20T14:32:00+02:00',
  '2026-02-29T10:00:00+02:00',
  '2026-11-20T24:00:00Z',
  '2026-11-20T23:59:60Z',
  '2026-11-20T14:32:00.123456789+02:00',
  '+002026-11-20T14:32:00Z',
  '2026-11-19',
  '2026-11',
  '2026',
  'female',
  'FEMALE',
  'male ',
  'exact',
  'estimated',
  '13:05',
  '24:00',
  '123456789',
  '1.2.246.10.1234567.10.1',
];

export const troubleString = fc.constantFrom(...TROUBLE);

/** A text value: mostly short and odd, sometimes a well-known troublemaker, sometimes long. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: troubleString },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.oneof(troubleString, fc.string({ unit: 'grapheme-ascii', maxLength: 6 })), { maxLength: 5 })
      .map((parts) => parts.join('')),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('x', 'ä', '𝔘', '<&>', '\u0000'), fc.constantFrom(300, 5_000, 70_000))
      .map(([s, n]) => s.repeat(n)),
  },
);

/** Number literals at the edges: of the fields' ranges, of doubles, of what JSON can spell. */
export const EDGE_NUMBERS = [
  '0',
  '-0',
  '-0.0',
  '1',
  '-1',
  '2',
  '9',
  '10',
  '19.999999999',
  '20',
  '70',
  '70.0000000001',
  '199',
  '200',
  '3480.0',
  '3.48e3',
  '1E3',
  '7000',
  '7001',
  '1.5',
  '0.1e1',
  '1e308',
  '1e309',
  '-1e309',
  '5e-324',
  '1e-400',
  '9007199254740991',
  '9007199254740993',
  `1${'0'.repeat(400)}`,
];
export const edgeNumber = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 1, arbitrary: fc.double().map((d) => (Number.isFinite(d) ? String(d) : '1e999')) },
  { weight: 1, arbitrary: fc.integer().map(String) },
);

/** A character an HTTP header value may carry as sent by Node's client: tab, visible ASCII, or a Latin-1 byte. */
const headerChar = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\t', '\u00a0', '\u00e4', '\u00ff', '\u0080') },
);
/** Percent-encoding at its edges: escapes of the separator, of itself, malformed, truncated or overlong UTF-8. */
export const percentEdge = fc.constantFrom(
  '%',
  '%2',
  '%2F',
  '%2f',
  '%25',
  '%252F',
  '%zz',
  '%C3',
  '%C3%A4',
  '%c3%a4',
  '%C3%28',
  '%C0%AF',
  '%ED%A0%80',
  '%F0%9D%94%98',
  '%F4%90%80%80',
  '%00',
  '%20',
  '%09',
  '%7F',
  '%E2%80%8B',
  '%EF%BB%BF',
  '+',
  '%2B',
);
export const headerString: fc.Arbitrary<string> = fc
  .array(fc.oneof({ weight: 3, arbitrary: headerChar }, { weight: 1, arbitrary: percentEdge }), {
    maxLength: 20,
  })
  .map((parts) => parts.join(''));

/** Percent-encodes the UTF-8 bytes of a string (lone surrogates become U+FFFD, as any encoder makes them). */
export function percentEncodeAll(s: string, upper = true): string {
  const hex = (b: number) => `%${b.toString(16).padStart(2, '0')}`;
  return [...Buffer.from(s, 'utf8')].map((b) => (upper ? hex(b).toUpperCase() : hex(b))).join('');
}

/** A string as it arrives when sent as UTF-8: each unpaired surrogate becomes U+FFFD. */
export const asSentUtf8 = (s: string): string =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
