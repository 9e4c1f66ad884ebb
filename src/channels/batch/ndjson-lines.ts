/** A line of an NDJSON body: its number (from 1), and its text, or why it has none. */
export type NdjsonLine =
  | { line: number; text: string }
  | { line: number; problem: 'too-long' | 'not-utf8' | 'nul' };

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * The lines of a byte stream, as they arrive: never more than one line (at
 * most `maxBytes`) held at a time, so a body of any length is read in
 * bounded memory. A longer line is passed over to its end and reported;
 * so are a line that is not UTF-8 and one holding a NUL byte (which JSON
 * text never does, and the database's text cannot hold). Blank lines are
 * skipped but counted; a `\r` before the `\n` is dropped.
 */
export async function* ndjsonLines(
  source: AsyncIterable<Buffer | string>,
  maxBytes: number,
): AsyncGenerator<NdjsonLine> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let line = 0;

  const finish = (): NdjsonLine | undefined => {
    line++;
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
    const wasTooLong = tooLong;
    parts = [];
    size = 0;
    tooLong = false;
    if (wasTooLong) return { line, problem: 'too-long' };
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    const body = bytes.subarray(0, end);
    if (body.includes(0)) return { line, problem: 'nul' };
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return { line, problem: 'not-utf8' };
    }
    return text.trim() === '' ? undefined : { line, text };
  };

  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!tooLong) {
        if (size + (end - start) > maxBytes) {
          tooLong = true;
          parts = [];
          size = 0;
        } else if (end > start) {
          // A copy: the chunk is not kept alive by a short piece of it.
          parts.push(Buffer.from(chunk.subarray(start, end)));
          size += end - start;
        }
      }
      if (nl === -1) break;
      const done = finish();
      if (done) yield done;
      start = nl + 1;
    }
  }
  if (size > 0 || tooLong) {
    const done = finish();
    if (done) yield done;
  }
}
