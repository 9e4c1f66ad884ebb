import type { Registry } from 'prom-client';
import type { Config } from './config';
import { AuditTrail } from './core/audit/audit-trail';
import type { BatchQueue } from './core/batches/batch-queue';
import { ClientAdmin } from './core/clients/client-admin';
import { CallerIdentification } from './core/clients/identification';
import { MigrationOverview } from './core/clients/migration-overview';
import { UsageRecorder } from './core/clients/usage';
import { NotificationService } from './core/notifications/notification-service';
import { OutboxAdmin } from './core/notifications/outbox-admin';
import { RemoteDelivery } from './core/notifications/remote-delivery';
import { CodeHeld, type Logger, type RegisterGuard, type Store } from './core/ports';
import type { Clock } from './core/time/clock';
import { auditQueries as notificationAuditQueries } from './infra/pg/audit-sql';
import { batchQueue } from './infra/pg/batches-sql';
import { auditQueries } from './infra/pg/clients-sql';
import type { Database } from './infra/pg/database';
import { outboxStats } from './infra/pg/outbox-sql';
import type { RegisterMode } from './infra/pg/register-mode-sql';
import { createStore } from './infra/pg/store';
import { usageQueries } from './infra/pg/usage-sql';
import { type BreakerState, circuitBreakerGuard } from './infra/register-guard';
import { registerMetrics } from './infra/register-metrics';
import { httpRegister } from './infra/remote-register';
import { speculationMetrics } from './infra/store-metrics';

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
  /** Notifications the register has not taken, as operators see and handle them. */
  outbox: OutboxAdmin;
  /** Where the register is, and the state of the circuit breaker in front of it. */
  register: { kind: 'embedded' | 'remote'; breakerState(): BreakerState };
  /**
   * The audit trail of notification requests: flush() writes what waits (main does so every
   * AUDIT_FLUSH_MS and at shutdown), purge() deletes what is past the retention.
   */
  audit: AuditTrail;
  /** NDJSON batches, stored until decided. */
  batches: BatchQueue;
}

/** The register this configuration delivers to, as the database records it (register-mode-sql.ts). */
export function registerModeOf(config: Config): RegisterMode {
  return config.register.url === undefined ? 'embedded' : 'remote';
}

export function buildServices(
  config: Config,
  deps: { db: Database; clock: Clock; logger: Logger; guard?: RegisterGuard; registry?: Registry },
): Services {
  const store = createStore(deps.db, {
    clock: deps.clock,
    clientCacheMs: config.clientCacheMs,
    registerMode: registerModeOf(config),
    onSpeculation: deps.registry && speculationMetrics(deps.registry),
  });
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
  const remoteUrl = config.register.url;
  // The embedded register's calls run in the gateway's transaction: a deadlock (the store runs it again)
  // or the database failing is not the register failing, and must not open its circuit.
  const breaker = remoteUrl
    ? circuitBreakerGuard({ timeoutMs: config.register.timeoutMs, ...config.register.breaker })
    : circuitBreakerGuard(
        undefined,
        (err) => store.isTransient(err) || store.isUnavailable(err) || err instanceof CodeHeld,
      );
  const guard = deps.guard ?? breaker;
  const metrics =
    deps.registry &&
    registerMetrics(deps.registry, {
      breakerState: breaker.state,
      outbox: () => outboxStats(deps.db, deps.clock.now()),
    });
  const remoteRegister =
    remoteUrl === undefined
      ? undefined
      : httpRegister({ url: remoteUrl, timeoutMs: config.register.timeoutMs, observe: metrics?.observeCall });
  const remote =
    remoteRegister === undefined
      ? undefined
      : new RemoteDelivery({
          store,
          remote: remoteRegister,
          guard,
          clock: deps.clock,
          logger: deps.logger,
          policy: config.register.delivery,
          events: metrics?.events,
        });
  const notifications = new NotificationService({
    store,
    clock: deps.clock,
    guard,
    logger: deps.logger,
    // PGlite serialises everything: one batch at a time. PostgreSQL runs a few side by side. With a remote
    // register a batch's slot covers its outbox commit only; the register is asked after it, outside.
    batchConcurrency: deps.db.kind === 'pglite' ? 1 : Math.max(1, Math.min(2, config.databasePoolSize)),
    // A batch starts on the next event-loop turn, with everything that arrived in this one: PGlite runs
    // a whole transaction without yielding to I/O, so starting sooner would make every batch hold one
    // item; PostgreSQL gathers the turn's arrivals the same way (measured in bench/).
    deferBatch: setImmediate,
    // The bulk lane (the items of batch requests), apart from single requests: on PostgreSQL large
    // transactions, two in flight, so that one is decided while the other commits; PGlite runs one
    // transaction at a time, and a single request waits for the bulk one under way, so they are smaller
    // there (500: a quarter less CPU per item than 250, half the wait of 1000). A remote register takes
    // them as it takes single ones. (BENCHMARKS.md, "Replaying a backlog".)
    bulk: remote
      ? { maxBatch: 100, concurrency: 4 }
      : deps.db.kind === 'pglite'
        ? { maxBatch: 500, concurrency: 1 }
        : { maxBatch: 1000, concurrency: 2 },
    remote,
  });
  const audit = new AuditTrail({
    store: notificationAuditQueries(deps.db, config.audit.hashKey),
    clock: deps.clock,
    logger: deps.logger,
    retentionDays: config.audit.retentionDays,
    // Short statements, with the requests that arrived meanwhile run between them: a second's rows in one
    // INSERT held the embedded store's event loop for tens of milliseconds, every second.
    yieldTurn: () => new Promise((resolve) => setImmediate(resolve)),
  });
  return {
    db: deps.db,
    store,
    audit,
    identification,
    clients,
    migration,
    notifications,
    usage,
    outbox: new OutboxAdmin({ store, clock: deps.clock, remote: remoteRegister }),
    register: { kind: remote ? 'remote' : 'embedded', breakerState: breaker.state },
    batches: batchQueue(deps.db),
  };
}
