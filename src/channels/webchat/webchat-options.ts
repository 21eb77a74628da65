import path from 'node:path';
import { PROJECT_ROOT } from '../../paths';

/** How the Web Chat page is served. Defaults suit the page served by the bot at its own origin. */
export interface WebChatOptions {
  /** Folder of the page files (`index.html`, `page.js`, `page.css`). @default `<project>/web` */
  readonly webDir: string;
  /**
   * Who may show the page in a frame: CSP `frame-ancestors` sources. The app adds the sites listed in
   * `DIRECT_LINE_CORS_ORIGINS` (the sites that embed the chat). @default ["'self'"]
   */
  readonly frameAncestors: readonly string[];
  /** Largest body of `POST /webchat/token`, bytes. @default 16384 (16 KiB: a locale and, signed in, an assertion of at most 8 KiB) */
  readonly tokenBodyLimitBytes: number;
}

export const DEFAULT_WEBCHAT_OPTIONS: WebChatOptions = Object.freeze({
  webDir: path.join(PROJECT_ROOT, 'web'),
  frameAncestors: Object.freeze(["'self'"]),
  tokenBodyLimitBytes: 16 * 1024,
});

const SOURCE_EXPRESSION = /^(?:'self'|'none'|https?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?|https:\/\/\*\.[A-Za-z0-9.-]+)$/;

/** Defaults merged and checked in one place; a frame ancestor must be an origin or `'self'`. */
export function webChatOptions(overrides: Partial<WebChatOptions> = {}): WebChatOptions {
  const options = { ...DEFAULT_WEBCHAT_OPTIONS, ...overrides };
  for (const source of options.frameAncestors) {
    if (!SOURCE_EXPRESSION.test(source)) throw new Error(`frameAncestors: "${source}" is not an origin (https://host[:port]) nor 'self' / 'none'`);
  }
  if (!Number.isInteger(options.tokenBodyLimitBytes) || options.tokenBodyLimitBytes < 64) throw new Error('tokenBodyLimitBytes must be an integer of at least 64');
  return Object.freeze({ ...options, frameAncestors: Object.freeze([...options.frameAncestors]) });
}
