import type { Request } from 'restify';
import { AppError } from '../errors/app-error';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth';

/**
 * Reads a request's JSON body, at most `limitBytes`. Stops reading as soon as the limit is
 * passed (a client cannot make us buffer more), refuses nesting deeper than MAX_JSON_DEPTH before
 * parsing, and says precisely what was wrong.
 */
export async function readJsonBody(req: Request, limitBytes: number): Promise<unknown> {
  const text = await readJsonBodyText(req, limitBytes);
  if (text.trim() === '') throw new AppError('PSB_HTTP_BAD_JSON', 'the request body is empty; send an activity as JSON');
  return parseJsonText(text);
}

/**
 * The raw text of a JSON request body, at most `limitBytes` (read no further): for a caller that
 * must see the bytes as sent, e.g. to check a signature over them before parsing.
 */
export async function readJsonBodyText(req: Request, limitBytes: number): Promise<string> {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/json')) {
    throw new AppError('PSB_HTTP_BAD_CONTENT_TYPE', 'send the activity as JSON with Content-Type: application/json');
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses JSON text read by {@link readJsonBodyText}: depth checked first, the parser's message (which quotes input) never passed on. */
export function parseJsonText(text: string): unknown {
  // Before JSON.parse and before any other work: deep nesting is refused by a cheap scan of the text.
  if (exceedsJsonDepth(text, MAX_JSON_DEPTH)) {
    throw new AppError('PSB_HTTP_JSON_TOO_DEEP', `the request body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`, { maxDepth: MAX_JSON_DEPTH });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parser's message quotes the input; keep customer text out of responses and logs.
    throw new AppError('PSB_HTTP_BAD_JSON', 'the request body is not valid JSON');
  }
}

function tooLarge(limitBytes: number): AppError {
  return new AppError('PSB_HTTP_BODY_TOO_LARGE', `the request body is larger than ${limitBytes} bytes`, { limitBytes });
}
