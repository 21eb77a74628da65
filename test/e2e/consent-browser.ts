import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { Translations } from '../../src/i18n/translator';
import { ConsentStack, startConsentStack } from '../consent-bot/consent-stack';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { launchChromium } from './chromium';

/** A page of a browser context of its own, with what went wrong in it. */
export interface TestPage {
  readonly page: Page;
  /** Uncaught errors of the page's scripts (`page error: …`); a test expects none. Add more listeners as needed. */
  readonly problems: string[];
}

/** What a browser test of the consent stack works with, once the `before` hook has run. */
export interface ConsentBrowser {
  readonly browser: Browser;
  readonly stack: ConsentStack;
  readonly translations: Translations;
  /** A page in a new browser context (locale, time zone, downloads…), closed after the test. */
  newPage(options?: BrowserContextOptions): Promise<TestPage>;
}

function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not started yet: use it inside a test or a hook after useConsentBrowser's before`);
  return value;
}

/**
 * Registers, in the calling `describe`, the hooks every browser test of the consent stack needs:
 * before all, headless Chromium, the translations and the whole bot with its demo customers
 * (`startConsentStack(env)`); after each test, the browser contexts it opened; after all, the
 * browser and the bot. Heavy hooks get HEAVY_HOOK_TIMEOUT_MS.
 */
export function useConsentBrowser(env: Record<string, string> = {}): ConsentBrowser {
  let browser: Browser | undefined;
  let stack: ConsentStack | undefined;
  let translations: Translations | undefined;
  const contexts: BrowserContext[] = [];

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    browser = await launchChromium();
    translations = await Translations.load();
    stack = await startConsentStack(env);
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  after(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await browser?.close();
    await stack?.close();
  });

  return {
    get browser() {
      return started(browser, 'Chromium');
    },
    get stack() {
      return started(stack, 'The consent stack');
    },
    get translations() {
      return started(translations, 'The translations');
    },
    async newPage(options: BrowserContextOptions = {}): Promise<TestPage> {
      const context = await started(browser, 'Chromium').newContext(options);
      contexts.push(context);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      return { page, problems };
    },
  };
}
