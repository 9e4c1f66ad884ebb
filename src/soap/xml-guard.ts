import { DomainError } from '../core/errors';

/** Limits on a SOAP message's shape, checked before any parser sees it. */
export const XML_LIMITS = { maxDepth: 32, maxElements: 5000 } as const;

/**
 * The checks that keep XML attacks away from the parser: a DTD is refused
 * outright (SOAP forbids one; this also stops entity bombs and external
 * entities), only the five predefined entities and character references are
 * allowed, the bytes must be UTF-8, and nesting and element counts are capped.
 */
export function guardXml(raw: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new DomainError('MALFORMED_REQUEST', 'The SOAP message is not valid UTF-8.');
  }
  if (/<!DOCTYPE/i.test(text)) {
    throw new DomainError(
      'DTD_FORBIDDEN',
      'SOAP messages may not contain a document type declaration (<!DOCTYPE>).',
    );
  }
  if (/<!ENTITY/i.test(text)) {
    throw new DomainError('DTD_FORBIDDEN', 'SOAP messages may not declare entities.');
  }
  const badEntity = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/.exec(text);
  if (badEntity) {
    throw new DomainError(
      'MALFORMED_REQUEST',
      'The SOAP message uses an undefined entity or a bare "&"; only &amp; &lt; &gt; &quot; &apos; and character references are allowed.',
    );
  }
  checkShape(text);
  return text;
}

/** One linear pass over the tags: nesting depth and element count, without building anything. */
function checkShape(text: string): void {
  let depth = 0;
  let elements = 0;
  const tag = /<(\/?)([^\s>/!?]*)[^>]*?(\/?)>|<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>/g;
  for (let m = tag.exec(text); m !== null; m = tag.exec(text)) {
    if (m[2] === undefined || m[2] === '') continue;
    if (m[1] === '/') depth--;
    else {
      elements++;
      if (m[3] !== '/') depth++;
    }
    if (depth > XML_LIMITS.maxDepth) {
      throw new DomainError(
        'MALFORMED_REQUEST',
        `The SOAP message nests elements deeper than ${XML_LIMITS.maxDepth} levels.`,
      );
    }
    if (elements > XML_LIMITS.maxElements) {
      throw new DomainError(
        'PAYLOAD_TOO_LARGE',
        `The SOAP message has more than ${XML_LIMITS.maxElements} elements.`,
      );
    }
  }
}
