import type { Response } from 'express';
import { PROBLEMS, sendProblem } from '../../http/problems';
import type { Handled } from '../../pipeline/codec';
import { notificationResult } from './render';

/**
 * How the REST interface answers: 201 (registered) or 202 (pending) with the
 * notification's Location, 200 for a status, and every refusal an RFC 9457
 * problem; `Idempotent-Replayed` on a repeat.
 */
export function encodeRest(res: Response, handled: Handled): void {
  if (!handled.ok) {
    if (handled.replayed) res.set('Idempotent-Replayed', 'true');
    sendProblem(res, handled.error, handled.correlationId);
    return;
  }
  const { outcome } = handled;
  if (outcome.operation === 'checked') throw new Error('a REST notification is never only checked');
  if (outcome.operation === 'status') {
    res.json(notificationResult(outcome.record));
    return;
  }
  if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
  res
    .status(restStatus(handled))
    .location(`/v1/notifications/${encodeURIComponent(outcome.record.notificationId)}`)
    .json(notificationResult(outcome.record));
}

/** The HTTP status of a REST answer: 201 registered, 202 pending, 200 a status, a problem's own status. */
export function restStatus(handled: Handled): number {
  if (!handled.ok) return PROBLEMS[handled.error.code].status;
  const { outcome } = handled;
  if (outcome.operation === 'birth' || outcome.operation === 'death')
    return outcome.record.status === 'registered' ? 201 : 202;
  return 200;
}
