import { AppError } from '../errors/app-error';

/** Activity types of Bot Framework protocol v3 that the bot accepts (others get 400). */
export const ACCEPTED_ACTIVITY_TYPES: ReadonlySet<string> = new Set([
  'message',
  'conversationUpdate',
  'contactRelationUpdate',
  'typing',
  'endOfConversation',
  'event',
  'invoke',
  'installationUpdate',
  'messageReaction',
  'messageUpdate',
  'messageDelete',
]);

const MAX_ID_LENGTH = 512;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireId(holder: Record<string, unknown>, field: string, path: string): void {
  const value = holder[field];
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_ID_LENGTH) {
    throw new AppError('PSB_ACTIVITY_INVALID', `${path} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`, { field: path });
  }
}

/**
 * Checks the shape of an incoming activity before the adapter sees it, so a malformed request
 * gets a 400 naming the field instead of an exception deep inside a turn.
 */
export function assertActivityShape(body: unknown): void {
  if (!isRecord(body)) throw new AppError('PSB_ACTIVITY_INVALID', 'the body must be a JSON object (a Bot Framework activity)', { field: '$' });
  if (typeof body.type !== 'string' || body.type === '') throw new AppError('PSB_ACTIVITY_INVALID', 'type must be a non-empty string', { field: 'type' });
  if (!ACCEPTED_ACTIVITY_TYPES.has(body.type)) {
    throw new AppError('PSB_ACTIVITY_TYPE_UNKNOWN', `activity type "${body.type.slice(0, 40)}" is not accepted`, { field: 'type' });
  }
  requireId(body, 'channelId', 'channelId');
  if (!isRecord(body.conversation)) throw new AppError('PSB_ACTIVITY_INVALID', 'conversation must be an object with an id', { field: 'conversation' });
  requireId(body.conversation, 'id', 'conversation.id');
  if (!isRecord(body.from)) throw new AppError('PSB_ACTIVITY_INVALID', 'from must be an object with an id', { field: 'from' });
  requireId(body.from, 'id', 'from.id');
  if (body.id !== undefined) requireId(body, 'id', 'id');
  if (body.text !== undefined && body.text !== null && typeof body.text !== 'string') {
    throw new AppError('PSB_ACTIVITY_INVALID', 'text must be a string', { field: 'text' });
  }
  if (body.locale !== undefined && body.locale !== null && typeof body.locale !== 'string') {
    throw new AppError('PSB_ACTIVITY_INVALID', 'locale must be a string', { field: 'locale' });
  }
  const expectReplies = body.deliveryMode === 'expectReplies';
  if (body.serviceUrl === undefined && !expectReplies) {
    throw new AppError('PSB_ACTIVITY_INVALID', 'serviceUrl is required unless deliveryMode is "expectReplies"', { field: 'serviceUrl' });
  }
  if (body.serviceUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = typeof body.serviceUrl === 'string' ? new URL(body.serviceUrl) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new AppError('PSB_ACTIVITY_INVALID', 'serviceUrl must be an http(s) URL', { field: 'serviceUrl' });
    }
  }
}
