import { createApp } from './app';
import { loadConfig } from './config/load-config';
import { isAppError } from './errors/app-error';
import { createLogger } from './log/logger';
import { installGracefulShutdown } from './shutdown/graceful-shutdown';

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

  installGracefulShutdown({ app, timeoutSeconds: options.shutdownTimeoutSeconds, logger });
}

main().catch((err: unknown) => {
  // One line, with the code when it is ours (PSB_LEDGER_LOCKED: another process holds the embedded ledger).
  process.stderr.write(`start-up failed${isAppError(err) ? ` [${err.code}]` : ''}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
