import { loadConfig } from './config/load-config';
import { isAppError } from './errors/app-error';
import { createLogger } from './log/logger';
import { installGracefulShutdown } from './shutdown/graceful-shutdown';
import { StartupTimeline } from './startup/startup-timeline';

/**
 * Entry point: validated config, one logger, the app, graceful shutdown. The app's modules are required
 * inside, not imported at the top, so the start-up timeline can say how long loading them takes. (Opening
 * the ledger before that require does not overlap the two: a require is synchronous, and the ledger's
 * first file operations wait for it to return.)
 */
async function main(): Promise<void> {
  const timeline = new StartupTimeline();
  timeline.record('nodeAndEntry', performance.now());
  let options;
  try {
    options = loadConfig();
  } catch (err) {
    // Before the logger exists: a plain line naming the variable, then a non-zero exit.
    process.stderr.write(`configuration error${isAppError(err) ? ` [${err.code}]` : ''}: ${(err as Error).message}\n`);
    process.exit(78);
  }
  const logger = createLogger({ level: options.logLevel });
  // A require, not import(): the same under tsc's CommonJS, tsx's `--require tsx/cjs` and `--import tsx`.
  const { createApp } = await timeline.phase('modules', () => require('./app') as typeof import('./app'));
  const app = await timeline.phase('createApp', () => createApp(options, logger, {}, { timeline }));
  const port = await timeline.phase('listen', () => app.listen());
  logger.info({ port, host: options.host, nodeEnv: options.nodeEnv }, `privacy bot listening on http://localhost:${port}/api/messages`);
  logger.info({ startup: timeline.summary() }, 'start-up: ready');

  installGracefulShutdown({ app, timeoutSeconds: options.shutdownTimeoutSeconds, logger });
}

main().catch((err: unknown) => {
  // One line, with the code when it is ours (PSB_LEDGER_LOCKED: another process holds the embedded ledger).
  process.stderr.write(`start-up failed${isAppError(err) ? ` [${err.code}]` : ''}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
