import type { Request, Response, Server } from 'restify';
import { isAppError } from '../../errors/app-error';
import { isShippedLocale, SHIPPED_LOCALES } from '../../i18n/shipped-locales';
import type { Logger } from '../../log/logger';
import { errorBody } from '../../server/error-status';
import { ART33_NUMBER_FIELDS, ART33_TEXT_FIELDS, TEAM_TEXT_LIMIT } from '../../privacy/concerns/concern-rules';
import type { Art33Record, IncidentNoticeText } from '../../privacy/concerns/concern-types';
import { Body, MAX_REFERENCE_CHARS, pathParam, readBody, reasonOf, reply, sendSandboxedHtml, sessionGuard } from '../agent-api-support';
import { invalidRequest } from '../agent-errors';
import type { AgentSessions } from '../sessions/agent-sessions';
import type { IncidentDesk } from './incident-desk';

export interface IncidentApiDeps {
  readonly desk: IncidentDesk;
  readonly sessions: AgentSessions;
  /** Largest request body, bytes. */
  readonly bodyLimitBytes: number;
  /** Largest affected-subjects import (`{csv}`), bytes. */
  readonly importLimitBytes: number;
  readonly logger: Logger;
}

const TEXT_FIELDS: readonly string[] = ART33_TEXT_FIELDS;
const COUNT_FIELDS: readonly string[] = ART33_NUMBER_FIELDS;
/** Largest approximate count accepted (the world's population, with room). */
const MAX_COUNT = 1e10;
const MAX_FILE_NAME_CHARS = 200;

function referenceOf(req: Request): string {
  return pathParam(req, 'reference', 'incident reference', MAX_REFERENCE_CHARS).trim();
}

