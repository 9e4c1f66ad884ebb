import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { type DomainError, ERROR_CATALOGUE, retryAfterSeconds } from '../core/errors';
import { REST_STATUS } from './problem-map';

/** An RFC 9457 problem document for a coded error. */
export function problemBody(err: DomainError, correlationId: string = randomUUID()) {
  return {
    type: `/problems/${err.code}`,
    title: ERROR_CATALOGUE[err.code].title,
    status: REST_STATUS[err.code],
    detail: err.message,
    instance: `urn:uuid:${correlationId}`,
    code: err.code,
    ...(err.fieldErrors.length > 0 ? { errors: err.fieldErrors } : {}),
    ...err.details,
  };
}

export function sendProblem(res: Response, err: DomainError, correlationId?: string): void {
  const body = problemBody(err, correlationId);
  const retryAfter = retryAfterSeconds(err.code);
  if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
  res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}
