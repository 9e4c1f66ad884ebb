import type { ServerResponse } from 'node:http';
import { PROBLEMS, sendJson, sendProblem } from '../../http/problems';
import type { Handled } from '../../pipeline/codec';
import { notificationResult } from './render';

/**
 * How the REST interface answers: 201 (registered) or 202 (pending) with the
 * notification's Location, 200 for a status, and every refusal an RFC 9457
 * problem; `Idempotent-Replayed` on a repeat. Node's response API, so that
 * express's routes and the fast lane (fast-lane.ts) answer alike.
 */
export function encodeRest(res: ServerResponse, handled: Handled): void {
  if (!handled.ok) {
    if (handled.replayed) res.setHeader('Idempotent-Replayed', 'true');
    sendProblem(res, handled.error, handled.correlationId);
    return;
  }
  const { outcome } = handled;
  if (outcome.operation === 'checked') throw new Error('a REST notification is never only checked');
  if (outcome.operation === 'status') {
    sendJson(res, 200, JSON.stringify(notificationResult(outcome.record)));
    return;
  }
  if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
  // Percent-encoded whole, so nothing is left for express's encodeurl to change: the same Location either way.
  res.setHeader('Location', `/v1/notifications/${encodeURIComponent(outcome.record.notificationId)}`);
  sendJson(res, restStatus(handled), JSON.stringify(notificationResult(outcome.record)));
}

/** The HTTP status of a REST answer: 201 registered, 202 pending, 200 a status, a problem's own status. */
export function restStatus(handled: Handled): number {
  if (!handled.ok) return PROBLEMS[handled.error.code].status;
  const { outcome } = handled;
  if (outcome.operation === 'birth' || outcome.operation === 'death')
    return outcome.record.status === 'registered' ? 201 : 202;
  return 200;
}
