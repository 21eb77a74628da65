import type { ExpectedPolicy } from '../support/content-security-policy';

/**
 * The agent console page's whole Content-Security-Policy, as the tests expect it: our own files
 * only, nothing inline, frames of our origin only (the copy preview), never framed, no plugins, no
 * <base>, and Trusted Types required with no policy allowed, so an HTML sink (innerHTML and kin)
 * throws instead of parsing customer text.
 */
export const AGENT_CONSOLE_POLICY: ExpectedPolicy = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'connect-src': ["'self'"],
  'frame-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
  'object-src': ["'none'"],
  'require-trusted-types-for': ["'script'"],
  'trusted-types': ["'none'"],
};
