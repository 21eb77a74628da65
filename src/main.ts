import { loadConfig } from './config/load-config';
import { isAppError } from './errors/app-error';
import { createLogger } from './log/logger';
import { installGracefulShutdown } from './shutdown/graceful-shutdown';
import { openAppLedger } from './startup/open-app-ledger';
import { StartupTimeline } from './startup/startup-timeline';

/**
 * Entry point: validated config, one logger, the app, graceful shutdown. Only what the ledger needs is
 * imported up front: the ledger starts opening first, and the rest of the bot (most of the start's
 * module loading) is loaded while a new ledger's folder is being copied from its template.
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
  const ledger = timeline.phase('ledger', () => openAppLedger(options, logger.child({ module: 'app' })));
  // Its failure is reported where createApp awaits it; until then it must not count as unhandled.
  ledger.catch(() => undefined);
  // Required here, not imported at the top, so the ledger is already opening while the bot's modules load (a
  // require, not import(): the same under tsc's CommonJS, tsx's `--require tsx/cjs` and `--import tsx`).
  const { createApp } = await timeline.phase('modules', () => require('./app') as typeof import('./app'));
  const app = await timeline.phase('createApp', () => createApp(options, logger, {}, { ledger, timeline }));
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
