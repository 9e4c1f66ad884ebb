import http from 'node:http';
import type { Config } from '../config';
import { describe } from '../core/notifications/remote-delivery';
import type { Logger } from '../core/ports';
import { RegistrationDesk } from '../core/register/registration-desk';
import { openDatabase } from '../infra/pg/open-database';
import { readinessCheck } from '../infra/pg/readiness';
import { createStore } from '../infra/pg/store';
import { systemClock } from '../infra/system-clock';
import { createRegisterApp } from './register-app';

/**
 * The reference register service (`vtj-gateway register serve`): the
 * downstream contract of openapi/register.yaml over the embedded register's
 * code, in a database of its own (DATABASE_URL or DATA_DIR, as the gateway's
 * settings). Runs until SIGTERM or SIGINT.
 */
export async function serveRegister(
  config: Config,
  opts: { port: number; host: string; logger: Logger },
): Promise<{ url: string; close(): Promise<void> }> {
  const db = await openDatabase(config, opts.logger);
  const store = createStore(db, { clock: systemClock, clientCacheMs: 0 });
  const app = createRegisterApp({
    desk: new RegistrationDesk({ store, clock: systemClock }),
    store,
    ready: readinessCheck(db, 1500).ready,
    onError: (err) => opts.logger.warn({ err: describe(err) }, 'register could not answer'),
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  opts.logger.info({ url, database: db.kind }, 'register listening');
  const close = async () => {
    server.close();
    server.closeAllConnections();
    await db.close();
  };
  return { url, close };
}
