import type { ServerResponse } from 'node:http';
import { type DomainError, ERROR_CATALOGUE, type ErrorCode, retryAfterSeconds } from '../core/errors';
import { describeWithPath } from './channel-names';

/**
 * The problem table of the JSON APIs (REST and the operator API): each code's
 * HTTP status (contract §5), and where the wire form matters for the fix, a
 * hint added to the message. One table; a test holds it against the catalogue.
 */
export const PROBLEMS: Readonly<Record<ErrorCode, { status: number; hint?: string }>> = {
  MISSING_CLIENT_IDENTITY: {
    status: 401,
    hint: 'Send it as the X-Road-Client header, INSTANCE/CLASS/MEMBER/SUBSYSTEM, each part percent-encoded.',
  },
  UNKNOWN_CLIENT: { status: 403 },
  CLIENT_CERT_MISMATCH: { status: 403 },
  CHANNEL_NOT_ALLOWED: { status: 403 },
  CHANNEL_RETIRED: { status: 403 },
  VALIDATION_FAILED: { status: 400 },
  TEMPORARY_CODE_NOT_ALLOWED: { status: 422 },
  STILLBIRTH_NOT_REGISTRABLE: { status: 422 },
  // The request names a person the register does not hold: unprocessable, not "no such resource".
  PERSON_NOT_FOUND: { status: 422 },
  ALREADY_DECEASED: { status: 409 },
  DEATH_BEFORE_BIRTH: { status: 409 },
  NOTIFICATION_ID_REUSED: { status: 422 },
  NOTIFICATION_NOT_FOUND: { status: 404 },
  MALFORMED_REQUEST: { status: 400 },
  DTD_FORBIDDEN: { status: 400 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  NOT_FOUND: { status: 404 },
  METHOD_NOT_ALLOWED: { status: 405 },
  UNAUTHORIZED: { status: 401 },
  CLIENT_ALREADY_EXISTS: { status: 409 },
  CLIENT_NOT_FOUND: { status: 404 },
  EXCEPTION_NOT_FOUND: { status: 404 },
  // Final: the notification is closed unregistered; what to do differs from a refusal of its content.
  REGISTRATION_WITHDRAWN: { status: 409 },
  NOT_IN_OUTBOX: { status: 409 },
  IDENTITY_CODES_EXHAUSTED: { status: 503 },
  REGISTER_UNAVAILABLE: { status: 503 },
  RATE_LIMITED: { status: 429 },
  SERVICE_UNAVAILABLE: { status: 503 },
  INTERNAL: { status: 500 },
};

/** The message a JSON API client reads: the catalogue's, interfaces named with their paths, and the hint. */
export function problemDetail(err: DomainError): string {
  const hint = PROBLEMS[err.code].hint;
  return hint ? `${err.messageWith(describeWithPath)} ${hint}` : err.messageWith(describeWithPath);
}

/** An RFC 9457 problem document for a coded error. */
export function problemBody(err: DomainError, correlationId: string) {
  return {
    type: `/problems/${err.code}`,
    title: ERROR_CATALOGUE[err.code].title,
    status: PROBLEMS[err.code].status,
    detail: problemDetail(err),
    instance: `urn:uuid:${correlationId}`,
    code: err.code,
    ...(err.fieldErrors.length > 0 ? { errors: err.fieldErrors } : {}),
    ...err.details,
  };
}

/**
 * A body refused for its size is not read to its end: the answer closes the
 * connection, so the rest of a 50 MB upload is never taken in.
 */
export function closeAfterRefusedBody(res: ServerResponse, err: DomainError): void {
  if (err.code !== 'PAYLOAD_TOO_LARGE') return;
  res.setHeader('Connection', 'close');
  // The socket as it is now: by the time the answer is out the request may have let go of it (a body read
  // to its end), and `req.socket` is then null.
  const socket = res.req?.socket ?? res.socket;
  // Once the answer is out: no more reading (the sender's writes stall), and the connection is gone soon
  // after — not at once, so the answer is not lost to a reset while the sender is still sending.
  // (Node itself would read the rest to throw it away, to keep the connection: the socket is paused instead.)
  res.once('finish', () => {
    if (!socket || socket.destroyed) return;
    socket.pause();
    setTimeout(() => socket.destroy(), 500).unref();
  });
}

/**
 * An RFC 9457 problem as the answer. Written through Node's own response API,
 * so that it serves express's routes and the REST fast lane alike.
 */
export function sendProblem(res: ServerResponse, err: DomainError, correlationId: string): void {
  const body = problemBody(err, correlationId);
  closeAfterRefusedBody(res, err);
  const retryAfter = retryAfterSeconds(err.code);
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  sendJson(res, body.status, JSON.stringify(body), PROBLEM_JSON);
}

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON text as the answer, with the headers express's `res.json` would give it (no ETag: disabled). */
export function sendJson(res: ServerResponse, status: number, text: string, type = JSON_TYPE): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
