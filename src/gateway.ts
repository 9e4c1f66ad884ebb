import type { Config } from './config';
import { ClientService } from './core/clients/client-service';
import { UsageRecorder } from './core/clients/usage';
import { NotificationService } from './core/notifications/notification-service';
import type { Logger, RegisterGuard, Store } from './core/ports';
import type { Clock } from './core/time/clock';
import { createApp } from './http/app';
import { createMetrics } from './http/metrics';
import { auditQueries } from './infra/pg/clients-sql';
import type { Database } from './infra/pg/database';
import { migrate } from './infra/pg/migrate';
import { createPgDatabase } from './infra/pg/pg-database';
import { createPgliteDatabase } from './infra/pg/pglite-database';
import { readinessCheck } from './infra/pg/readiness';
import { createStore } from './infra/pg/store';
import { usageQueries } from './infra/pg/usage-sql';
import { circuitBreakerGuard } from './infra/register-guard';

/** /readyz answers within this, so that a probe with a 2 s timeout always gets an answer. */
const READY_WITHIN_MS = 1500;

export interface Gateway {
  app: ReturnType<typeof createApp>;
  db: Database;
  store: Store;
  clients: ClientService;
  notifications: NotificationService;
  /** Call counts for the migration registry; flush() writes them (main does so every USAGE_FLUSH_MS). */
  usage: UsageRecorder;
}

/** Opens the configured database (PostgreSQL when DATABASE_URL is set, else embedded PGlite) and migrates it. */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  const db = config.databaseUrl
    ? createPgDatabase({
        connectionString: config.databaseUrl,
        poolSize: config.databasePoolSize,
        timeouts: config.databaseTimeouts,
        onError: (err) => logger.warn({ err: err.message }, 'database connection error'),
      })
    : await createPgliteDatabase(config.dataDir);
  const applied = await migrate(db);
  if (applied.length > 0) logger.info({ applied }, 'database migrated');
  return db;
}

/** Wires the core and the façades over an open database. */
export function buildGateway(
  config: Config,
  deps: { db: Database; clock: Clock; logger: Logger; guard?: RegisterGuard },
): Gateway {
  const store = createStore(deps.db, { clock: deps.clock, clientCacheMs: config.clientCacheMs });
  const usageStore = usageQueries(deps.db);
  const usage = new UsageRecorder(usageStore);
  const clients = new ClientService(
    store.clients,
    deps.clock,
    { cutoffs: config.cutoffs, deprecationAnnounced: config.deprecationAnnounced },
    { recorder: usage, store: usageStore },
    auditQueries(deps.db),
  );
  const notifications = new NotificationService({
    store,
    clock: deps.clock,
    guard: deps.guard ?? circuitBreakerGuard(),
    logger: deps.logger,
    // PGlite serialises everything: one batch at a time. PostgreSQL runs a few side by side.
    batchConcurrency: deps.db.kind === 'pglite' ? 1 : Math.max(1, Math.min(2, config.databasePoolSize)),
  });
  const app = createApp({
    db: deps.db,
    ready: readinessCheck(deps.db, READY_WITHIN_MS),
    store,
    clients,
    notifications,
    logger: deps.logger,
    operators: config.operators,
    bodyLimitBytes: config.bodyLimitBytes,
    tls: config.tls,
    metrics: createMetrics(),
  });
  return { app, db: deps.db, store, clients, notifications, usage };
}
