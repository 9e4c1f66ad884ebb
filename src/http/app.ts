import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ClientService } from '../core/clients/client-service';
import { ERROR_GUIDE } from '../core/error-guide';
import { DomainError, ERROR_CATALOGUE, type ErrorCode } from '../core/errors';
import type { NotificationService } from '../core/notifications/notification-service';
import type { Logger, Store } from '../core/ports';
import type { Database } from '../infra/pg/database';
import { legacySoap } from '../legacy-soap/legacy-soap';
import { opsRoutes } from '../ops/ops-routes';
import { pageHeaders } from '../ops/web/web-routes';
import { notificationRoutes } from '../rest/notification-routes';
import { openApiDocument } from '../rest/openapi-document';
import { sendProblem } from '../rest/problem';
import { REST_STATUS } from '../rest/problem-map';
import { soapRoutes } from '../soap/soap-routes';
import { soapV2 } from '../soap-v2/soap-v2';
import { LANDING_PAGE } from './landing-page';
import type { Metrics } from './metrics';
import { translateError } from './translate-error';

export interface AppDeps {
  db: Database;
  /** The database answers and is migrated; decided within a bounded time. */
  ready: () => Promise<boolean>;
  store: Store;
  clients: ClientService;
  notifications: NotificationService;
  logger: Logger;
  operators: readonly { name: string; token: string }[];
  bodyLimitBytes: number;
  tls: { trustedProxyFingerprints: readonly string[] } | undefined;
  metrics: Metrics;
}

/** The HTTP application: health, the REST façade, the operator API, and one error handler for all. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(deps.metrics.timing);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await deps.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', database: deps.db.kind });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.get('/', pageHeaders, (_req, res) => {
    res.type('html').send(LANDING_PAGE);
  });
  app.get('/problems/:code', (req, res) => {
    const code = String(req.params.code) as ErrorCode;
    if (!Object.hasOwn(ERROR_CATALOGUE, code)) throw new DomainError('NOT_FOUND', 'No such problem type.');
    res.json({
      type: `/problems/${code}`,
      code,
      title: ERROR_CATALOGUE[code].title,
      status: REST_STATUS[code],
      soapFaultcode: `soap:${ERROR_CATALOGUE[code].fault}.${code}`,
      ...ERROR_GUIDE[code],
    });
  });

  app.use('/v1', notificationRoutes(deps));
  app.use('/ops', opsRoutes(deps));
  app.use(soapRoutes(soapV2, deps));
  app.use(soapRoutes(legacySoap, deps));

  app.use((req: Request) => {
    throw new DomainError('NOT_FOUND', `There is no ${req.method} ${req.path} here; see /v1/openapi.json.`);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const coded = translateError(err);
    const correlationId = randomUUID();
    if (coded.code === 'INTERNAL' || coded.code === 'SERVICE_UNAVAILABLE') {
      deps.logger.error(
        { correlationId, method: req.method, path: req.path, err: errorForLog(err) },
        'request failed',
      );
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, coded, correlationId);
  });
  return app;
}

function errorForLog(err: unknown) {
  return err instanceof Error
    ? { name: err.name, message: err.message, stack: err.stack }
    : { value: String(err) };
}
