/**
 * Finds personal identity codes (henkilötunnus) in text, written
 * independently of the gateway's own masking (src/infra/logger.ts): DDMMYY,
 * any century sign (+ - A B C D E F Y X W V U, either case), three digits and
 * a check character whether or not it is the right one — and glued to
 * letters, digits or `_` as much as standing alone (`FI170993-2443`,
 * `x131052-308Ty`), so no word boundary is asked for.
 */
const IDENTITY_CODE = /\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/i;
/**
 * The gateway's own random ids are left out first: one UUID in about seventy
 * has six digits, a hyphen and three digits in a row, a code's shape.
 */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/**
 * … and SHA-256 digests in hex, standing alone (the audit trail's keyed hashes, which the CLI prints): a
 * hex digit run may hold six digits, an A–F century sign and four more, once in a few hundred hashes.
 */
const SHA256_HEX = /(?<![0-9a-z])[0-9a-f]{64}(?![0-9a-z])/gi;

/** The numbers (from 1) of the lines that hold something shaped like a personal identity code. */
export function linesWithIdentityCodes(text: string): number[] {
  const found: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (IDENTITY_CODE.test(line.replace(UUID, '').replace(SHA256_HEX, ''))) found.push(i + 1);
  });
  return found;
}
