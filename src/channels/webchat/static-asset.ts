import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Request, Response } from 'restify';

const gzipAsync = promisify(gzip);

/** Below this size compression is not worth a round of zlib. */
const MIN_GZIP_BYTES = 1024;

/**
 * A file served from memory: read once at start, with a content ETag (conditional requests get 304)
 * and, for clients that accept it, a gzip copy made on first use and kept.
 */
export class StaticAsset {
  readonly etag: string;
  private gzipped?: Promise<Buffer>;

  private constructor(
    readonly body: Buffer,
    readonly contentType: string,
    /** The `Cache-Control` header sent with the asset. */
    readonly cacheControl: string,
  ) {
    this.etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  }

  static fromFile(file: string, contentType: string, cacheControl: string): StaticAsset {
    return new StaticAsset(readFileSync(file), contentType, cacheControl);
  }

  /** The gzip copy; computed once, on first request. */
  compressed(): Promise<Buffer> {
    const pending = this.gzipped ?? gzipAsync(this.body);
    this.gzipped = pending;
    return pending;
  }

  get compressible(): boolean {
    return this.body.length >= MIN_GZIP_BYTES;
  }
}

function acceptsGzip(req: Request): boolean {
  return /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''));
}

function matchesEtag(req: Request, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (typeof header !== 'string') return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}

/** Sends `asset` (or 304 when the client has it), with `extraHeaders` such as security headers. */
export async function sendAsset(req: Request, res: Response, asset: StaticAsset, extraHeaders: Record<string, string> = {}): Promise<void> {
  const headers: Record<string, string> = {
    'Content-Type': asset.contentType,
    'Cache-Control': asset.cacheControl,
    ETag: asset.etag,
    'X-Content-Type-Options': 'nosniff',
    ...extraHeaders,
  };
  if (asset.compressible) headers.Vary = 'Accept-Encoding';
  if (matchesEtag(req, asset.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  let body = asset.body;
  if (asset.compressible && acceptsGzip(req)) {
    body = await asset.compressed();
    headers['Content-Encoding'] = 'gzip';
  }
  headers['Content-Length'] = String(body.length);
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
