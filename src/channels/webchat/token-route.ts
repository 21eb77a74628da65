import type { Request, Response } from 'restify';
import type { Logger } from '../../log/logger';
import { readJsonBody } from '../../server/json-body';
import { sendError } from '../../server/send-error';
import { requestHasGpc } from './gpc-signal';

/** What the page tells us when it asks for a token. */
export interface WebChatTokenRequest {
  /** The browser's language (`navigator.language`), when it looks like a language tag. */
  readonly locale?: string;
  /** The browser sends Global Privacy Control: `Sec-GPC: 1` on this request, or `"gpc": true` in its body. */
  readonly gpc: boolean;
}

/** A Direct Line token for one new conversation, as `POST /v3/directline/tokens/generate` gives it. */
export interface WebChatTokenGrant {
  readonly token: string;
  readonly conversationId?: string;
  /** Seconds until the token expires (the page's Direct Line client refreshes it before). */
  readonly expiresIn: number;
}

/**
 * Mints a Direct Line token server-side, where the Direct Line secret lives: the browser never
 * sees the secret, only a token bound to one conversation.
 */
export type WebChatTokenIssuer = (request: WebChatTokenRequest) => Promise<WebChatTokenGrant>;

const LANGUAGE_TAG = /^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8}){0,4}$/;

/** The optional body `{ "locale"?: "it-IT", "gpc"?: true }`; anything else in it is ignored. */
async function readTokenRequest(req: Request, limitBytes: number): Promise<WebChatTokenRequest> {
  const fromHeader = requestHasGpc(req.headers);
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return { gpc: fromHeader };
  const body = await readJsonBody(req, limitBytes);
  const fields = typeof body === 'object' && body !== null ? (body as { locale?: unknown; gpc?: unknown }) : {};
  const locale = typeof fields.locale === 'string' && LANGUAGE_TAG.test(fields.locale) ? fields.locale : undefined;
  return { locale, gpc: fromHeader || fields.gpc === true };
}

/**
 * `POST /webchat/token` (same origin as the page): `{ "locale"?: "it-IT", "gpc"?: true }` →
 * `{ token, conversationId, expiresIn }`, never cached. Other sites can call it but cannot read
 * the answer (no CORS headers), and a token only opens a new, empty conversation.
 */
export function tokenRoute(deps: { issueToken: WebChatTokenIssuer; bodyLimitBytes: number; logger: Logger }) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      const grant = await deps.issueToken(await readTokenRequest(req, deps.bodyLimitBytes));
      res.header('Cache-Control', 'no-store');
      res.send(200, { token: grant.token, conversationId: grant.conversationId, expiresIn: grant.expiresIn });
    } catch (err) {
      sendError(res, err, deps.logger);
    }
  };
}
