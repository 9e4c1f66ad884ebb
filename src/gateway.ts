import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createApp } from './app';
import { BatchWorker } from './channels/batch/batch-worker';
import type { Config } from './config';
import { RateLimiter } from './core/clients/rate-limit';
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
  /** Shutting down: readiness goes 503 at once (main sets it on SIGTERM). */
  lifecycle: { draining: boolean };
  /** The base of absolute links; main sets it to the listening address when PUBLIC_BASE_URL is unset. */
  links: { base: string };
  /** Decides NDJSON batches' items in the background; main starts it. */
  batchWorker: BatchWorker;
}

/** Wires the core, the request pipeline and the channels over an open database. */
export function buildGateway(
  config: Config,
  deps: { db: Database; clock: Clock; logger: Logger; guard?: RegisterGuard },
): Gateway {
  const metrics = createMetrics();
  const services = buildServices(config, { ...deps, registry: metrics.registry });
  const pipeline = new RequestPipeline({
    identification: services.identification,
    notifications: services.notifications,
    metrics,
    logger: deps.logger,
    limiter: new RateLimiter(config.rateLimits.client, deps.clock),
    audit: services.audit,
  });
  const batchWorker = new BatchWorker({
    queue: services.batches,
    pipeline,
    clock: deps.clock,
    logger: deps.logger,
    owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    leaseMs: config.batches.leaseMs,
    chunk: 1000,
    // As the bulk lane runs its transactions: PGlite one at a time, PostgreSQL two side by side.
    concurrency: deps.db.kind === 'pglite' ? 1 : 2,
    abandonAfterMs: 2 * config.http.requestMs,
  });
  const lifecycle = { draining: false };
  const links = { base: config.publicBaseUrl ?? `http://${config.host}:${config.port}` };
  const app = createApp({
    logger: deps.logger,
    lifecycle,
    links,
    health: readinessCheck(deps.db, READY_WITHIN_MS),
    pipeline,
    store: services.store,
    clients: services.clients,
    migration: services.migration,
    outbox: services.outbox,
    audit: services.audit,
    opsLimiter: new RateLimiter(config.rateLimits.operator, deps.clock),
    register: services.register,
    operators: config.operators,
    bodyLimitBytes: config.bodyLimitBytes,
    batches: config.batches,
    batchQueue: services.batches,
    batchWorker,
    clock: deps.clock,
    tls: config.tls,
    metrics,
  });
  return { ...services, app, lifecycle, links, batchWorker };
}
