import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { declaredLengthWithin } from '../../http/body-errors';
import { callerOf } from '../../http/caller';
import { methodNotAllowed } from '../../http/method-not-allowed';
import { schemaValidator, structuralCheck } from '../../http/openapi';
import { requestInfo } from '../../http/request-log';
import { requireJson } from '../../http/require-json';
import type { AuditContext, Identified, Operation } from '../../pipeline/codec';
import type { RequestPipeline } from '../../pipeline/request-pipeline';
import { encodeRest, restStatus } from './rest-codec';
import { parseXRoadClientHeader } from './x-road-client';

export interface RestDeps {
  pipeline: RequestPipeline;
  /** Set when TLS client authentication is on. */
  tls: { trustedProxyFingerprints: readonly string[] } | undefined;
  bodyLimitBytes: number;
}

/** A header value that goes back byte for byte: tabs and visible ASCII. */
const ECHOABLE = /^[\t\x20-\x7e]+$/;
const validators = { birth: schemaValidator('BirthRequest'), death: schemaValidator('DeathRequest') };

/**
 * Who is calling on REST, and may they? Asked before the body is even read,
 * for every route under /v1; the answer waits in `res.locals.identified`.
 * A notification request (birth, death, status) is marked for the audit
 * trail first, so that a refusal here is audited too.
 */
export function identifyRestCaller(deps: Pick<RestDeps, 'pipeline' | 'tls'>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const operation = restOperation(req.method, req.path);
    const { audit, identified } = restCaller(deps, req, res, operation);
    if (audit) res.locals.audit = audit;
    res.locals.identified = await identified;
    next();
  };
}

/**
 * The caller of a REST request, as `identifyRestCaller` and the fast lane
 * (fast-lane.ts) both take it: the X-Road-Id echoed, the audit context of a
 * notification operation, and the identification under way.
 */
export function restCaller(
  deps: Pick<RestDeps, 'pipeline' | 'tls'>,
  req: IncomingMessage,
  res: ServerResponse,
  operation: Operation | undefined,
): { audit: AuditContext | undefined; identified: Promise<Identified> } {
  // Echoed as sent when it is ASCII text: Node would send other bytes back UTF-8 encoded, changed.
  const xRoadId = headerOf(req, 'x-road-id');
  if (xRoadId && ECHOABLE.test(xRoadId)) res.setHeader('X-Road-Id', xRoadId);
  const clientId = parseXRoadClientHeader(headerOf(req, 'x-road-client')) ?? null;
  const audit: AuditContext | undefined = operation && {
    channel: 'rest',
    operation,
    claimedClientId: clientId,
    xRoadId: xRoadId ?? null,
    userId: headerOf(req, 'x-road-userid') ?? null,
    httpStatus: restStatus,
  };
  return { audit, identified: deps.pipeline.identify('rest', callerOf(req, clientId, deps.tls)) };
}

/** A request header as express's `req.get` reads it: Node joins a repeated custom header with ", ". */
function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The notification operation a REST request asks for, if it is one (routes match as express matches them). */
function restOperation(method: string, raw: string): Operation | undefined {
  const path = raw.toLowerCase().replace(/(.)\/$/, '$1');
  if (method === 'POST' && path === '/births') return 'birth';
  if (method === 'POST' && path === '/deaths') return 'death';
  if (method === 'GET' && /^\/notifications\/[^/]+$/.test(path)) return 'status';
  return undefined;
}

/**
 * The REST interface over the request pipeline: POST /v1/births, POST /v1/deaths,
 * GET /v1/notifications/{id}, for callers `identifyRestCaller` has let in.
 */
export function notificationRoutes(deps: RestDeps): Router {
  const router = Router();

  const json = [
    declaredLengthWithin(deps.bodyLimitBytes),
    express.json({ limit: deps.bodyLimitBytes, strict: true, type: () => true }),
  ];
  const submit = (kind: Exclude<Operation, 'status'>) => async (req: Request, res: Response) => {
    const fieldErrors = structuralCheck(validators[kind], req.body);
    const handled = await deps.pipeline.handle(
      res.locals.identified,
      { operation: kind, command: req.body, fieldErrors },
      requestInfo(req, res),
    );
    encodeRest(res, handled);
  };

  router.post('/births', requireJson, json, submit('birth'));
  router.post('/deaths', requireJson, json, submit('death'));
  router.get('/notifications/:notificationId', async (req: Request, res: Response) => {
    const handled = await deps.pipeline.handle(
      res.locals.identified,
      {
        operation: 'status',
        command: { notificationId: String(req.params.notificationId) },
        fieldErrors: [],
      },
      requestInfo(req, res),
    );
    encodeRest(res, handled);
  });
  router.all('/births', methodNotAllowed('POST'));
  router.all('/deaths', methodNotAllowed('POST'));
  router.all('/notifications/:notificationId', methodNotAllowed('GET'));
  return router;
}
