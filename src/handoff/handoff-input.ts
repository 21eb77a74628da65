import { POLICY_ACTIONS } from '../privacy/assurance/assurance-policy';
import type { CompleteHandoff } from './handoff-hub';
import { HandoffError } from './handoff-errors';
import type { HandoffReason, NewHandoff, TranscriptLine, VerificationOutcome } from './handoff-types';

/** The longest message a customer or an agent may relay, in characters (code points). */
export const MAX_MESSAGE_CHARS = 2000;
/** The longest outcome note, in characters (code points). */
export const MAX_NOTE_CHARS = 2000;

export const HANDOFF_REASONS: readonly HandoffReason[] = ['verification', 'customer_request', 'incident', 'breach'];
export const VERIFICATION_OUTCOMES: readonly VerificationOutcome[] = ['verified', 'failed', 'none'];
/**
 * How an agent may have checked an identity: the ledger's verification methods an agent can use
 * ('channel_authenticated' is the channel's, never an agent's).
 */
export const HANDOFF_VERIFICATION_METHODS = ['agent_check', 'document', 'knowledge'] as const;

const TRANSCRIPT_SPEAKERS: readonly TranscriptLine['from'][] = ['customer', 'bot', 'agent'];
const IDENTITY_KINDS = ['email', 'phone', 'customer_number', 'aad_object_id'];

function isSpeaker(value: unknown): value is TranscriptLine['from'] {
  return (TRANSCRIPT_SPEAKERS as readonly unknown[]).includes(value);
}

function invalid(field: string, message: string): HandoffError {
  return new HandoffError('PSB_HANDOFF_INVALID', message, { field });
}

function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, `"${field}" must be a non-empty string`);
  return value;
}

/** A relayed message: a string with something besides whitespace, at most MAX_MESSAGE_CHARS. */
export function checkMessageText(text: unknown): string {
  if (typeof text !== 'string' || text.trim() === '') throw invalid('text', 'a message needs some text');
  const chars = charCount(text);
  if (chars > MAX_MESSAGE_CHARS) throw invalid('text', `a message holds at most ${MAX_MESSAGE_CHARS} characters (this one has ${chars})`);
  return text;
}

export function checkTicketId(ticketId: unknown): string {
  return nonEmptyString('ticketId', ticketId);
}

export function checkAgent(agent: unknown): string {
  return nonEmptyString('agent', agent);
}

/** An outcome: a known verification, a known method unless 'none', a note of bounded length. */
export function checkCompletion(outcome: CompleteHandoff): CompleteHandoff {
  if (!isPlainObject(outcome)) throw invalid('verification', 'an outcome needs "verification"');
  const { verification, method, note } = outcome;
  if (!(VERIFICATION_OUTCOMES as readonly unknown[]).includes(verification)) {
    throw invalid('verification', `"verification" must be one of ${VERIFICATION_OUTCOMES.join(', ')} (got ${String(verification)})`);
  }
  if (method !== undefined && !(HANDOFF_VERIFICATION_METHODS as readonly unknown[]).includes(method)) {
    throw invalid('method', `"method" must be one of ${HANDOFF_VERIFICATION_METHODS.join(', ')} (got ${String(method)})`);
  }
  if (method === undefined && verification !== 'none') throw invalid('method', `"method" is required when verification is "${verification}"`);
  if (note !== undefined && typeof note !== 'string') throw invalid('note', '"note" must be a string');
  if (note !== undefined && charCount(note) > MAX_NOTE_CHARS) throw invalid('note', `"note" holds at most ${MAX_NOTE_CHARS} characters`);
  return { verification, ...(method !== undefined ? { method } : {}), ...(note !== undefined && note !== '' ? { note } : {}) };
}

/**
 * Checks what the bot queues. The initial transcript keeps its last `maxLines` lines, and a line
 * longer than MAX_MESSAGE_CHARS is cut there (it is context for the agent, not a message).
 */
export function checkNewHandoff(input: NewHandoff, maxLines: number): NewHandoff {
  if (!isPlainObject(input)) throw invalid('handoff', 'a handoff must be an object');
  if (!HANDOFF_REASONS.includes(input.reason)) throw invalid('reason', `"reason" must be one of ${HANDOFF_REASONS.join(', ')}`);
  nonEmptyString('locale', input.locale);
  nonEmptyString('channelId', input.channelId);
  if (!isPlainObject(input.conversation)) throw invalid('conversation', '"conversation" must be an object (a serialized ConversationReference)');
  if (input.pendingAction !== undefined && !(POLICY_ACTIONS as readonly string[]).includes(input.pendingAction)) {
    throw invalid('pendingAction', `"pendingAction" must be one of ${POLICY_ACTIONS.join(', ')}`);
  }
  const identity = input.claimedIdentity;
  if (identity !== undefined) {
    if (!isPlainObject(identity) || !IDENTITY_KINDS.includes(identity.kind) || typeof identity.masked !== 'string') {
      throw invalid('claimedIdentity', `"claimedIdentity" needs a kind (${IDENTITY_KINDS.join(', ')}) and a masked value`);
    }
    if (identity.subjectId !== undefined && typeof identity.subjectId !== 'string') throw invalid('claimedIdentity', '"claimedIdentity.subjectId" must be a string');
  }
  if (!Array.isArray(input.transcript)) throw invalid('transcript', '"transcript" must be an array of lines');
  const transcript = input.transcript.slice(-maxLines).map((line, i): TranscriptLine => {
    if (!isPlainObject(line) || !isSpeaker(line.from) || typeof line.text !== 'string' || typeof line.at !== 'string') {
      throw invalid('transcript', `transcript line ${i + 1} needs from (${TRANSCRIPT_SPEAKERS.join(', ')}), text and at`);
    }
    const text = charCount(line.text) > MAX_MESSAGE_CHARS ? Array.from(line.text).slice(0, MAX_MESSAGE_CHARS).join('') : line.text;
    return { from: line.from, text, at: line.at };
  });
  return { ...input, transcript };
}
