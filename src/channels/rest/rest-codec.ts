import type { Response } from 'express';
import { sendProblem } from '../../http/problems';
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
    .status(outcome.record.status === 'registered' ? 201 : 202)
    .location(`/v1/notifications/${encodeURIComponent(outcome.record.notificationId)}`)
    .json(notificationResult(outcome.record));
}
