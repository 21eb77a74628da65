import { createApp } from './app';
import { loadConfig } from './config/load-config';
import { isAppError } from './errors/app-error';
import { createLogger } from './log/logger';

/** Entry point: validated config, one logger, the app, graceful shutdown. */
async function main(): Promise<void> {
  let options;
  try {
    options = loadConfig();
  } catch (err) {
    // Before the logger exists: a plain line naming the variable, then a non-zero exit.
    process.stderr.write(`configuration error${isAppError(err) ? ` [${err.code}]` : ''}: ${(err as Error).message}\n`);
    process.exit(78);
  }
  const logger = createLogger({ level: options.logLevel });
  const app = await createApp(options, logger);
  const port = await app.listen();
  logger.info({ port, host: options.host, nodeEnv: options.nodeEnv }, `privacy bot listening on http://localhost:${port}/api/messages`);

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
