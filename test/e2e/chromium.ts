import { existsSync } from 'node:fs';
import { Browser, chromium } from 'playwright-core';

/** Debian's Chromium; Playwright's own download does not work here (no internet but the registries). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_INSTALL = 'apt-get install -y chromium';

/** How long a browser test waits for something to show, ms: only a guard against a hang, never a speed check. */
export const BROWSER_WAIT_MS = 15_000; // 15 s

/**
 * Flags for a quiet, reproducible headless Chromium: no sandbox (containers, root), no GPU, and none
 * of the browser's own background traffic (updates, sync, field trials), so every request seen comes
 * from the page. Playwright gives each launch a fresh temporary user-data-dir.
 */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/** Fails the calling hook (never skips) when Chromium is missing, naming the command that installs it. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. The browser tests need it; install it with:\n  ${CHROMIUM_INSTALL}\n` +
        '(npm test runs scripts/ensure-chromium.sh first, which installs it when run as root)',
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true, timeout: 30_000 });
}

/** A message as the transcript shows it, as an unanchored pattern: Markdown turns quotes typographic (I'm → I’m). */
export function textPattern(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/['’]/g, "['’]").replace(/["“”]/g, '["“”]'));
}
