import { configFromEnvironment } from '../../config';
import { createLogger } from '../../infra/logger';
import { serveRegister } from '../../register-service/serve';
import { CliInputError } from '../errors';

/** `register serve`: runs until SIGTERM or SIGINT, logging as the gateway does (JSON lines on stdout). */
export async function serveReferenceRegister(opts: { port: string; host: string }): Promise<void> {
  const port = Number(opts.port);
  if (!/^\d+$/.test(opts.port) || port > 65535)
    throw new CliInputError('--port must be a whole number from 0 to 65535');
  const config = configFromEnvironment();
  const logger = createLogger(config.logLevel);
  const service = await serveRegister(config, { port, host: opts.host, logger });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'register shutting down');
      void service.close().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
