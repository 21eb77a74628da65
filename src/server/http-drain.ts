import type { Next, Request, Response } from 'restify';
import { AppError } from '../errors/app-error';
import type { Logger } from '../log/logger';
import { sendError } from './send-error';

/** Paths still served while draining besides the probes: the calls turns in flight make to us. */
export type DrainExemption = (path: string) => boolean;

/** Liveness and readiness keep answering during the drain (/readyz with 503). */
const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/** A request being answered, as a shutdown log names it: method and path, never the query or body. */
interface InFlight {
  readonly label: string;
  readonly res: Response;
}

/**
 * The HTTP side of a graceful shutdown. Until `begin()` it only counts the requests being
 * answered. After it: `/readyz` says 503 (see `draining`), every new request is refused with 503
 * `PSB_SHUTTING_DOWN` and `Retry-After` unless `exempt` (the bot's own connector calls that a
 * Direct Line turn in flight makes over loopback HTTP), and every response — the ones in flight
 * too — carries `Connection: close`, so keep-alive clients reconnect elsewhere. `idle()` resolves
 * once no request is left; event streams (agents' `text/event-stream`) are not waited for: they
 * never end by themselves, and closing them is their owner's job.
 */
export class HttpDrain {
  private readonly inFlight = new Set<InFlight>();
  private readonly idleWaiters = new Set<() => void>();
  private drainingSince: Date | undefined;

  constructor(
    private readonly exempt: DrainExemption,
    private readonly logger: Logger,
  ) {}

  /** True once the shutdown began: readiness answers 503 from then on. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** Starts draining. Safe to call twice. */
  begin(): void {
    if (this.drainingSince) return;
    this.drainingSince = new Date();
    for (const { res } of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    this.wakeIfIdle();
  }

  /** Resolves once no request (event streams aside) is being answered. */
  idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idleWaiters.add(resolve);
      this.wakeIfIdle();
    });
  }

  /** The requests being answered now, e.g. `HTTP POST /api/messages`; event streams are named too. */
  describeInFlight(): string[] {
    return [...this.inFlight].map((entry) => entry.label);
  }

  /** restify `pre` handler: counts the request, and refuses it while draining unless exempt. */
  readonly pre = (req: Request, res: Response, next: Next): void => {
    const entry: InFlight = { label: `HTTP ${req.method ?? 'GET'} ${pathShape(req.path())}`, res };
    this.inFlight.add(entry);
    res.once('close', () => {
      this.inFlight.delete(entry);
      this.wakeIfIdle();
    });
    if (!this.drainingSince) {
      next();
      return;
    }
    res.setHeader('Connection', 'close');
    if (PROBE_PATHS.has(req.path()) || this.exempt(req.path())) {
      next();
      return;
    }
    res.setHeader('Retry-After', '1');
    sendError(res, new AppError('PSB_SHUTTING_DOWN', 'this instance is shutting down; retry, and another instance will answer'), this.logger);
    next(false);
  };

  private wakeIfIdle(): void {
    if (!this.drainingSince || this.idleWaiters.size === 0) return;
    const waiting = [...this.inFlight].some((entry) => !isEventStream(entry.res));
    if (waiting) return;
    for (const wake of this.idleWaiters) wake();
    this.idleWaiters.clear();
  }
}

/** A path with its ids and tokens (receipt links, conversation ids) replaced by `:id`: logs name the route, not the capability. */
function pathShape(path: string): string {
  return path
    .split('/')
    .map((segment) => (segment === '' || /^[a-z]+[0-9]?$/i.test(segment) ? segment : ':id'))
    .join('/');
}

function isEventStream(res: Response): boolean {
  return String(res.getHeader('Content-Type') ?? '').startsWith('text/event-stream');
}
