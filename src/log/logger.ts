import pino, { DestinationStream, Logger } from 'pino';
import { redactDeep, redactText } from './redact-text';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** @default 'info' */
  level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/** A logged request (restify logs `req` on its own warnings): method and route, never headers, query or body. */
function requestFacts(req: unknown): Record<string, unknown> {
  if (typeof req !== 'object' || req === null) return {};
  const { method, getRoute } = req as { method?: unknown; getRoute?: unknown };
  const route = typeof getRoute === 'function' ? (getRoute.call(req) as { path?: unknown } | null | undefined)?.path : undefined;
  return { method: typeof method === 'string' ? method : undefined, route: typeof route === 'string' ? route : undefined };
}

/** A logged response: its status only. */
function responseFacts(res: unknown): Record<string, unknown> {
  const statusCode = typeof res === 'object' && res !== null ? (res as { statusCode?: unknown }).statusCode : undefined;
  return { statusCode: typeof statusCode === 'number' ? statusCode : undefined };
}

/** pino runs the log formatter before serializers: a request or response is reduced to its facts first. */
function withHttpFacts(object: Record<string, unknown>): Record<string, unknown> {
  if (object.req === undefined && object.res === undefined) return object;
  return { ...object, ...(object.req !== undefined ? { req: requestFacts(object.req) } : {}), ...(object.res !== undefined ? { res: responseFacts(object.res) } : {}) };
}

/**
 * The one root logger. Redaction is configured here, once: every object logged is deep-scrubbed
 * (free-text and header keys censored, emails and phone numbers replaced, a request reduced to
 * method and route) and so is every message string.
 * Modules take a child: `logger.child({ module: 'state' })`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactDeep(withHttpFacts(object)) as Record<string, unknown>,
      },
      serializers: { err: (err: unknown) => redactDeep(err) },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
