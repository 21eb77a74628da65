/** What a page's Content-Security-Policy depends on. */
export interface PagePolicyInput {
  /** Per-response nonce Web Chat puts on the `<style>` elements it creates (emotion). */
  readonly styleNonce: string;
  /** The `Host` the browser used, when it is a plain host[:port]; adds explicit ws:/wss: sources. */
  readonly host?: string;
  /** CSP `frame-ancestors` sources. */
  readonly frameAncestors: readonly string[];
}

/**
 * Hash of the empty string. Part of Web Chat adds an empty `<style>` without the nonce and fills it
 * through the CSSOM (`insertRule`, which CSP does not govern); allowing only *empty* inline style keeps
 * `'unsafe-inline'` out.
 */
const EMPTY_STYLE_HASH = 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

const PLAIN_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The page's policy: nothing but our own origin. Scripts are our files (no inline script, no eval);
 * styles are our file plus the `<style>` elements Web Chat creates (with the nonce, or empty); connections go to
 * our own origin only (fetch for the token and Direct Line, WebSocket for the stream: CSP 3 lets
 * `'self'` cover ws:/wss: of the same host, the explicit sources cover older browsers); images are
 * ours or inline (`data:` avatars, `blob:` previews); no fonts, frames, plugins, forms or `<base>`.
 */
export function pageContentSecurityPolicy(input: PagePolicyInput): string {
  const sockets = input.host && PLAIN_HOST.test(input.host) ? ` ws://${input.host} wss://${input.host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${input.styleNonce}' '${EMPTY_STYLE_HASH}'`,
    "img-src 'self' data: blob:",
    `connect-src 'self'${sockets}`,
    "media-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    `frame-ancestors ${input.frameAncestors.join(' ')}`,
  ].join('; ');
}

/** Security headers of the HTML page besides the CSP. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Referrer-Policy': 'no-referrer',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
});
