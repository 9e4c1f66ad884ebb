import { DomainError } from '../../core/errors';

/** Limits on a SOAP message's shape, checked before any parser sees it. */
export const XML_LIMITS = { maxDepth: 32, maxElements: 5000 } as const;

/**
 * The checks that keep XML attacks away from the parser: a DTD is refused
 * outright (SOAP forbids one; this also stops entity bombs and external
 * entities), only the five predefined entities and character references are
 * allowed, the bytes must be UTF-8 and every character one XML 1.0 allows, and nesting and
 * element counts are capped.
 */
export function guardXml(raw: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new DomainError('MALFORMED_REQUEST', { reason: 'the SOAP message is not valid UTF-8' });
  }
  if (/<!DOCTYPE/i.test(text)) {
    throw new DomainError('DTD_FORBIDDEN', { reason: 'contain a document type declaration (<!DOCTYPE>)' });
  }
  if (/<!ENTITY/i.test(text)) {
    throw new DomainError('DTD_FORBIDDEN', { reason: 'declare entities' });
  }
  const badEntity = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/.exec(text);
  if (badEntity) {
    throw new DomainError('MALFORMED_REQUEST', {
      reason:
        'the SOAP message uses an undefined entity or a bare "&"; only &amp; &lt; &gt; &quot; &apos; and character references are allowed',
    });
  }
  checkCharacters(text);
  checkShape(text);
  return text;
}

/** XML 1.0 §2.2 (Char): the characters a document may hold, as such or as character references. */
const isXmlChar = (cp: number): boolean =>
  cp === 0x9 ||
  cp === 0xa ||
  cp === 0xd ||
  (cp >= 0x20 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd) ||
  (cp >= 0x10000 && cp <= 0x10ffff);

/** Control characters, U+FFFE and U+FFFF are not XML, raw or as `&#…;`, and would be echoed into responses. */
function checkCharacters(text: string): void {
  let bad = false;
  for (let i = 0; i < text.length && !bad; i++) {
    const c = text.charCodeAt(i);
    // Strict UTF-8 decoding leaves no lone surrogates, so code units suffice here.
    bad = (c < 0x20 && c !== 0x9 && c !== 0xa && c !== 0xd) || c === 0xfffe || c === 0xffff;
  }
  for (const m of text.matchAll(/&#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}));/g)) {
    if (bad) break;
    bad = !isXmlChar(m[1] !== undefined ? Number.parseInt(m[1], 16) : Number(m[2]));
  }
  if (bad) {
    throw new DomainError('MALFORMED_REQUEST', {
      reason:
        'the SOAP message holds a character that XML 1.0 does not allow (a control character, U+FFFE or U+FFFF)',
    });
  }
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const QUOT = 0x22;
const APOS = 0x27;

/**
 * One linear pass over the markup: nesting depth and element count, without building anything.
 * Comments, CDATA sections and processing instructions are skipped whole, and a tag ends at the
 * first ">" outside a quoted attribute value, so nothing inside them counts as a tag. The pass
 * never goes back, so even hostile markup costs time linear in its length; what is malformed is
 * left to the parser's well-formedness check.
 */
function checkShape(text: string): void {
  let depth = 0;
  let elements = 0;
  let i = text.indexOf('<');
  while (i >= 0) {
    let next: number;
    if (text.startsWith('<!--', i)) next = skipPast(text, '-->', i + 4);
    else if (text.startsWith('<![CDATA[', i)) next = skipPast(text, ']]>', i + 9);
    else if (text.startsWith('<?', i)) next = skipPast(text, '?>', i + 2);
    else if (text.startsWith('<!', i)) next = skipPast(text, '>', i + 2);
    else {
      let j = i + 1;
      let quote = 0;
      for (; j < text.length; j++) {
        const c = text.charCodeAt(j);
        if (c === LT) break; // never inside a tag, quoted or not: not a tag, the parser will say so
        if (quote !== 0) {
          if (c === quote) quote = 0;
        } else if (c === QUOT || c === APOS) quote = c;
        else if (c === GT) break;
      }
      next = j;
      if (text.charCodeAt(j) === GT) {
        next = j + 1;
        if (text.charCodeAt(i + 1) === SLASH) depth--;
        else {
          elements++;
          if (text.charCodeAt(j - 1) !== SLASH) depth++;
        }
      }
    }
    if (depth < 0) {
      throw new DomainError('MALFORMED_REQUEST', {
        reason: 'the SOAP message has an end tag without its start tag',
      });
    }
    if (depth > XML_LIMITS.maxDepth) {
      throw new DomainError('MALFORMED_REQUEST', {
        reason: `the SOAP message nests elements deeper than ${XML_LIMITS.maxDepth} levels`,
      });
    }
    if (elements > XML_LIMITS.maxElements) {
      throw new DomainError('PAYLOAD_TOO_LARGE', { limit: `at most ${XML_LIMITS.maxElements} XML elements` });
    }
    if (next < 0) return; // an unterminated comment, CDATA section or declaration: malformed
    i = text.indexOf('<', next);
  }
}

/** The index just after `end`, searching from `from`; -1 when it never comes. */
function skipPast(text: string, end: string, from: number): number {
  const at = text.indexOf(end, from);
  return at < 0 ? -1 : at + end.length;
}
