import type { Request, Response, Server } from 'restify';
import { isIdentifierKind } from '../ledger/subjects/identifiers';
import type { Logger } from '../log/logger';
import { sendError } from '../server/send-error';
import type { AgentConsoleConfig } from './agent-console-config';
import { AgentDesk, VerificationDecision } from './agent-desk';
import { AgentError, forbidden, invalidRequest } from './agent-errors';
import { Body, pathParam, readBody, reply, requiredString, sessionGuard } from './agent-api-support';
import type { AgentEventStreams } from './agent-event-streams';
import type { IncidentDesk } from './incidents/incident-desk';
import { ConsoleView, mayOpen, viewsOf } from './console-roles';
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from './session-cookie';
import type { ActiveSession, AgentSessions } from './sessions/agent-sessions';
import type { ClientAddressOf } from '../server/client-address';
import type { HashSlots } from './sessions/hash-slots';
import type { LoginThrottle } from './sessions/login-throttle';

export { CSRF_HEADER } from './agent-api-support';

export interface AgentApiDeps {
  readonly desk: AgentDesk;
  readonly sessions: AgentSessions;
  readonly throttle: LoginThrottle;
  /** The cap on password hashes computed at once. */
  readonly hashSlots: HashSlots;
  /** The client's address (`TRUST_PROXY`). */
  readonly clientAddress: ClientAddressOf;
  readonly streams: AgentEventStreams;
  readonly config: AgentConsoleConfig;
  /** The console's parts this instance serves (the Requests view only when access requests are wired in). */
  readonly views: ReadonlySet<ConsoleView>;
  /** Largest request body, bytes (messages and notes are at most 2000 characters). */
  readonly bodyLimitBytes: number;
  readonly logger: Logger;
  /** The incident notice in force, for whoever talks to customers; without it `GET /notice` answers none. */
  readonly notice?: Pick<IncidentDesk, 'publishedNotice'>;
}

const MAX_USERNAME_CHARS = 64;
/** Long enough for any passphrase, short enough that hashing it costs nothing extra. */
const MAX_PASSWORD_CHARS = 1024;
const MAX_NOTE_CHARS = 2000;
const VERIFICATION_OUTCOMES = ['verified', 'failed'] as const;
const VERIFICATION_METHODS = ['agent_check', 'document', 'knowledge'] as const;

function optionalNote(body: Body): string | undefined {
  const note = body.note;
  if (note === undefined || note === null || note === '') return undefined;
  if (typeof note !== 'string') throw invalidRequest('note', '"note" must be a string');
  if (Array.from(note).length > MAX_NOTE_CHARS) throw invalidRequest('note', `"note" holds at most ${MAX_NOTE_CHARS} characters`);
  return note;
}

function decisionOf(body: Body): VerificationDecision {
  const { outcome } = body;
  if (!(VERIFICATION_OUTCOMES as readonly unknown[]).includes(outcome)) throw invalidRequest('outcome', `"outcome" must be one of ${VERIFICATION_OUTCOMES.join(', ')}`);
  const method = body.method ?? 'agent_check';
  if (!(VERIFICATION_METHODS as readonly unknown[]).includes(method)) throw invalidRequest('method', `"method" must be one of ${VERIFICATION_METHODS.join(', ')}`);
  const note = optionalNote(body);
  return { outcome: outcome as VerificationDecision['outcome'], method: method as VerificationDecision['method'], ...(note !== undefined ? { note } : {}) };
}

function ticketIdOf(req: Request): string {
  return pathParam(req, 'id', 'handoff id');
}

/**
 * The agent console's JSON API under `/agent/api` (documented in the README). Every request but
 * sign-in needs the session cookie; every state change (POST) also needs `X-CSRF-Token`. Answers
 * are JSON; refusals are `{error: {code, message, field?}}` with 400 (bad payload), 401 (no
 * session, wrong password), 403 (CSRF, not yours, a role without the handoff view), 404 (no such
 * ticket), 409 (claimed by someone else, closed, not claimed), 429 (sign-in attempts: per address,
 * per username and address, per-account back-off) or 503 (a store is down, or too many password
 * hashes at once). Comparing identifiers and recording a verification need the `identity` grant (not
 * `surge`). The other views' routes are `requests/`, `concerns/` and `incidents/`.
 */
