import pino from 'pino';
import type { Logger } from '../core/ports';

// Anything shaped like a personal identity code, anywhere in a log line, is masked.
const HETU_ANYWHERE = /\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b/gi;

export function scrub(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(HETU_ANYWHERE, '[hetu]');
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
  }
  return value;
}

/**
 * JSON lines on stdout (pino). Personal identity codes are personal data:
 * the code never logs one on purpose, and this masks any that slip through,
 * in fields and in messages alike.
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
    destination,
  );
  return {
    raw,
    info: (fields, msg) => raw.info(fields, msg),
    warn: (fields, msg) => raw.warn(fields, msg),
    error: (fields, msg) => raw.error(fields, msg),
  };
}
