import { DomainError, isDomainError } from '../core/errors';
import { isUnavailable } from '../infra/pg/sqlstate';

/**
 * The one place where anything thrown becomes a coded error (after X-Road's
 * translateException): domain errors pass through, the body parser's and the
 * database's failures get their codes, anything else is INTERNAL.
 */
export function translateError(err: unknown): DomainError {
  if (isDomainError(err)) return err;
  const type = (err as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new DomainError('MALFORMED_REQUEST', 'The request body is not valid JSON.');
    case 'entity.too.large': {
      const limit = (err as { limit?: unknown }).limit;
      return new DomainError(
        'PAYLOAD_TOO_LARGE',
        typeof limit === 'number'
          ? `The request body is larger than the gateway accepts: at most ${limit} bytes.`
          : 'The request body is larger than the gateway accepts.',
      );
    }
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new DomainError(
        'UNSUPPORTED_MEDIA_TYPE',
        'The request body must be UTF-8 JSON without content coding.',
      );
    case 'request.aborted':
    case 'request.size.invalid':
      return new DomainError('MALFORMED_REQUEST', 'The request body ended before its declared length.');
  }
  if (isUnavailable(err)) {
    return new DomainError(
      'SERVICE_UNAVAILABLE',
      'The gateway cannot reach its database just now. Try again shortly: a notification sent again with the same notificationId is answered with its first result if it was stored.',
    );
  }
  return new DomainError(
    'INTERNAL',
    'An unexpected error occurred; quote the correlation id when reporting it.',
  );
}
