import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../core/errors';

/** Bodies must be declared as JSON; anything else is refused before it is read. */
export function requireJson(req: Request, _res: Response, next: NextFunction): void {
  const matches = req.is(['application/json', 'application/*+json']);
  if (matches === null || req.get('Content-Length') === '0') {
    throw new DomainError('MALFORMED_REQUEST', { reason: 'it has no body; send it as JSON' });
  }
  if (!matches) {
    const given = req.get('Content-Type');
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', {
      expected: `sent as Content-Type: application/json${given ? `, not ${given}` : ''}`,
    });
  }
  next();
}