export function agentApiRoutes(deps: AgentApiDeps): (server: Server) => void {
  const logger = deps.logger.child({ module: 'agent-api' });
  const { desk, sessions, config } = deps;

  const authed = sessionGuard(sessions, logger);
  /** What the page needs to know of the session: who, which role, the CSRF token, the views to show. */
  const sessionAnswer = (session: Pick<ActiveSession, 'username' | 'role' | 'csrfToken'>) => ({
    username: session.username,
    role: session.role,
    csrfToken: session.csrfToken,
    views: viewsOf(session.role, deps.views),
  });

  const login = async (req: Request, res: Response): Promise<void> => {
    try {
      const body = await readBody(req, deps.bodyLimitBytes);
      // Usernames are lower-case (the ledger refuses others): 'Alice' signs in as alice.
      const username = requiredString(body, 'username', MAX_USERNAME_CHARS).trim().toLowerCase();
      const password = requiredString(body, 'password', MAX_PASSWORD_CHARS);
      const address = deps.clientAddress(req);
      const verdict = await deps.throttle.attempt(username, address);
      if (!verdict.allowed) {
        res.header('Retry-After', String(verdict.retryAfterSeconds));
        logger.info({ limit: verdict.reason }, 'agent sign-in throttled');
        throw new AgentError('PSB_AGENT_RATE_LIMITED', undefined, { retryAfterSeconds: verdict.retryAfterSeconds });
      }
      const checked = await deps.hashSlots.tryRun(() => desk.signIn(username, password));
      if (!checked) {
        res.header('Retry-After', '1');
        throw new AgentError('PSB_AGENT_BUSY', undefined, { retryAfterSeconds: 1 });
      }
      const account = checked.value;
      if (!account) {
        await deps.throttle.failed(username);
        throw new AgentError('PSB_AGENT_LOGIN_FAILED');
      }
      await deps.throttle.succeeded(username, address);
      // A session id the browser already had is never reused (no session fixation).
      const previous = await sessions.resolve(readCookie(req, SESSION_COOKIE), false).catch(() => undefined);
      if (previous) await sessions.end(previous);
      const { id, session } = await sessions.start(account);
      res.header('Set-Cookie', sessionCookie(req, id, config.cookieSecure));
      logger.info({ agent: account.username, role: account.role }, 'agent signed in');
      reply(res, 200, sessionAnswer(session));
    } catch (err) {
      sendError(res, err, logger);
    }
  };

  const logout = authed(async (req, res, session) => {
    await sessions.end(session);
    deps.streams.endSession(session.key);
    await desk.signedOut(session);
    res.header('Set-Cookie', clearedSessionCookie(req, config.cookieSecure));
    reply(res, 200, { signedOut: true });
  }, true);

  const whoAmI = authed(async (_req, res, session) => {
    reply(res, 200, sessionAnswer(session));
  }, false);

  const queue = authed(async (_req, res, session) => {
    reply(res, 200, await desk.queue(session));
  }, false, 'handoffs');

  const claim = authed(async (req, res, session) => {
    const id = ticketIdOf(req);
    await readBody(req, deps.bodyLimitBytes, true);
    reply(res, 200, { ticket: await desk.claim(session, id) });
  }, true, 'handoffs');

  const view = authed(async (req, res, session) => {
    reply(res, 200, await desk.view(session, ticketIdOf(req)));
  }, false, 'handoffs');

  const message = authed(async (req, res, session) => {
    const id = ticketIdOf(req);
    const body = await readBody(req, deps.bodyLimitBytes);
    const text = body.text;
    if (typeof text !== 'string') throw invalidRequest('text', '"text" must be a string');
    reply(res, 201, await desk.message(session, id, text));
  }, true, 'handoffs');

  const identifierCheck = authed(async (req, res, session) => {
    const id = ticketIdOf(req);
    const body = await readBody(req, deps.bodyLimitBytes);
    const { kind } = body;
    if (!isIdentifierKind(kind)) throw invalidRequest('kind', '"kind" must be one of email, phone, customer_number, aad_object_id');
    const value = requiredString(body, 'value', 320);
    reply(res, 200, await desk.checkIdentifier(session, id, kind, value));
  }, true, 'identity');

  const verification = authed(async (req, res, session) => {
    const id = ticketIdOf(req);
    const decision = decisionOf(await readBody(req, deps.bodyLimitBytes));
    const { verificationId, ...ticket } = await desk.verify(session, id, decision);
    reply(res, 200, { ticket, ...(verificationId !== undefined ? { verificationId } : {}) });
  }, true, 'identity');

  const complete = authed(async (req, res, session) => {
    const id = ticketIdOf(req);
    const note = optionalNote(await readBody(req, deps.bodyLimitBytes, true));
    reply(res, 200, { ticket: await desk.complete(session, id, note) });
  }, true, 'handoffs');

  const notice = authed(async (_req, res) => {
    reply(res, 200, deps.notice ? await deps.notice.publishedNotice() : { notice: null });
  }, false, 'handoffs');

  const events = async (req: Request, res: Response): Promise<void> => {
    let session: ActiveSession | undefined;
    try {
      session = await sessions.resolve(readCookie(req, SESSION_COOKIE), true);
      if (!session) throw new AgentError('PSB_AGENT_UNAUTHENTICATED');
      // The stream carries handoff events only.
      if (!mayOpen(session.role, 'handoffs')) throw forbidden(session.role, 'handoffs');
    } catch (err) {
      sendError(res, err, logger);
      return;
    }
    await deps.streams.serve(req, res, session);
  };

  return (server: Server) => {
    server.post('/agent/api/login', login);
    server.post('/agent/api/logout', logout);
    server.get('/agent/api/session', whoAmI);
    server.get('/agent/api/queue', queue);
    server.post('/agent/api/handoffs/:id/claim', claim);
    server.get('/agent/api/handoffs/:id', view);
    server.post('/agent/api/handoffs/:id/messages', message);
    server.post('/agent/api/handoffs/:id/identifier-check', identifierCheck);
    server.post('/agent/api/handoffs/:id/verification', verification);
    server.post('/agent/api/handoffs/:id/complete', complete);
    server.get('/agent/api/events', events);
    server.get('/agent/api/notice', notice);
  };
}
