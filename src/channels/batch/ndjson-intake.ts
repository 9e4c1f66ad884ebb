import type { BatchLine, BatchQueue } from '../../core/batches/batch-queue';
import { DomainError } from '../../core/errors';
import { PROBLEMS, problemBody } from '../../http/problems';
import type { ItemResult } from './batch-items';
import { ndjsonLines } from './ndjson-lines';

/** Lines stored per statement while a batch is taken in. */
const CHUNK_LINES = 1000;
const CHUNK_CHARS = 1 << 20;

export interface IntakeLimits {
  maxItems: number;
  maxLineBytes: number;
  /** All items' text together, in bytes. */
  maxBytes: number;
}

/**
 * Takes in an NDJSON batch as it streams: each non-blank line is an item,
 * stored in chunks as it arrives, so the body is never held whole; the
 * batch is sealed (and may be acknowledged) only once every line is stored.
 * A line that cannot be an item's text (too long, not UTF-8) is stored with
 * its refusal at once; the rest are judged when decided. On any failure —
 * too many items, the upload cut off, the database — the batch is dropped:
 * nothing of it is ever decided. Returns the batch's id and its item count.
 */
export async function takeIn(
  body: AsyncIterable<Buffer | string>,
  queue: BatchQueue,
  clientId: string,
  at: Date,
  limits: IntakeLimits,
  correlationId: () => string,
): Promise<{ id: string; total: number }> {
  const id = await queue.open(clientId, at);
  try {
    let chunk: BatchLine[] = [];
    let chars = 0;
    let index = 0;
    let bytes = 0;
    for await (const l of ndjsonLines(body, limits.maxLineBytes)) {
      if (index >= limits.maxItems) {
        throw new DomainError('PAYLOAD_TOO_LARGE', {
          limit: `at most ${limits.maxItems} items in one batch (line ${l.line} is item ${index + 1}); split it into several batches`,
        });
      }
      if ('text' in l) {
        bytes += Buffer.byteLength(l.text);
        if (bytes > limits.maxBytes) {
          throw new DomainError('PAYLOAD_TOO_LARGE', {
            limit: `at most ${limits.maxBytes} bytes of items in one batch (line ${l.line} goes past it); split it into several batches`,
          });
        }
        chunk.push({ index, line: l.line, text: l.text });
        chars += l.text.length;
      } else {
        chunk.push({
          index,
          line: l.line,
          decided: refusedOnArrival(index, l.line, l.problem, limits, correlationId()),
        });
      }
      index++;
      if (chunk.length >= CHUNK_LINES || chars >= CHUNK_CHARS) {
        await queue.append(id, chunk);
        chunk = [];
        chars = 0;
      }
    }
    if (index === 0) {
      throw new DomainError('MALFORMED_REQUEST', {
        reason: 'it holds no items: send one JSON item {"type": …, "notification": {…}} per line',
      });
    }
    await queue.append(id, chunk);
    await queue.seal(id, index);
    return { id, total: index };
  } catch (err) {
    await queue.discard(id).catch(() => {});
    throw err;
  }
}

function refusedOnArrival(
  index: number,
  line: number,
  problem: 'too-long' | 'not-utf8' | 'nul',
  limits: IntakeLimits,
  correlationId: string,
) {
  const error =
    problem === 'too-long'
      ? new DomainError('PAYLOAD_TOO_LARGE', {
          limit: `line ${line} is longer than ${limits.maxLineBytes} bytes, the most one item may take`,
        })
      : new DomainError('MALFORMED_REQUEST', {
          reason: `line ${line} is not valid JSON: it ${problem === 'nul' ? 'holds a NUL byte' : 'is not UTF-8'}`,
        });
  const answer: ItemResult = {
    index,
    line,
    status: PROBLEMS[error.code].status,
    problem: problemBody(error, correlationId),
  };
  return { outcome: 'refused' as const, code: error.code, replayed: false, answer };
}
