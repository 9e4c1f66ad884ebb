import { randomUUID } from 'node:crypto';
import type { RequestListener, Server } from 'node:http';
import { type Config, ConfigError, configFromEnvironment } from './config';
import { DomainError, retryAfterSeconds } from './core/errors';
import type { Logger } from './core/ports';
import { DEMO_CLIENTS, DEMO_MOTHERS, seedSandboxDemo } from './demo/sandbox-demo';
import { buildGateway, openDatabase } from './gateway';
import { problemBody } from './http/problems';
import { createServer } from './http/server';
import { createLogger } from './infra/logger';
import type { Database } from './infra/pg/database';
import { RegisterModeConflict, recordRegisterMode } from './infra/pg/register-mode-sql';
import { systemClock } from './infra/system-clock';
import { registerModeOf } from './services';

/** Notifications per delivery round: one call to the register, one claim. */
const DELIVERY_BATCH = 50;
/** How often each instance looks for NDJSON batch items to decide (it starts at once on its own batches). */
const BATCH_POLL_MS = 1000;

/** The composition root: settings, port, database, core, façades, background retry. */
async function main(): Promise<void> {
  const config = configFromEnvironment();
  const logger = createLogger(config.logLevel);
  // The port first, so a taken one is said at once, before the database is touched. Until the gateway is
  // ready, every request is answered 503 (and /readyz says so).
  let handle: RequestListener = answerStarting;
  const server: Server = createServer((req, res) => handle(req, res), config.tls, config.http);
  await listen(server, config);
  const db = await openDatabase(config, logger);
  await claimRegisterMode(db, config, logger);
  const gateway = buildGateway(config, { db, clock: systemClock, logger });
  const seeded =
    config.seedDemo && (await seedSandboxDemo(gateway.clients, gateway.store, systemClock.now()));
  handle = gateway.app;

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `${config.tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  gateway.links.base = config.publicBaseUrl ?? base;
  logger.info({ url: base, database: db.kind }, 'gateway listening');

  // Pending notifications that are due go to the register in the background, one round at a time; a
  // round that found a full batch is followed at once by another, so a backlog drains at the register's pace.
  let round: Promise<void> | undefined;
  const deliver = () => {
    round ??= (async () => {
      try {
        while (
          !gateway.lifecycle.draining &&
          (await gateway.notifications.processPending(DELIVERY_BATCH)) >= DELIVERY_BATCH
        );
      } catch (err) {
        logger.warn({ err: String(err) }, 'pending retry failed');
      } finally {
        round = undefined;
      }
    })();
  };
  const retry = setInterval(deliver, config.pendingRetryMs);
  retry.unref();
  // NDJSON batches' items are decided in the background, by whichever instance claims them.
  gateway.batchWorker.start(BATCH_POLL_MS);
  gateway.batchWorker.nudge();
  // Call counts for the migration registry are written in batches, never on a request's path.
  const flushUsage = () =>
    gateway.usage.flush().catch((err) => logger.warn({ err: String(err) }, 'usage flush failed'));
  const usageTimer = setInterval(flushUsage, config.usageFlushMs);
  usageTimer.unref();
  // The audit trail likewise: its rows wait in memory and are written together, never one per request.
  const flushAudit = () =>
    gateway.audit.flush().catch((err) => logger.warn({ err: String(err) }, 'audit flush failed'));
  const auditTimer = setInterval(flushAudit, config.audit.flushMs);
  auditTimer.unref();
  // Rows past AUDIT_RETENTION_DAYS go at start and then every AUDIT_PURGE_INTERVAL_MS, in short chunks; of
  // several instances one purges at a time (the others find its lock taken and skip the round).
  let purging: Promise<unknown> | undefined;
  const purgeAudit = () => {
    purging ??= gateway.audit
      .purge()
      .catch((err) => logger.warn({ err: String(err) }, 'audit purge failed'))
      .finally(() => {
        purging = undefined;
      });
  };
  purgeAudit();
  const purgeTimer = setInterval(purgeAudit, config.audit.purgeIntervalMs);
  purgeTimer.unref();

  printWelcome(
    base,
    db.kind,
    config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PostgreSQL in ${config.dataDir}`,
    seeded,
    config,
  );

  // SIGTERM, in order: readiness 503 at once while requests are still taken (the drain: the load balancer's
  // time to stop sending); then no new connections, requests under way answered (within the grace period;
  // then their connections are cut); the delivery round and the batch worker finish their claims; batches under way and their
  // calls to the register settle; then the pools close. SIGINT (a terminal's Ctrl-C) skips the drain.
  const stop = async (signal: 'SIGTERM' | 'SIGINT') => {
    const drainMs = signal === 'SIGTERM' ? config.shutdownDrainMs : 0;
    logger.info({ signal, drainMs, graceMs: config.shutdownGraceMs }, 'shutting down');
    gateway.lifecycle.draining = true;
    clearInterval(retry);
    clearInterval(usageTimer);
    clearInterval(auditTimer);
    clearInterval(purgeTimer);
    if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
    logger.info({ signal }, 'closing: no new connections');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const cut = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
    await Promise.all([closed, round, purging, gateway.batchWorker.stop()]);
    clearTimeout(cut);
    logger.info({ signal }, 'waiting for batches under way');
    await gateway.notifications.settled();
    await flushUsage();
    await flushAudit();
    await db.close();
    logger.info({ signal }, 'stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * Records which register the outbox belongs to; refuses to start (a settings error, exit 2) in the other
 * mode while notifications are pending for the recorded one.
 */
async function claimRegisterMode(db: Database, config: Config, logger: Logger): Promise<void> {
  const mode = registerModeOf(config);
  try {
    const { previous } = await recordRegisterMode(db, mode, systemClock.now());
    if (previous !== mode)
      logger.info({ registerMode: mode, previous: previous ?? null }, 'register mode recorded');
  } catch (err) {
    if (!(err instanceof RegisterModeConflict)) throw err;
    await db.close();
    throw new ConfigError([err.explain('this gateway')]);
  }
}

function printWelcome(base: string, kind: string, store: string, seeded: boolean, config: Config): void {
  // A new id at every start: the example registers a new birth each time, and repeating it replays it.
  const now = systemClock.now();
  const lines = [
    '',
    `VTJ notification gateway on ${base}  (${store})`,
    `  Start here: ${base}/    OpenAPI: ${base}/v1/openapi.json    health: ${base}/healthz`,
    config.opsTokenGenerated
      ? '  Operator token for this run (set OPS_TOKEN to choose your own); in your shell:'
      : '  Operator API: Authorization: Bearer $OPS_TOKEN (the token you set)',
    ...(config.opsTokenGenerated ? [`    export OPS_TOKEN=${config.opsToken}`] : []),
    `  Operator page: ${base}/ops/  (any user name; the operator token as password)`,
    ...(kind === 'pglite'
      ? [
          '  Embedded store: every commit is synced to disk, in this one process. Production: set DATABASE_URL.',
        ]
      : []),
  ];
  if (kind === 'pglite' && config.seedDemo) {
    lines.push(
      seeded
        ? '  Sandbox demo seeded: two sandbox clients, test persons 900–999.'
        : '  Sandbox demo data present.',
      "  Try a birth (the mother's code has its hyphen as a JSON escape: no log shows a code in clear):",
      `    curl -s -X POST ${base}/v1/births -H 'Content-Type: application/json' \\`,
      `      -H 'X-Road-Client: ${DEMO_CLIENTS[0].id}' \\`,
      `      -d '{"notificationId":"demo-birth-${now.getTime()}","child":{"birthDateTime":"${now.toISOString()}","sex":"female"},` +
        `"birth":{"municipalityCode":"091","liveBorn":true},"mother":{"personalIdentityCode":"${jsonEscapedSign(String(DEMO_MOTHERS[0]))}"}}'`,
      '  More in README.md.',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

/**
 * A personal identity code as JSON text with its century sign escaped (`150590\u002d9021`): what the
 * JSON reader gets is the code, what stdout — the log stream — shows is not one.
 */
function jsonEscapedSign(code: string): string {
  return `${code.slice(0, 6)}\\u${code.charCodeAt(6).toString(16).padStart(4, '0')}${code.slice(7)}`;
}

/** Binds the port, or explains in one line which setting to change. */
function listen(server: Server, config: Config): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `port ${config.port} on ${config.host}`;
      const why: Record<string, string> = {
        EADDRINUSE: `The ${where} is already in use: stop what uses it, or choose another port with PORT (for example PORT=${config.port + 1} npm start).`,
        EACCES: `The ${where} needs privileges this user does not have: choose a port above 1023 with PORT.`,
        EADDRNOTAVAIL: `HOST ${config.host} is not an address of this machine: set HOST to one of its addresses (default 127.0.0.1).`,
      };
      const line = err.code ? why[err.code] : undefined;
      reject(line ? new ConfigError([line]) : err);
    });
    server.listen(config.port, config.host, () => resolve());
  });
}

/** Every request while the database opens: the catalogue's 503, as any other outage is answered. */
const answerStarting: RequestListener = (_req, res) => {
  const body = problemBody(new DomainError('SERVICE_UNAVAILABLE'), randomUUID());
  res.writeHead(body.status, {
    'Content-Type': 'application/problem+json',
    'Retry-After': String(retryAfterSeconds('SERVICE_UNAVAILABLE')),
  });
  res.end(JSON.stringify(body));
};

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`gateway failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