/** `?lang=` of the draft: a shipped language, or none (the default language). */
function langOf(req: Request): string | undefined {
  const lang = new URL(req.url ?? '/', 'http://localhost').searchParams.get('lang');
  if (lang === null || lang === '') return undefined;
  if (!isShippedLocale(lang)) throw invalidRequest('lang', `"lang" must be one of ${SHIPPED_LOCALES.join(', ')}`);
  return lang;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{fields: {nature?, …, approxSubjects?: n|null}, reason?}`: the fields of one phase, at least one. */
function phaseOf(body: Body): { fields: Partial<Art33Record>; reason?: string } {
  const given = body.fields;
  if (!isRecord(given) || Object.keys(given).length === 0) throw invalidRequest('fields', '"fields" must be an object with at least one field of the Art. 33(3) record');
  const fields: Record<string, string | number | null> = {};
  for (const [name, value] of Object.entries(given)) {
    if (TEXT_FIELDS.includes(name)) {
      if (typeof value !== 'string' || value.trim() === '') throw invalidRequest(`fields.${name}`, `"${name}" must be a non-empty string`);
      if (Array.from(value).length > TEAM_TEXT_LIMIT) throw invalidRequest(`fields.${name}`, `"${name}" holds at most ${TEAM_TEXT_LIMIT} characters`);
      fields[name] = value.trim();
    } else if (COUNT_FIELDS.includes(name)) {
      if (value !== null && !(Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_COUNT)) throw invalidRequest(`fields.${name}`, `"${name}" must be a whole number from 0, or null when not known`);
      fields[name] = value as number | null;
    } else {
      throw invalidRequest(`fields.${name}`, `"${name}" is not a field of the Art. 33(3) record (${[...TEXT_FIELDS, ...COUNT_FIELDS].join(', ')})`);
    }
  }
  const reason = body.reason === undefined || body.reason === '' ? undefined : reasonOf(body);
  return { fields: fields as Partial<Art33Record>, ...(reason !== undefined ? { reason } : {}) };
}

/**
 * `{texts: {<language>: {whatHappened, whatData, whatWeDo, whatYouShouldDo}}}`, passed on as given:
 * which languages and parts a notice needs is the service's rule (400 `PSB_INCIDENT_NOTICE_INCOMPLETE`).
 */
function noticeOf(body: Body): Record<string, IncidentNoticeText> {
  const given = body.texts;
  if (!isRecord(given) || Object.keys(given).length === 0 || !Object.values(given).every(isRecord)) {
    throw invalidRequest('texts', '"texts" must hold the notice by language: {"en": {"whatHappened", "whatData", "whatWeDo", "whatYouShouldDo"}, …}');
  }
  return given as unknown as Record<string, IncidentNoticeText>;
}

/**
 * The Incidents view's JSON API under `/agent/api/incidents`, for the `supervisor` and `privacy` roles
 * (403 `PSB_AGENT_FORBIDDEN` for others); the published notice is `GET /agent/api/notice` in
 * `agent-api-routes.ts`. Every POST needs `X-CSRF-Token`; every action
 * answers the incident as it now is (`{now, incident}`). Refusals: 400 a bad field (`field`; an import's
 * `problems` per line), 404 an unknown incident, 409 a change the service refuses in its state.
 */
export function incidentApiRoutes(deps: IncidentApiDeps): (server: Server) => void {
  const logger = deps.logger.child({ module: 'agent-api' });
  const authed = sessionGuard(deps.sessions, logger);
  const { desk } = deps;

  const list = authed(async (_req, res) => {
    reply(res, 200, await desk.list());
  }, false, 'incidents');

  const detail = authed(async (req, res) => {
    reply(res, 200, await desk.detail(referenceOf(req)));
  }, false, 'incidents');

  const phase = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    const { fields, reason } = phaseOf(await readBody(req, deps.bodyLimitBytes));
    reply(res, 200, await desk.addPhase(session, reference, fields, reason));
  }, true, 'incidents');

  const draftJson = authed(async (req, res) => {
    const draft = await desk.draft(referenceOf(req), langOf(req));
    res.header('Content-Disposition', `attachment; filename="${draft.reference}-notification-draft.json"`);
    reply(res, 200, draft.json);
  }, false, 'incidents');

  const draftPage = authed(async (req: Request, res: Response) => {
    sendSandboxedHtml(res, (await desk.draft(referenceOf(req), langOf(req))).html);
  }, false, 'incidents');

  const notified = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    await readBody(req, deps.bodyLimitBytes, true);
    reply(res, 200, await desk.markNotified(session, reference));
  }, true, 'incidents');

  const notice = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    const texts = noticeOf(await readBody(req, deps.bodyLimitBytes));
    reply(res, 200, await desk.setNotice(session, reference, texts));
  }, true, 'incidents');

  const publish = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    await readBody(req, deps.bodyLimitBytes, true);
    reply(res, 200, await desk.publish(session, reference));
  }, true, 'incidents');

  const withdraw = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    await readBody(req, deps.bodyLimitBytes, true);
    reply(res, 200, await desk.withdraw(session, reference));
  }, true, 'incidents');

  const affected = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    const body = await readBody(req, deps.importLimitBytes);
    const csv = body.csv;
    if (typeof csv !== 'string' || csv.trim() === '') throw invalidRequest('csv', '"csv" must hold the affected subjects: a header line (email, phone, customer_number, aad_object_id), then one person per line');
    const fileName = body.fileName;
    if (fileName !== undefined && (typeof fileName !== 'string' || fileName.trim() === '' || fileName.length > MAX_FILE_NAME_CHARS)) throw invalidRequest('fileName', `"fileName" must be a file name of at most ${MAX_FILE_NAME_CHARS} characters`);
    try {
      reply(res, 200, await desk.importAffected(session, reference, csv, fileName?.trim()));
    } catch (err) {
      // The lines the service refused, for the page to list; nothing was imported.
      if (isAppError(err, 'PSB_AGENT_INVALID_REQUEST') && Array.isArray(err.details.problems)) {
        res.header('Cache-Control', 'no-store');
        res.send(400, { error: { ...errorBody(err).error, problems: err.details.problems } });
        logger.info({ code: err.code, field: 'csv', status: 400 }, 'request refused');
        return;
      }
      throw err;
    }
  }, true, 'incidents');

  return (server: Server) => {
    server.get('/agent/api/incidents', list);
    server.get('/agent/api/incidents/:reference', detail);
    server.post('/agent/api/incidents/:reference/phases', phase);
    server.get('/agent/api/incidents/:reference/draft.json', draftJson);
    server.get('/agent/api/incidents/:reference/draft', draftPage);
    server.post('/agent/api/incidents/:reference/notified', notified);
    server.post('/agent/api/incidents/:reference/notice', notice);
    server.post('/agent/api/incidents/:reference/notice/publish', publish);
    server.post('/agent/api/incidents/:reference/notice/withdraw', withdraw);
    server.post('/agent/api/incidents/:reference/affected', affected);
  };
}
