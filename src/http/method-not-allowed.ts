import type { Request, Response } from 'express';
import { DomainError } from '../core/errors';

/** For a known path called with the wrong method: 405 with the Allow header, not a misleading 404. */
export function methodNotAllowed(...allowed: string[]) {
  return (req: Request, res: Response) => {
    res.set('Allow', allowed.join(', '));
    throw new DomainError('METHOD_NOT_ALLOWED', { method: req.method, allowed: allowed.join(' or ') });
  };
}
