import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { ClientService } from '../core/clients/client-service';
import { DomainError, withCoreFieldErrors } from '../core/errors';
import type { Notification } from '../core/notifications/fingerprint';
import { type NotificationService, rejectionError } from '../core/notifications/notification-service';
import { identifyCaller } from '../http/identify';
import { methodNotAllowed } from '../http/method-not-allowed';
import type { Metrics } from '../http/metrics';
import { requireJson } from '../http/require-json';
import { schemaValidator, structuralCheck } from './openapi-document';
import { notificationResult } from './render';
import { translateRoute } from './translate-route';
import { parseXRoadClientHeader } from './x-road-client';

export interface RestDeps {
  clients: ClientService;
  /** Set when TLS client authentication is on. */
  tls: { trustedProxyFingerprints: readonly string[] } | undefined;
  notifications: NotificationService;
  bodyLimitBytes: number;
  metrics: Metrics;
}

const validators = { birth: schemaValidator('BirthRequest'), death: schemaValidator('DeathRequest') };

/** The REST façade: POST /v1/births, POST /v1/deaths, GET /v1/notifications/{id}. */
export function notificationRoutes(deps: RestDeps): Router {
  const router = Router();

  // Who is calling, and may they use REST? Asked before the body is even read.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const xRoadId = req.get('X-Road-Id');
    if (xRoadId) res.set('X-Road-Id', xRoadId);
    const id = parseXRoadClientHeader(req.get('X-Road-Client'));
    if (id === null) {
      throw new DomainError(
        'MISSING_CLIENT_IDENTITY',
        'The X-Road-Client header must be INSTANCE/CLASS/MEMBER/SUBSYSTEM, each part percent-encoded.',
      );
    }
    res.locals.identified = await identifyCaller(deps.clients, deps.tls, req, id, 'rest');
    next();
  });

  const json = express.json({ limit: deps.bodyLimitBytes, strict: true, type: () => true });
  const submit = (kind: Notification['kind']) => async (req: Request, res: Response) => {
    const client = res.locals.identified.client;
    const errors = structuralCheck(validators[kind], req.body);
    if (errors.length > 0) {
      deps.metrics.refused('rest', kind);
      throw withCoreFieldErrors(errors, () => deps.notifications.validate(client, kind, req.body));
    }
    const result = await deps.notifications.submit(client, 'rest', kind, req.body).catch((e: unknown) => {
      deps.metrics.refused('rest', kind);
      throw e;
    });
    deps.metrics.notification('rest', kind, result);
    const { record, replayed } = result;
    if (replayed) res.set('Idempotent-Replayed', 'true');
    const rejected = rejectionError(record);
    if (rejected) throw rejected;
    res
      .status(record.status === 'registered' ? 201 : 202)
      .location(`/v1/notifications/${encodeURIComponent(record.notificationId)}`)
      .json(notificationResult(record));
  };

  router.post('/births', requireJson, json, submit('birth'));
  router.post('/deaths', requireJson, json, submit('death'));
  router.get('/notifications/:notificationId', async (req: Request, res: Response) => {
    const record = await deps.notifications.status(
      res.locals.identified.client,
      String(req.params.notificationId),
    );
    res.json(notificationResult(record));
  });
  router.use(translateRoute(deps));
  router.all('/births', methodNotAllowed('POST'));
  router.all('/deaths', methodNotAllowed('POST'));
  router.all('/notifications/:notificationId', methodNotAllowed('GET'));
  return router;
}
