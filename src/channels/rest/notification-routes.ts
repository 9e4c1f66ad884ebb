import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { callerOf } from '../../http/caller';
import { methodNotAllowed } from '../../http/method-not-allowed';
import { schemaValidator, structuralCheck } from '../../http/openapi';
import { requireJson } from '../../http/require-json';
import type { Operation } from '../../pipeline/codec';
import type { RequestPipeline } from '../../pipeline/request-pipeline';
import { encodeRest } from './rest-codec';
import { parseXRoadClientHeader } from './x-road-client';

export interface RestDeps {
  pipeline: RequestPipeline;
  /** Set when TLS client authentication is on. */
  tls: { trustedProxyFingerprints: readonly string[] } | undefined;
  bodyLimitBytes: number;
}

const validators = { birth: schemaValidator('BirthRequest'), death: schemaValidator('DeathRequest') };

/**
 * Who is calling on REST, and may they? Asked before the body is even read,
 * for every route under /v1; the answer waits in `res.locals.identified`.
 */
export function identifyRestCaller(deps: Pick<RestDeps, 'pipeline' | 'tls'>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const xRoadId = req.get('X-Road-Id');
    if (xRoadId) res.set('X-Road-Id', xRoadId);
    const clientId = parseXRoadClientHeader(req.get('X-Road-Client')) ?? null;
    res.locals.identified = await deps.pipeline.identify('rest', callerOf(req, clientId, deps.tls));
    next();
  };
}

/**
 * The REST interface over the request pipeline: POST /v1/births, POST /v1/deaths,
 * GET /v1/notifications/{id}, for callers `identifyRestCaller` has let in.
 */
export function notificationRoutes(deps: RestDeps): Router {
  const router = Router();

  const json = express.json({ limit: deps.bodyLimitBytes, strict: true, type: () => true });
  const submit = (kind: Exclude<Operation, 'status'>) => async (req: Request, res: Response) => {
    const fieldErrors = structuralCheck(validators[kind], req.body);
    const handled = await deps.pipeline.handle(
      res.locals.identified,
      { operation: kind, command: req.body, fieldErrors },
      { method: req.method, path: req.path },
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
      { method: req.method, path: req.path },
    );
    encodeRest(res, handled);
  });
  router.all('/births', methodNotAllowed('POST'));
  router.all('/deaths', methodNotAllowed('POST'));
  router.all('/notifications/:notificationId', methodNotAllowed('GET'));
  return router;
}
