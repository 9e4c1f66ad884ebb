import { asSentUtf8 } from './strings';

/**
 * Which client an X-Road-Client header names, read from the contract: INSTANCE/CLASS/MEMBER/SUBSYSTEM,
 * each part percent-encoded UTF-8, none empty, none holding a slash, white space or a control character;
 * null when it names none. (Node hands the server a header's bytes as Latin-1 characters.)
 */
export function restClientOracle(header: string): string | null {
  const parts = header.replace(/^[ \t]+|[ \t]+$/g, '').split('/');
  if (parts.length !== 4) return null;
  try {
    const decoded = parts.map((p) => decodeURIComponent(p));
    return decoded.some((p) => p === '' || /[/\s\p{Cc}]/u.test(p)) ? null : decoded.join('/');
  } catch {
    return null;
  }
}

/** Which client the SOAP header's parts name: each exactly once, text only, trimmed, none empty or with a slash. */
export function soapClientOracle(parts: readonly { text: string; how: string }[]): string | null {
  if (parts.some((p) => p.how === 'missing' || p.how === 'nested' || p.how === 'twice')) return null;
  // XML turns CR LF and a lone CR into LF; the gateway trims what an element holds.
  const values = parts.map((p) => asSentUtf8(p.text).replace(/\r\n?/g, '\n').trim());
  return values.some((v) => v === '' || v.includes('/')) ? null : values.join('/');
}
