import { createApp } from './app';
import type { Config } from './config';
import type { Logger, RegisterGuard } from './core/ports';
import type { Clock } from './core/time/clock';
import { createMetrics } from './http/metrics';
import type { Database } from './infra/pg/database';
import { readinessCheck } from './infra/pg/readiness';
import { RequestPipeline } from './pipeline/request-pipeline';
import { buildServices, type Services } from './services';

export { openDatabase } from './infra/pg/open-database';

/** /readyz answers within this, so that a probe with a 2 s timeout always gets an answer. */
const READY_WITHIN_MS = 1500;

export interface Gateway extends Services {
  app: ReturnType<typeof createApp>;
}

/** Wires the core, the request pipeline and the channels over an open database. */
export function buildGateway(
  config: Config,
  deps: { db: Database; clock: Clock; logger: Logger; guard?: RegisterGuard },
): Gateway {
  const services = buildServices(config, deps);
  const metrics = createMetrics();
  const pipeline = new RequestPipeline({
    identification: services.identification,
    notifications: services.notifications,
    metrics,
    logger: deps.logger,
  });
  const app = createApp({
    health: readinessCheck(deps.db, READY_WITHIN_MS),
    pipeline,
    store: services.store,
    clients: services.clients,
    migration: services.migration,
    operators: config.operators,
    bodyLimitBytes: config.bodyLimitBytes,
    tls: config.tls,
    metrics,
  });
  return { ...services, app };
}
