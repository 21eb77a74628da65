import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createHmac, createSign, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';

/**
 * A local stand-in for Microsoft's Bot Framework OpenID metadata and JWK Set, so tests check
 * real signatures without leaving the machine: point `BOT_OPENID_METADATA_URL` at
 * `metadataUrl`. It publishes one RSA key (`kid`) and signs tokens with it; `forge*` make the
 * tokens an attacker could make. `respondWith(status)` makes both documents answer an error.
 */
export class BotFrameworkKeyServer {
  readonly kid = `test-key-${randomUUID()}`;
  private readonly trusted = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private failureStatus = 0;
  /** Requests served, by path: proves the bot read its keys here. */
  readonly requests: string[] = [];

  private constructor(private readonly server: Server, readonly baseUrl: string) {}

  static async start(): Promise<BotFrameworkKeyServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const keyServer = new BotFrameworkKeyServer(server, `http://127.0.0.1:${port}`);
    server.on('request', (req, res) => keyServer.answer(req.url ?? '', res));
    return keyServer;
  }

  get metadataUrl(): string {
    return `${this.baseUrl}/v1/.well-known/openidconfiguration`;
  }

  respondWith(status: number): void {
    this.failureStatus = status;
  }

  /** A token signed with the published key. */
  sign(claims: Record<string, unknown>): string {
    return signRs256({ alg: 'RS256', typ: 'JWT', kid: this.kid }, claims, this.trusted.privateKey);
  }

  /** The published `kid`, signed with another key. */
  forgeWithWrongKey(claims: Record<string, unknown>): string {
    return signRs256({ alg: 'RS256', typ: 'JWT', kid: this.kid }, claims, this.attacker.privateKey);
  }

  /** The published `kid`, no signature at all. */
  forgeUnsigned(claims: Record<string, unknown>): string {
    return `${encode({ alg: 'none', typ: 'JWT', kid: this.kid })}.${encode(claims)}.`;
  }

  /** The published `kid`, HMAC-signed with the public key as secret (the algorithm-confusion attack). */
  forgeHs256(claims: Record<string, unknown>): string {
    const input = `${encode({ alg: 'HS256', typ: 'JWT', kid: this.kid })}.${encode(claims)}`;
    const secret = this.trusted.publicKey.export({ type: 'spki', format: 'pem' });
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(path: string, res: import('node:http').ServerResponse): void {
    this.requests.push(path);
    if (this.failureStatus) {
      // Two calls: restify patches ServerResponse.writeHead in this process, and its version returns nothing.
      res.statusCode = this.failureStatus;
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    if (path === '/v1/.well-known/openidconfiguration') {
      res.end(JSON.stringify({ issuer: 'https://api.botframework.com', jwks_uri: `${this.baseUrl}/v1/keys` }));
    } else if (path === '/v1/keys') {
      const jwk = this.trusted.publicKey.export({ format: 'jwk' });
      res.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, n: jwk.n, e: jwk.e }] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  }
}

function encode(part: object): string {
  return Buffer.from(JSON.stringify(part)).toString('base64url');
}

function signRs256(header: object, claims: object, key: KeyObject): string {
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key, 'base64url')}`;
}
