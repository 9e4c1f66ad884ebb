import type { RequestListener, Server } from 'node:http';
import { type Config, ConfigError, configFromEnvironment } from './config';
import { DEMO_CLIENTS, DEMO_MOTHERS, seedSandboxDemo } from './demo/sandbox-demo';
import { buildGateway, openDatabase } from './gateway';
import { createServer } from './http/server';
import { createLogger } from './infra/logger';
import { systemClock } from './infra/system-clock';

/** The composition root: settings, port, database, core, façades, background retry. */
async function main(): Promise<void> {
  const config = configFromEnvironment();
  const logger = createLogger(config.logLevel);
  // The port first, so a taken one is said at once, before the database is touched. Until the gateway is
  // ready, every request is answered 503 (and /readyz says so).
  let handle: RequestListener = answerStarting;
  const server: Server = createServer((req, res) => handle(req, res), config.tls);
  await listen(server, config);
  const db = await openDatabase(config, logger);
  const gateway = buildGateway(config, { db, clock: systemClock, logger });
  const seeded =
    config.seedDemo && (await seedSandboxDemo(gateway.clients, gateway.store, systemClock.now()));
  handle = gateway.app;

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `${config.tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url: base, database: db.kind }, 'gateway listening');

  // Pending notifications (the register was unreachable) are retried in the background.
  const retry = setInterval(() => {
    gateway.notifications
      .processPending()
      .catch((err) => logger.warn({ err: String(err) }, 'pending retry failed'));
  }, config.pendingRetryMs);
  retry.unref();
  // Call counts for the migration registry are written in batches, never on a request's path.
  const flushUsage = () =>
    gateway.usage.flush().catch((err) => logger.warn({ err: String(err) }, 'usage flush failed'));
  const usageTimer = setInterval(flushUsage, config.usageFlushMs);
  usageTimer.unref();

  printWelcome(
    base,
    db.kind,
    config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PostgreSQL in ${config.dataDir}`,
    seeded,
    config,
  );

  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    clearInterval(retry);
    clearInterval(usageTimer);
    server.close();
    server.closeAllConnections();
    await flushUsage();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
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
  ];
  if (kind === 'pglite' && config.seedDemo) {
    lines.push(
      seeded
        ? '  Sandbox demo seeded: two sandbox clients, test persons 900–999.'
        : '  Sandbox demo data present.',
      '  Try a birth:',
      `    curl -s -X POST ${base}/v1/births -H 'Content-Type: application/json' \\`,
      `      -H 'X-Road-Client: ${DEMO_CLIENTS[0].id}' \\`,
      `      -d '{"notificationId":"demo-birth-${now.getTime()}","child":{"birthDateTime":"${now.toISOString()}","sex":"female"},` +
        `"birth":{"municipalityCode":"091","liveBorn":true},"mother":{"personalIdentityCode":"${DEMO_MOTHERS[0]}"}}'`,
      '  More in README.md.',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
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

/** Every request while the database opens: 503, try again in a second. */
const answerStarting: RequestListener = (_req, res) => {
  res.writeHead(503, { 'Content-Type': 'application/problem+json', 'Retry-After': '1' });
  res.end(
    JSON.stringify({
      type: '/problems/SERVICE_UNAVAILABLE',
      title: 'The service is temporarily unavailable',
      status: 503,
      detail: 'The gateway is starting; try again in a second.',
      code: 'SERVICE_UNAVAILABLE',
    }),
  );
};

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`gateway failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
