import net from 'node:net';

/**
 * What one look at a service's port found. The difference matters to whoever reads a failure:
 * `refused` means nothing listens (start the service), `timed-out` means something accepted or
 * held the connection but gave no answer in time (the service is there but slow or busy — on a
 * loaded machine, wait or find what holds it; starting a second one does not help).
 */
export type ProbeOutcome =
  | { readonly kind: 'answered'; readonly reply: Buffer }
  | { readonly kind: 'refused' }
  | { readonly kind: 'timed-out'; readonly connected: boolean }
  | { readonly kind: 'failed'; readonly reason: string };

export interface ProbeRequest {
  readonly host: string;
  readonly port: number;
  /** Bytes sent once connected; nothing sent (a bare TCP check) when undefined. */
  readonly send?: Buffer | string;
  /** True once `reply` holds a whole answer. @default any byte */
  readonly complete?: (reply: Buffer) => boolean;
  /** How long to wait for the connection and the answer together, in ms. */
  readonly timeoutMs: number;
}

/** Connects, sends the probe, and reports what happened. Never rejects. */
export function probeService(request: ProbeRequest): Promise<ProbeOutcome> {
  const complete = request.complete ?? ((reply: Buffer) => reply.length > 0);
  return new Promise((resolve) => {
    const socket = net.connect({ host: request.host, port: request.port });
    let connected = false;
    let reply = Buffer.alloc(0);
    const done = (outcome: ProbeOutcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ kind: 'timed-out', connected }), request.timeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'failed', reason: err.code ?? err.message }));
    socket.once('connect', () => {
      connected = true;
      if (request.send === undefined) done({ kind: 'answered', reply });
      else socket.write(request.send);
    });
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk]);
      if (complete(reply)) done({ kind: 'answered', reply });
    });
    socket.once('end', () => done(complete(reply) ? { kind: 'answered', reply } : { kind: 'failed', reason: 'the connection was closed without an answer' }));
  });
}

/** A service as the failure messages name it, with the command that starts it. */
export interface ServiceDescription {
  /** 'Redis', 'PostgreSQL'. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The shell command that starts it (quoted when nothing listens). */
  readonly start: string;
  /** What the test waited for, e.g. 'an answer to PING'. */
  readonly awaited: string;
}

/** Nothing listens: the service must be started. */
export function refusedMessage(service: ServiceDescription): string {
  return `${service.name} refused the connection at ${service.host}:${service.port}: nothing listens there. These tests need the real ${service.name}; start it with:\n  ${service.start}`;
}

/** Something is there but did not answer in time: slow or busy, not down. */
export function timedOutMessage(service: ServiceDescription, timeoutMs: number, connected = true): string {
  const what = connected ? 'accepted the connection but' : 'did not accept the connection and';
  return (
    `${service.name} at ${service.host}:${service.port} ${what} gave no ${service.awaited} within ${timeoutMs} ms: it timed out, it was not refused, ` +
    `so the server is most likely there but slow or busy (a loaded machine, a long lock). Starting another will not help; retry, or find what holds it.`
  );
}

/** Neither refused nor timed out (a name that does not resolve, an unexpected answer). */
export function failedMessage(service: ServiceDescription, reason: string): string {
  return `${service.name} at ${service.host}:${service.port} could not be used (${reason}). These tests need the real ${service.name}; if it is not running, start it with:\n  ${service.start}`;
}

/** The message for a probe outcome that is not an acceptable answer. */
export function unavailableMessage(service: ServiceDescription, outcome: Exclude<ProbeOutcome, { kind: 'answered' }>, timeoutMs: number): string {
  if (outcome.kind === 'refused') return refusedMessage(service);
  if (outcome.kind === 'timed-out') return timedOutMessage(service, timeoutMs, outcome.connected);
  return failedMessage(service, outcome.reason);
}
