import type { RequestListener } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { batchRoutes } from './channels/batch/batch-routes';
import { restFastLane } from './channels/rest/fast-lane';
import { identifyRestCaller, notificationRoutes } from './channels/rest/notification-routes';
import { SOAP_FAULTS } from './channels/soap/fault-table';
import { SOAP_INTERFACES } from './channels/soap/interfaces';
import { soapRoutes } from './channels/soap/soap-routes';
import { translateRoute } from './channels/translate/translate-route';
import type { BatchConfig } from './config';
import type { BatchQueue } from './core/batches/batch-queue';
import type { ClientAdmin } from './core/clients/client-admin';
import type { MigrationOverview } from './core/clients/migration-overview';
import { ERROR_GUIDE } from './core/error-guide';
import { DomainError, ERROR_CATALOGUE, type ErrorCode } from './core/errors';
import type { Health, Logger, Store } from './core/ports';
import type { Clock } from './core/time/clock';
import { bodyParserError } from './http/body-errors';
import { everyAnswer } from './http/every-answer';
import { LANDING_PAGE } from './http/landing-page';
import type { Metrics } from './http/metrics';
import { openApiDocument } from './http/openapi';
import { PROBLEMS, sendProblem } from './http/problems';
import { readablePath } from './http/readable-path';
import { requestInfo, requestLog } from './http/request-log';
import { type OpsDeps, opsRoutes } from './ops/ops-routes';
import { pageHeaders } from './ops/web/web-routes';
import type { RequestPipeline } from './pipeline/request-pipeline';

export interface AppDeps {
  /** The database answers and is migrated; decided within a bounded time. */
  health: Health;
  pipeline: RequestPipeline;
  store: Store;
  clients: ClientAdmin;
  migration: MigrationOverview;
  outbox: OpsDeps['outbox'];
  audit: OpsDeps['audit'];
  opsLimiter: OpsDeps['opsLimiter'];
  register: OpsDeps['register'];
  operators: readonly { name: string; token: string }[];
  bodyLimitBytes: number;
  /** Batch requests' sizes (POST /v1/batches), where NDJSON batches wait, and this instance's worker. */
  batches: BatchConfig;
  batchQueue: BatchQueue;
  batchWorker: { nudge(): void };
  clock: Clock;
  tls: { trustedProxyFingerprints: readonly string[] } | undefined;
  metrics: Metrics;
  logger: Logger;
  /** Set when the process is shutting down: readiness says so at once, and connections are not kept. */
  lifecycle: { draining: boolean };
  links: { base: string };
}

/**
 * The HTTP application: health and the documents about the gateway, the
 * channels (REST, both SOAP interfaces) over the request pipeline, the
 * operator API, and one error handler for the rest.
 */
export function createApp(deps: AppDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(deps.metrics.timing);
  app.use(requestLog(deps.logger));
  app.use((_req, res, next) => {
    everyAnswer(res, deps.lifecycle);
    next();
  });
  app.use(readablePath);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const draining = deps.lifecycle.draining;
    const ready = !draining && (await deps.health.ready());
    // The register is a detail, not a condition: while it is down the gateway still accepts (202).
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ok' : draining ? 'shutting-down' : 'unavailable',
      database: deps.health.database,
      durability: deps.health.durability,
      register: { kind: deps.register.kind, breaker: deps.register.breakerState() },
    });
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
    if (!Object.hasOwn(ERROR_CATALOGUE, code)) {
      throw new DomainError('NOT_FOUND', {
        what: 'such problem type',
        where: 'the codes are listed in /v1/openapi.json',
      });
    }
    res.json({
      type: `/problems/${code}`,
      code,
      title: ERROR_CATALOGUE[code].title,
      status: PROBLEMS[code].status,
      soapFaultcode: `soap:${SOAP_FAULTS[code].faultClass}.${code}`,
      ...ERROR_GUIDE[code],
    });
  });

  app.use('/v1', identifyRestCaller(deps), translateRoute(deps), notificationRoutes(deps), batchRoutes(deps));
  app.use('/ops', opsRoutes(deps));
  for (const iface of SOAP_INTERFACES) app.use(soapRoutes(iface, deps));

  app.use((req: Request) => {
    throw new DomainError('NOT_FOUND', {
      what: `${req.method} ${req.path}`,
      where: 'GET / lists what is here, and /v1/openapi.json describes it',
    });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // A REST caller identified before its body was refused (415, 413, unreadable JSON) stays identified.
    const failed = deps.pipeline.failed(
      bodyParserError(err) ?? err,
      requestInfo(req, res),
      res.locals.identified,
    );
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, failed.error, failed.correlationId);
  });
  // Births and deaths in their plain form are answered before express itself (fast-lane.ts); all else
  // goes on to the application above.
  const fastLane = restFastLane(deps);
  return (req, res) => fastLane(req, res, () => void app(req, res));
}
