/**
 * One surge customer from the first request to the last reply (bench/surge.ts): starts a Direct Line
 * conversation on its home instance and keeps the stream open there, then for each step of its flow thinks,
 * posts its message — to the two instances in turn, as a load balancer without affinity spreads requests — and
 * waits for the step's replies on the stream. The first thing that goes wrong ends the flow and is its error.
 *
 * A turn's time runs from just before the message is posted (for the start: before the token is asked for) to
 * the arrival on the stream of the last reply the step expects.
 */
import { randomUUID } from 'node:crypto';
import type { FlowKind, SurgeCustomer } from './surge-customers';
import { Arrival, DirectLineActivity, DirectLineCallError, DirectLineConversation } from './surge-direct-line';
import type { FlowFacts, Flows, FlowStep } from './surge-flows';

/** Why a flow stopped short. */
export type SurgeErrorKind = 'non-2xx' | 'no answer' | 'timeout' | 'apology' | 'unexpected reply' | 'stream' | 'no code mail' | 'stream differs from the store' | 'client';

export interface SurgeError {
  readonly kind: SurgeErrorKind;
  readonly flow: FlowKind;
  readonly step: string;
  /** Status, error code, or what came instead of what: never a customer's words. */
  readonly detail: string;
}

export interface TurnTime {
  readonly step: string;
  readonly ms: number;
}

export interface CustomerOutcome {
  readonly customer: SurgeCustomer;
  readonly completed: boolean;
  readonly error?: SurgeError;
  readonly turns: readonly TurnTime[];
  readonly conversationId?: string;
  readonly facts: FlowFacts;
}

/** A bot instance as the customers see it. */
export interface Instance {
  readonly name: string;
  readonly baseUrl: string;
}

/** Where the customers' mail is read: resolves with the next mail's text to `address`, or undefined after `timeoutMs`. */
export type MailReader = (address: string, timeoutMs: number) => { readonly mail: Promise<string | undefined> };

export interface CustomerDeps {
  readonly instances: readonly [Instance, Instance];
  readonly secret: string;
  readonly flows: Flows;
  /** Milliseconds to wait before the next message (reading, typing). */
  readonly thinkMs: () => number;
  readonly readMail: MailReader;
  /** Longest wait for an HTTP answer, a turn's replies or a mail, ms. */
  readonly timeoutMs: number;
  /** Starts of the bot's apologies: such a reply is an error of its own kind. */
  readonly apologies: readonly string[];
  /** Called with each turn as it completes (progress). */
  readonly onTurn?: () => void;
}

