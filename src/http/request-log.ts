import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../core/ports';
import type { RequestInfo } from '../pipeline/codec';
import { newRequestId } from '../pipeline/request-pipeline';

/** An id from a header is kept only when it is plainly an id: printable ASCII, no spaces, bounded. */
const SAFE_ID = /^[\x21-\x7e]{1,128}$/;
const safeId = (v: unknown) => (typeof v === 'string' && SAFE_ID.test(v) ? v : undefined);
/** A request id is a UUID: it is also the `urn:uuid:` instance of an error answer. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One JSON log line per request, when its answer has gone: method, route
 * template (never the raw path, which may hold a notification id or worse),
 * status, duration, the request id (the caller's X-Request-Id when it is a
 * UUID, else a new one; answered as X-Request-Id and used as the correlation
 * id of an error answer) and the X-Road message id (the X-Road-Id header; for SOAP the
 * channel sets it from xrd:id). Nothing of the body.
 */
export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    const requestId = requestIdOf(req.headers);
    res.locals.requestId = requestId;
    res.locals.xRoadId = xRoadIdOf(req.headers);
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      logRequest(logger, {
        requestId,
        xRoadId: res.locals.xRoadId,
        method: req.method,
        route: req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched',
        status: res.statusCode,
        started,
      });
    });
    next();
  };
}

/** The request's id: the caller's X-Request-Id when it is a UUID, else a new one. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && UUID.test(given) ? given.toLowerCase() : newRequestId();
}

/** The X-Road-Id header, when it is plainly an id (for the log line). */
export function xRoadIdOf(headers: IncomingHttpHeaders): string | undefined {
  return safeId(headers['x-road-id']);
}

/** The one log line of a request, once its answer has gone. */
export function logRequest(
  logger: Logger,
  line: {
    requestId: string;
    xRoadId: string | undefined;
    method: string;
    route: string;
    status: number;
    started: number;
  },
): void {
  logger.info(
    {
      requestId: line.requestId,
      xRoadId: line.xRoadId,
      method: line.method,
      route: line.route,
      status: line.status,
      ms: Math.round((performance.now() - line.started) * 10) / 10,
    },
    'request',
  );
}

/**
 * What the pipeline logs a failure under: the request's id, its X-Road message
 * id, method and path; and for a notification request, the audit context its
 * channel set.
 */
export function requestInfo(req: Request, res: Response): RequestInfo {
  return {
    method: req.method,
    path: req.path,
    requestId: res.locals.requestId,
    audit: res.locals.audit,
    // Read when logged: a SOAP channel notes the envelope's xrd:id after this is made.
    get xRoadId() {
      return res.locals.xRoadId as string | undefined;
    },
  };
}

/** The SOAP message's own id (xrd:id), for the log line, when it is plainly an id. */
export function noteXRoadId(res: Response, id: string | undefined): void {
  const safe = safeId(id);
  if (safe) res.locals.xRoadId = safe;
}
