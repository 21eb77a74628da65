import type { Browser, BrowserContext, Page } from 'playwright-core';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import type { Ledger } from '../../src/ledger/ledger';
import { addTestAgents, ConsoleServer, ConsoleServerOptions, openTestLedger, RecordingCustomerChannel, startConsoleServer } from '../agent/agent-harness';
import { OpenConsole, openConsole } from './agent-console-page';
import { launchChromium } from './chromium';

/** What the console's browser tests stand on: Chromium, and the console over an in-memory ledger (with the test agents) and hub. */
export interface ConsoleInChromium {
  readonly browser: Browser;
  readonly ledger: Ledger;
  readonly hub: MemoryHandoffHub;
  readonly app: ConsoleServer;
  /** Opens `/agent` in a fresh browser context, closed after the test (agent-console-page's openConsole). */
  open(prepare?: (page: Page) => Promise<void>, locale?: string): Promise<OpenConsole>;
}

export interface ConsoleInChromiumOptions {
  /** Which agents besides alice, bob and sara (addTestAgents). */
  readonly agents?: Parameters<typeof addTestAgents>[1];
  /** More for the console server (access requests, concerns, a channel to inspect); a recording channel by default. */
  readonly server?: Partial<Omit<ConsoleServerOptions, 'ledger' | 'hub'>>;
}

/**
 * Registers the mocha hooks that make it before the describe's tests, close each test's browser contexts after
 * it, and close everything after the last. The fields are there from the describe's first `before` on.
 */
export function consoleInChromium(options: ConsoleInChromiumOptions = {}): ConsoleInChromium {
  const contexts: BrowserContext[] = [];
  const made: { browser?: Browser; ledger?: Ledger; hub?: MemoryHandoffHub; app?: ConsoleServer } = {};
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`consoleInChromium: the ${what} is made in a before hook; use it in a test or a later hook`);
    return value;
  };

  before(async () => {
    made.browser = await launchChromium();
    made.ledger = await openTestLedger();
    await addTestAgents(made.ledger, options.agents);
    made.hub = new MemoryHandoffHub({ timeoutSeconds: 600 });
    made.app = await startConsoleServer({ channel: new RecordingCustomerChannel(), config: { eventsKeepAliveSeconds: 5 }, ...options.server, ledger: made.ledger, hub: made.hub });
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  after(async () => {
    await made.browser?.close();
    await made.app?.close();
    await made.hub?.close();
    await made.ledger?.close();
  });

  return {
    get browser() {
      return ready(made.browser, 'browser');
    },
    get ledger() {
      return ready(made.ledger, 'ledger');
    },
    get hub() {
      return ready(made.hub, 'hub');
    },
    get app() {
      return ready(made.app, 'console server');
    },
    open: (prepare, locale) => openConsole(ready(made.browser, 'browser'), ready(made.app, 'console server').baseUrl, contexts, prepare, locale),
  };
}