/** A flow that went wrong at a step. */
class FlowStopped extends Error {
  constructor(readonly surgeError: SurgeError) {
    super(`${surgeError.kind} at ${surgeError.step}: ${surgeError.detail}`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A reply, described for an error report without its text (which may hold a masked contact, a reference). */
function describe(activity: DirectLineActivity): string {
  const cards = (activity.attachments ?? []).map((attachment) => attachment.contentType.split('.').at(-1)).join(',');
  const start = (activity.text ?? '').slice(0, 60).replace(/\S+@\S+/g, '<email>').replace(/\d{3,}/g, '<n>');
  return `${activity.type} "${start}${(activity.text ?? '').length > 60 ? '…' : ''}"${cards ? ` [${cards}]` : ''}`;
}

export async function runCustomer(customer: SurgeCustomer, deps: CustomerDeps): Promise<CustomerOutcome> {
  const facts: FlowFacts = { verified: false, withdrawalConfirmed: false, caseShown: false };
  const turns: TurnTime[] = [];
  const steps = deps.flows[customer.kind];
  const home = deps.instances[customer.index % 2];
  const instanceAt = (stepIndex: number): Instance => deps.instances[(customer.index + stepIndex) % 2];
  const stop = (step: FlowStep, kind: SurgeErrorKind, detail: string): never => {
    throw new FlowStopped({ kind, flow: customer.kind, step: step.name, detail });
  };
  const failedCall = (step: FlowStep, err: unknown): never => {
    if (err instanceof DirectLineCallError) return stop(step, err.status === undefined ? 'no answer' : 'non-2xx', err.message);
    throw err;
  };
  let conversation: DirectLineConversation | undefined;

  /** Takes the step's replies off the stream, in order, each checked; resolves with the last one's arrival. */
  const awaitReplies = async (step: FlowStep, replyTo: string | undefined, startedAt: number): Promise<Arrival> => {
    const open = conversation as DirectLineConversation;
    const deadline = startedAt + deps.timeoutMs;
    let last: Arrival | undefined;
    for (const expected of step.replies(customer)) {
      const next = await open.next(deadline);
      if (next.kind === 'timeout') stop(step, 'timeout', `no ${expected.name} within ${deps.timeoutMs} ms`);
      if (next.kind === 'closed') stop(step, 'stream', next.reason);
      if (next.kind !== 'reply') break;
      const { activity } = next.arrival;
      if (deps.apologies.some((apology) => activity.text?.startsWith(apology))) stop(step, 'apology', describe(activity));
      const answersThisTurn = replyTo === undefined || activity.replyToId === replyTo;
      if (!answersThisTurn || !expected.accepts(activity, facts)) stop(step, 'unexpected reply', `awaited ${expected.name}, got ${describe(activity)}${answersThisTurn ? '' : ' (a reply to another message)'}`);
      last = next.arrival;
    }
    if (open.anomalies.length > 0) stop(step, 'stream', open.anomalies.join('; '));
    if (!last) return stop(step, 'unexpected reply', 'the step expects no reply');
    return last;
  };

  try {
    for (const [index, step] of steps.entries()) {
      if (step.say === undefined) {
        const startedAt = performance.now();
        conversation = await DirectLineConversation.start(home.baseUrl, deps.secret, 'en-US', deps.timeoutMs).catch((err: unknown) => failedCall(step, err));
        await conversation.openStream().catch((err: unknown) => failedCall(step, err));
        const last = await awaitReplies(step, undefined, startedAt);
        turns.push({ step: step.name, ms: last.at - startedAt });
        deps.onTurn?.();
        continue;
      }
      if (!conversation) return stop(step, 'stream', 'a flow must start its conversation first');
      await sleep(deps.thinkMs());
      const text = step.say(customer, facts);
      const mail = step.sendsCode ? deps.readMail(customer.email, deps.timeoutMs) : undefined;
      const startedAt = performance.now();
      const activityId = await conversation.post(instanceAt(index).baseUrl, text, randomUUID()).catch((err: unknown) => failedCall(step, err));
      const last = await awaitReplies(step, activityId, startedAt);
      turns.push({ step: step.name, ms: last.at - startedAt });
      deps.onTurn?.();
      if (mail) {
        const body = await mail.mail;
        const code = /\b(\d{6})\b/.exec(body ?? '')?.[1];
        if (!code) stop(step, 'no code mail', body === undefined ? `no mail within ${deps.timeoutMs} ms` : 'a mail without a 6-digit code');
        facts.code = code;
      }
    }
    // The stream brought each activity the endpoint stored, once, in order, and no reply beyond the expected ones.
    const lastStep = steps[steps.length - 1];
    const open = conversation as DirectLineConversation;
    const stored = await open.stored(deps.instances[(customer.index + 1) % 2].baseUrl).catch((err: unknown) => failedCall(lastStep, err));
    const storedIds = stored.map((activity) => activity.id);
    if (open.unread > 0) stop(lastStep, 'unexpected reply', `${open.unread} more repl${open.unread === 1 ? 'y' : 'ies'} than the flow expects`);
    if (storedIds.join() !== open.streamed.join()) stop(lastStep, 'stream differs from the store', `${open.streamed.length} activities on the stream, ${storedIds.length} stored`);
    return { customer, completed: true, turns, conversationId: open.id, facts };
  } catch (err) {
    // Anything else thrown on the customer's side (an answer the client cannot read) is this flow's error too:
    // counted, never retried, and the other customers go on.
    const surgeError = err instanceof FlowStopped ? err.surgeError : { kind: 'client' as const, flow: customer.kind, step: steps[turns.length]?.name ?? 'after the last step', detail: err instanceof Error ? `${err.name}: ${err.message.slice(0, 120)}` : String(err) };
    return { customer, completed: false, error: surgeError, turns, conversationId: conversation?.id, facts };
  } finally {
    conversation?.close();
  }
}
