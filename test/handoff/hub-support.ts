import assert from 'node:assert/strict';
import type { HandoffHub } from '../../src/handoff/handoff-hub';
import { HandoffErrorCode, isHandoffError } from '../../src/handoff/handoff-errors';
import type { HandoffEvent, NewHandoff } from '../../src/handoff/handoff-types';

/** A clock that moves only when told. */
export class FakeClock {
  private ms: number;

  constructor(iso = '2026-03-02T09:00:00.000Z') {
    this.ms = Date.parse(iso);
  }

  readonly now = (): Date => new Date(this.ms);

  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }

  iso(): string {
    return new Date(this.ms).toISOString();
  }
}

/** What the bot would queue for conversation `n`: Italian, waiting to show consents, a masked email. */
export function newHandoff(n: number, overrides: Partial<NewHandoff> = {}): NewHandoff {
  return {
    reason: 'verification',
    locale: 'it',
    pendingAction: 'consent.view',
    claimedIdentity: { kind: 'email', masked: 'm***@example.com', subjectId: `subject-${n}` },
    channelId: 'webchat',
    // Opaque to the hub: empty arrays and objects, unicode and numbers must come back as they were.
    conversation: { conversation: { id: `conv-${n}` }, serviceUrl: 'http://127.0.0.1:3978/', bot: { id: 'bot', name: 'Privacy' }, extra: { list: [], empty: {}, ratio: 0.1, big: 12345678901234, text: 'Grüße 東京 🙂 "q" \\' } },
    transcript: [
      { from: 'customer', text: 'vorrei vedere i miei consensi', at: '2026-03-02T08:59:00.000Z' },
      { from: 'bot', text: 'Per questo devo verificare la tua identità.', at: '2026-03-02T08:59:01.000Z' },
    ],
    ...overrides,
  };
}

/** Rejects with a HandoffError of `code` (and, when given, `field` in its details). */
export async function assertHandoffError(promise: Promise<unknown>, code: HandoffErrorCode, field?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isHandoffError(err), `expected a HandoffError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    if (field !== undefined) assert.equal(err.details.field, field);
    return true;
  });
}

export interface EventRecorder {
  readonly events: HandoffEvent[];
  /** The first event (already seen or still to come) that matches, or a hang-guard failure after `timeoutMs`. */
  waitFor(match: (event: HandoffEvent) => boolean, what: string, timeoutMs?: number): Promise<HandoffEvent>;
  stop(): void;
}

export function recordEvents(hub: Pick<HandoffHub, 'subscribe'>): EventRecorder {
  const events: HandoffEvent[] = [];
  const waiters = new Set<() => void>();
  const unsubscribe = hub.subscribe((event) => {
    events.push(event);
    for (const wake of [...waiters]) wake();
  });
  return {
    events,
    waitFor(match, what, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = events.find(match);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
          return true;
        };
        const wake = (): void => {
          check();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`hang guard: no ${what} event within ${timeoutMs} ms (events arrive in milliseconds); saw: ${events.map((e) => e.type).join(', ') || 'none'}`));
        }, timeoutMs);
        if (!check()) waiters.add(wake);
      });
    },
    stop: unsubscribe,
  };
}

export function ticketIdOf(event: HandoffEvent): string {
  return 'ticket' in event ? event.ticket.id : event.ticketId;
}
