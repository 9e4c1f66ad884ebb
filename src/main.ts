import type { Server } from 'node:http';
import { type Config, ConfigError, configFromEnvironment } from './config';
import { DEMO_CLIENTS, DEMO_MOTHERS, seedSandboxDemo } from './demo/sandbox-demo';
import { buildGateway, openDatabase } from './gateway';
import { createServer } from './http/server';
import { createLogger } from './infra/logger';
import { systemClock } from './infra/system-clock';

/** The composition root: settings, database, core, façades, HTTP server, background retry. */
async function main(): Promise<void> {
  const config = configFromEnvironment();
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config, logger);
  const gateway = buildGateway(config, { db, clock: systemClock, logger });
  const seeded =
    config.seedDemo && (await seedSandboxDemo(gateway.clients, gateway.store, systemClock.now()));

  const server: Server = createServer(gateway.app, config.tls).listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
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
  const lines = [
    '',
    `VTJ notification gateway on ${base}  (${store})`,
    `  OpenAPI: ${base}/v1/openapi.json    health: ${base}/healthz`,
    config.opsTokenGenerated
      ? `  Operator token for this run (set OPS_TOKEN to choose one): ${config.opsToken}`
      : '  Operator API: Authorization: Bearer $OPS_TOKEN',
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
      `      -d '{"notificationId":"demo-1","child":{"birthDateTime":"${systemClock.now().toISOString()}","sex":"female"},` +
        `"birth":{"municipalityCode":"091","liveBorn":true},"mother":{"personalIdentityCode":"${DEMO_MOTHERS[0]}"}}'`,
      '  More in README.md.',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`gateway failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
