import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, JWK, JWTPayload, KeyLike, SignJWT } from 'jose';

/** The issuer and audience the tests configure (WEBCHAT_IDENTITY_ISSUER / _AUDIENCE). */
export const SITE_ISSUER = 'https://login.example.test';
export const SITE_AUDIENCE = 'privacy-bot-webchat';
/** A shared secret for HS256 mode (WEBCHAT_IDENTITY_SECRET); never a real one. */
export const SITE_SECRET = 'test-site-identity-secret-0123456789abcdef';

/** One signing key of the site: its private half and the kid under which the JWK Set publishes the public half. */
export interface SiteKey {
  readonly alg: 'RS256' | 'ES256' | 'EdDSA';
  readonly kid: string;
  readonly privateKey: KeyLike;
  readonly publicJwk: JWK;
}

export async function siteKey(alg: SiteKey['alg'], kid: string): Promise<SiteKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export interface AssertionOptions {
  /** Claims besides iss/aud/iat/exp (e.g. `{ email }`). */
  readonly claims?: JWTPayload;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds from now; negative = already expired. @default 300 */
  readonly expiresInSeconds?: number;
  /** Put no `kid` in the header. */
  readonly noKid?: boolean;
  /** Extra protected header parameters (e.g. `jku`). */
  readonly header?: Record<string, unknown>;
}

/** An assertion as the site signs it with `key` (a site key, or the shared secret for HS256). */
export async function signAssertion(key: SiteKey | 'secret', options: AssertionOptions = {}, secret = SITE_SECRET): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const alg = key === 'secret' ? 'HS256' : key.alg;
  const header = { alg, typ: 'JWT', ...(key !== 'secret' && !options.noKid ? { kid: key.kid } : {}), ...options.header };
  return new SignJWT({ ...options.claims })
    .setProtectedHeader(header)
    .setIssuer(options.issuer ?? SITE_ISSUER)
    .setAudience(options.audience ?? SITE_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 300))
    .sign(key === 'secret' ? new TextEncoder().encode(secret) : key.privateKey);
}

/** `header.payload.` with `alg: none`: what an attacker sends hoping nobody checks. */
export function unsignedAssertion(claims: JWTPayload): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: SITE_ISSUER, aud: SITE_AUDIENCE, iat: now, exp: now + 300, ...claims })}.`;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * The company's own site in the test process: its JWK Set at `/.well-known/jwks.json` (the keys it
 * signs assertions with), counting fetches, and any extra pages a test adds. It can be taken down
 * and brought back on the same port.
 */
export class CompanySite {
  /** Requests for the JWK Set so far. */
  jwksFetches = 0;
  /** Every path asked for, in order. */
  readonly requested: string[] = [];
  private server?: http.Server;
  private host = '127.0.0.1';
  private readonly routes = new Map<string, Handler>();

  private constructor(
    private port: number,
    private published: SiteKey[],
  ) {}

  static async start(keys: SiteKey[], host = '127.0.0.1'): Promise<CompanySite> {
    const site = new CompanySite(0, keys);
    await site.listen(host);
    return site;
  }

  get origin(): string {
    return `http://${this.host}:${this.port}`;
  }

  get jwksUrl(): string {
    return `${this.origin}/.well-known/jwks.json`;
  }

  /** Publishes these keys from now on. */
  publish(keys: SiteKey[]): void {
    this.published = keys;
  }

  /** Serves `path` with `handler` (a page of the site, an assertion endpoint). */
  route(path: string, handler: Handler): void {
    this.routes.set(path, handler);
  }

  private async listen(host: string): Promise<void> {
    this.host = host;
    const server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://site').pathname;
      this.requested.push(path);
      if (path === '/.well-known/jwks.json') {
        this.jwksFetches += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: this.published.map((key) => key.publicJwk) }));
        return;
      }
      const handler = this.routes.get(path);
      if (handler) return handler(req, res);
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** The site goes down: its port refuses connections until `restart`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restart(): Promise<void> {
    await this.listen(this.host);
  }
}
