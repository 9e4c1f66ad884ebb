import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../core/errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `Authorization: Bearer <token>` on every /ops route. Tokens are compared as
 * SHA-256 digests in constant time, so neither the content nor the length of
 * the configured token leaks through timing.
 */
export function bearerAuth(token: string) {
  const expected = digest(token);
  return (req: Request, res: Response, next: NextFunction) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('Authorization') ?? '');
    if (!m?.[1] || !timingSafeEqual(digest(m[1]), expected)) {
      res.set('WWW-Authenticate', 'Bearer realm="vtj-gateway-ops"');
      throw new DomainError('UNAUTHORIZED', 'Send the operator token as Authorization: Bearer <token>.');
    }
    res.locals.operator = 'ops-token';
    next();
  };
}
