import { DomainError } from '../core/errors';

/**
 * What the body parsers (body-parser, for JSON and raw bodies) fail with, as
 * coded errors; undefined for anything else.
 */
export function bodyParserError(err: unknown): DomainError | undefined {
  const type = (err as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new DomainError('MALFORMED_REQUEST', { reason: 'the body is not valid JSON' });
    case 'entity.too.large': {
      const limit = (err as { limit?: unknown }).limit;
      return new DomainError('PAYLOAD_TOO_LARGE', {
        limit: typeof limit === 'number' ? `at most ${limit} bytes` : 'it is too large',
      });
    }
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new DomainError('UNSUPPORTED_MEDIA_TYPE', { expected: 'UTF-8 JSON without content coding' });
    case 'request.aborted':
    case 'request.size.invalid':
      return new DomainError('MALFORMED_REQUEST', { reason: 'the body ended before its declared length' });
    default:
      return undefined;
  }
}

/**
 * Refuses a body whose declared length is over the limit before a byte of it
 * is read. (The body parsers would read it all first, to throw it away.)
 */
export function declaredLengthWithin(limit: number) {
  return (req: { get(name: string): string | undefined }, _res: unknown, next: (err?: unknown) => void) => {
    const declared = Number(req.get('Content-Length'));
    if (Number.isFinite(declared) && declared > limit) {
      next(new DomainError('PAYLOAD_TOO_LARGE', { limit: `at most ${limit} bytes` }));
    } else next();
  };
}
