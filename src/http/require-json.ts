import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../core/errors';

/** Bodies must be declared as JSON; anything else is refused before it is read. */
export function requireJson(req: Request, _res: Response, next: NextFunction): void {
  const matches = req.is(['application/json', 'application/*+json']);
  if (matches === null || req.get('Content-Length') === '0') {
    throw new DomainError('MALFORMED_REQUEST', 'The request has no body; send the notification as JSON.');
  }
  if (!matches) {
    throw new DomainError(
      'UNSUPPORTED_MEDIA_TYPE',
      `The request body must be sent as Content-Type: application/json${req.get('Content-Type') ? `, not ${req.get('Content-Type')}` : ''}.`,
    );
  }
  next();
}
