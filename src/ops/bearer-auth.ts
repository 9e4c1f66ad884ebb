import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../core/errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Operator authentication on every /ops route: `Authorization: Bearer <token>`,
 * or HTTP Basic with the token as the password (any user name), so that a
 * browser can open the operator page with its own login prompt. Tokens are
 * compared as SHA-256 digests in constant time, so neither the content nor
 * the length of a configured token leaks through timing.
 */
export function bearerAuth(operators: readonly { name: string; token: string }[]) {
  const expected = operators.map((o) => ({ name: o.name, digest: digest(o.token) }));
  return (req: Request, res: Response, next: NextFunction) => {
    const token = presentedToken(req.get('Authorization') ?? '');
    const given = digest(token ?? '');
    // Every token is compared, matched or not, so the time taken says nothing about which one matched.
    let operator: string | undefined;
    for (const e of expected) if (timingSafeEqual(given, e.digest) && token) operator ??= e.name;
    if (!operator) {
      // Two challenges, one per header line: browsers take one scheme per line, and prompt for Basic.
      res.set('WWW-Authenticate', [
        'Bearer realm="vtj-gateway-ops"',
        'Basic realm="vtj-gateway-ops", charset="UTF-8"',
      ]);
      throw new DomainError('UNAUTHORIZED');
    }
    res.locals.operator = operator;
    next();
  };
}

function presentedToken(header: string): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (!basic?.[1]) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : undefined;
}
