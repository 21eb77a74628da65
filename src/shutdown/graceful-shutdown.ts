import type { Logger } from '../log/logger';

/** What the signal handler needs of the app. */
export interface Closable {
  /** Drains and closes everything; resolves when all is closed. */
  close(): Promise<void>;
  /** What is still running, for the log line when the deadline passes. */
  stillRunning(): string[];
}

export interface GracefulShutdownOptions {
  readonly app: Closable;
  /** `SHUTDOWN_TIMEOUT_SECONDS`. */
  readonly timeoutSeconds: number;
  readonly logger: Logger;
  /** @default process.exit */
  readonly exit?: (code: number) => void;
  /** @default ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[];
}

/** Exit code when the deadline passes (or a second signal arrives) with work still running. */
export const SHUTDOWN_INCOMPLETE_EXIT_CODE = 1;

/**
 * On the first SIGTERM/SIGINT: `app.close()` (the drain), then exit 0. Past `timeoutSeconds`,
 * one error line with `stillRunning` and exit 1, so an orchestrator never has to SIGKILL a
 * process that would not say why. A second signal during the drain ends it the same way at once
 * (a developer pressing Ctrl-C twice).
 */
export function installGracefulShutdown(options: GracefulShutdownOptions): void {
  const log = options.logger.child({ module: 'shutdown' });
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started = false;

  const giveUp = (reason: string): void => {
    log.error({ stillRunning: options.app.stillRunning(), timeoutSeconds: options.timeoutSeconds }, reason);
    exit(SHUTDOWN_INCOMPLETE_EXIT_CODE);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (started) {
      giveUp(`${signal} again during shutdown; exiting with work still running`);
      return;
    }
    started = true;
    log.info({ signal, timeoutSeconds: options.timeoutSeconds }, 'shutting down: /readyz 503, new requests refused, finishing what is in flight');
    const deadline = setTimeout(() => giveUp('shutdown deadline passed; exiting with work still running'), options.timeoutSeconds * 1000);
    options.app.close().then(
      () => {
        clearTimeout(deadline);
        log.info('shut down cleanly');
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        log.error({ err, stillRunning: options.app.stillRunning() }, 'shutdown failed');
        exit(SHUTDOWN_INCOMPLETE_EXIT_CODE);
      },
    );
  };
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) process.on(signal, onSignal);
}
