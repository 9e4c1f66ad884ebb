import type { Config } from './config';
import { ClientService } from './core/clients/client-service';
import { UsageRecorder } from './core/clients/usage';
import { NotificationService } from './core/notifications/notification-service';
import type { Logger, RegisterGuard, Store } from './core/ports';
import type { Clock } from './core/time/clock';
import { auditQueries } from './infra/pg/clients-sql';
import type { Database } from './infra/pg/database';
import { createStore } from './infra/pg/store';
import { usageQueries } from './infra/pg/usage-sql';
import { circuitBreakerGuard } from './infra/register-guard';

/** The core's use cases over an open database: what the gateway serves and the CLI runs, without HTTP. */
export interface Services {
  db: Database;
  store: Store;
  clients: ClientService;
  notifications: NotificationService;
  /** Call counts for the migration registry; flush() writes them (main does so every USAGE_FLUSH_MS). */
  usage: UsageRecorder;
}

export function buildServices(
  config: Config,
  deps: { db: Database; clock: Clock; logger: Logger; guard?: RegisterGuard },
): Services {
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
  return { db: deps.db, store, clients, notifications, usage };
}
