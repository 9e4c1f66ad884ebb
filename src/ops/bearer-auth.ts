import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../core/errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `Authorization: Bearer <token>` on every /ops route. Tokens are compared as
 * SHA-256 digests in constant time, so neither the content nor the length of
 * the configured token leaks through timing.
 */
export function bearerAuth(operators: readonly { name: string; token: string }[]) {
  const expected = operators.map((o) => ({ name: o.name, digest: digest(o.token) }));
  return (req: Request, res: Response, next: NextFunction) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('Authorization') ?? '');
    const given = digest(m?.[1] ?? '');
    // Every token is compared, matched or not, so the time taken says nothing about which one matched.
    let operator: string | undefined;
    for (const e of expected) if (timingSafeEqual(given, e.digest) && m?.[1]) operator ??= e.name;
    if (!operator) {
      res.set('WWW-Authenticate', 'Bearer realm="vtj-gateway-ops"');
      throw new DomainError('UNAUTHORIZED', 'Send the operator token as Authorization: Bearer <token>.');
    }
    res.locals.operator = operator;
    next();
  };
}
