import { randomUUID } from 'node:crypto';
import type { Regime } from '../../privacy/clocks/regimes';
import { SqlExecutor } from '../db/sql-database';

/** The topic of the DPO alert in the webhook outbox; a dispatcher of its own posts it to DPO_WEBHOOK_URL. */
export const DPO_ALERT = 'dpo.alert';

/** Why the DPO is alerted: a suspected breach was reported, or a concern that was not one was confirmed as a breach. */
export type DpoAlertEvent = 'breach.suspected' | 'breach.confirmed';

/**
 * What the DPO is told, and all of it: references, the topic, times, regimes, categories — never the
 * customer's words (the description, the phrase of when, the data in their words) nor who they are.
 * The type has no field for them, so they cannot slip in.
 */
export interface DpoAlertFacts {
  readonly event: DpoAlertEvent;
  readonly concernReference: string;
  readonly topic: string;
  readonly reportedAt: Date;
  /** When it happened or was noticed, as recognised; null when not understood. */
  readonly occurredAt: Date | null;
  /** Where it was reported ('webchat', 'msteams', …). */
  readonly channel: string | null;
  /** Data categories recognised (purpose/category ids of the catalog). */
  readonly dataCategories: readonly string[];
  /** The regimes whose clocks would run (the reporting subject's, else the controller's). */
  readonly regimes: readonly Regime[];
  /** Set for `breach.confirmed`. */
  readonly incident: { readonly reference: string; readonly awarenessAt: Date; readonly clocks: readonly { readonly regime: Regime; readonly dueAt: Date | null; readonly rule: string }[] } | null;
}

export interface DpoAlertPayload {
  /** The delivery id, also `Webhook-Id`: the same on every retry. */
  readonly id: string;
  readonly type: typeof DPO_ALERT;
  readonly event: DpoAlertEvent;
  readonly concern: {
    readonly reference: string;
    readonly topic: string;
    readonly reportedAt: string;
    readonly occurredAt: string | null;
    readonly channel: string | null;
    readonly dataCategories: readonly string[];
    readonly regimes: readonly Regime[];
  };
  readonly incident: { readonly reference: string; readonly awarenessAt: string; readonly clocks: readonly { readonly regime: Regime; readonly dueAt: string | null; readonly rule: string }[] } | null;
}

export function dpoAlertPayload(deliveryId: string, facts: DpoAlertFacts): DpoAlertPayload {
  return {
    id: deliveryId,
    type: DPO_ALERT,
    event: facts.event,
    concern: {
      reference: facts.concernReference,
      topic: facts.topic,
      reportedAt: facts.reportedAt.toISOString(),
      occurredAt: facts.occurredAt?.toISOString() ?? null,
      channel: facts.channel,
      dataCategories: [...facts.dataCategories],
      regimes: [...facts.regimes],
    },
    incident: facts.incident
      ? {
          reference: facts.incident.reference,
          awarenessAt: facts.incident.awarenessAt.toISOString(),
          clocks: facts.incident.clocks.map((c) => ({ regime: c.regime, dueAt: c.dueAt?.toISOString() ?? null, rule: c.rule })),
        }
      : null,
  };
}

/** Queues the alert's webhook delivery inside the caller's transaction (no subject: it is about a concern); due at once. */
export async function enqueueDpoAlert(tx: SqlExecutor, facts: DpoAlertFacts, at: Date): Promise<string> {
  const id = randomUUID();
  await tx.query('INSERT INTO webhook_delivery (id, topic, subject_id, payload, created_at, next_attempt_at) VALUES ($1, $2, NULL, $3, $4, $4)', [
    id,
    DPO_ALERT,
    JSON.stringify(dpoAlertPayload(id, facts)),
    at,
  ]);
  return id;
}

/** Whether a DPO alert's delivery went through, by delivery id. */
export async function dpoAlertDelivered(executor: SqlExecutor, deliveryIds: readonly string[]): Promise<Map<string, boolean>> {
  const delivered = new Map<string, boolean>();
  if (deliveryIds.length === 0) return delivered;
  const rows = (await executor.query<{ id: string; status: string }>('SELECT id, status FROM webhook_delivery WHERE id = ANY($1::uuid[])', [deliveryIds])).rows;
  for (const r of rows) delivered.set(r.id, r.status === 'delivered');
  return delivered;
}

/** The stored payload of a DPO alert (what the webhook carries; the email says the same). */
export async function dpoAlertPayloadOf(executor: SqlExecutor, deliveryId: string): Promise<DpoAlertPayload | undefined> {
  const row = (await executor.query<{ payload: DpoAlertPayload | string }>('SELECT payload FROM webhook_delivery WHERE id = $1 AND topic = $2', [deliveryId, DPO_ALERT])).rows[0];
  if (!row) return undefined;
  return typeof row.payload === 'string' ? (JSON.parse(row.payload) as DpoAlertPayload) : row.payload;
}
