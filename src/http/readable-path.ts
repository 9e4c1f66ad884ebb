import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../core/errors';

/**
 * A path that names nothing the gateway could hold is refused before any
 * route reads it: its percent-encoding must decode to UTF-8 text, and that
 * text may not hold a NUL (no identifier has one, and PostgreSQL cannot even
 * compare against one). Without this the router's decoding failure, or the
 * database's refusal of the NUL, was a 500.
 */
export function readablePath(req: Request, _res: Response, next: NextFunction): void {
  let path: string;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    throw new DomainError('MALFORMED_REQUEST', {
      reason: 'the path is not percent-encoded UTF-8',
    });
  }
  if (path.includes('\u0000')) {
    throw new DomainError('MALFORMED_REQUEST', { reason: 'the path holds a NUL character (%00)' });
  }
  next();
}
