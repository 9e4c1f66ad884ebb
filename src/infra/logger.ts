import pino from 'pino';
import type { Logger } from '../core/ports';

// Anything shaped like a personal identity code, anywhere in a log line, is masked: also glued to letters,
// digits or `_` (X-Road's userId is `FI` + the code), so no word boundary is asked for. Masking a little
// too much (a longer digit run that contains the shape) is the safe side.
const HETU_ANYWHERE = /\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/gi;

export function scrub(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(HETU_ANYWHERE, '[hetu]');
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrub(k), scrub(v)]));
  }
  return value;
}

/** What stdout may hold back when its reader is slower than the gateway: beyond this, lines are dropped. */
const STDOUT_BUFFER_BYTES = 16 * 1024 * 1024;

/** Lines wait until this much has gathered, or until the periodic flush: one write per several requests. */
const STDOUT_BATCH_BYTES = 4096;
/** How long a line may wait for company before it is written anyway. */
const STDOUT_FLUSH_MS = 100;

/**
 * Stdout, written off the request path: a line is queued and written by
 * libuv while requests go on (sonic-boom, asynchronous), in writes of at
 * least 4 KiB or every 100 ms, whichever comes first. A write per line cost
 * a system call and a thread-pool round trip on every request; a log reader
 * that stalled (a full pipe) would have stalled every request with it. Here
 * it costs at most the buffer, and then lines are dropped, never answers.
 * Pino flushes what waits when the process exits (on-exit-leak-free); only a
 * SIGKILL loses the last lines, at most 100 ms of them.
 */
export function stdoutDestination(): pino.DestinationStream {
  return pino.destination({
    fd: 1,
    sync: false,
    minLength: STDOUT_BATCH_BYTES,
    periodicFlush: STDOUT_FLUSH_MS,
    maxLength: STDOUT_BUFFER_BYTES,
  });
}

/**
 * JSON lines (pino), on stdout unless told otherwise. Personal identity codes
 * are personal data: the code never logs one on purpose, and this masks any
 * that slip through, in fields and in messages alike.
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
): Logger & { raw: pino.Logger } {
  const raw = pino(
    {
      level,
      base: { service: 'vtj-gateway' },
      formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? (scrub(a) as string) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    destination ?? stdoutDestination(),
  );
  return {
    raw,
    info: (fields, msg) => raw.info(fields, msg),
    warn: (fields, msg) => raw.warn(fields, msg),
    error: (fields, msg) => raw.error(fields, msg),
  };
}
