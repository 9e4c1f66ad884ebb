import { DomainError } from '../errors';
import type { Hetu } from '../hetu/hetu';

/** What validation needs to know besides the notification itself. */
export interface ValidationContext {
  now: Date;
  /** Sandbox clients work only with temporary (900–999) test persons. */
  sandbox: boolean;
}

/**
 * Production clients may not name a temporary code: those are never recorded
 * in VTJ. (Sandbox clients referring to a real person's code simply do not
 * find them: see the register rules.)
 */
export function checkPersonCodeAllowed(hetu: Hetu, field: string, ctx: ValidationContext): void {
  if (hetu.temporary && !ctx.sandbox) {
    throw new DomainError('TEMPORARY_CODE_NOT_ALLOWED', {}, [
      { field, code: 'TEMPORARY_CODE_NOT_ALLOWED', message: 'temporary codes (900–999) are not accepted' },
    ]);
  }
}
