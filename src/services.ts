import type { Config } from './config';
import { ClientAdmin } from './core/clients/client-admin';
import { CallerIdentification } from './core/clients/identification';
import { MigrationOverview } from './core/clients/migration-overview';
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
  /** Who calls, and may they use the channel: every request. */
  identification: CallerIdentification;
  /** Clients and their exceptions as operators change them, audited. */
  clients: ClientAdmin;
  /** Where every client stands in the migration. */
  migration: MigrationOverview;
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
  const cutoffs = { cutoffs: config.cutoffs, deprecationAnnounced: config.deprecationAnnounced };
  const identification = new CallerIdentification({
    clients: store.clients,
    clock: deps.clock,
    cutoffs,
    usage,
  });
  const clients = new ClientAdmin({
    clients: store.clients,
    clock: deps.clock,
    audit: auditQueries(deps.db),
  });
  const migration = new MigrationOverview({
    clients: store.clients,
    clock: deps.clock,
    cutoffs,
    usage: usageStore,
  });
  const notifications = new NotificationService({
    store,
    clock: deps.clock,
    guard: deps.guard ?? circuitBreakerGuard(),
    logger: deps.logger,
    // PGlite serialises everything: one batch at a time. PostgreSQL runs a few side by side.
    batchConcurrency: deps.db.kind === 'pglite' ? 1 : Math.max(1, Math.min(2, config.databasePoolSize)),
    // A batch starts on the next event-loop turn, with everything that arrived in this one: PGlite runs
    // a whole transaction without yielding to I/O, so starting sooner would make every batch hold one
    // item; PostgreSQL gathers the turn's arrivals the same way (measured in bench/).
    deferBatch: setImmediate,
  });
  return { db: deps.db, store, identification, clients, migration, notifications, usage };
}
