import { Writable } from 'node:stream';
import { Activity } from 'botbuilder';
import { App, AppOverrides, createApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createLogger, Logger } from '../../src/log/logger';
import { IntentRecognizer } from '../../src/nlu/intents';
import { LinearIntentRecognizer } from '../../src/nlu/linear-intent-recognizer';

let sharedRecognizer: Promise<IntentRecognizer> | undefined;

/** The real classifier, trained once per test process (training takes seconds). */
export function trainedRecognizer(): Promise<IntentRecognizer> {
  const training = sharedRecognizer ?? LinearIntentRecognizer.train({ threshold: loadConfig({}).nluThreshold, cacheDir: loadConfig({}).nluCacheDir });
  sharedRecognizer = training;
  return training;
}

/** Collects every log line an app writes, to assert on what it logged (and never logs). */
export class LogCapture {
  readonly lines: string[] = [];
  readonly logger: Logger;

  constructor(level = 'debug') {
    const lines = this.lines;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        callback();
      },
    });
    this.logger = createLogger({ level, destination: stream });
  }

  get text(): string {
    return this.lines.join('\n');
  }
}

export interface RunningApp {
  readonly app: App;
  readonly baseUrl: string;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

/** Starts the real app on a free port with the given environment (plus test defaults). */
export async function startTestApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<RunningApp> {
  const options = loadConfig({ PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', LEDGER_DIR: 'memory://', ...env });
  const logs = new LogCapture();
  const app = await createApp(options, logs.logger, { recognizer: overrides.recognizer ?? (await trainedRecognizer()), ...overrides });
  const port = await app.listen();
  return { app, baseUrl: `http://127.0.0.1:${port}`, logs, close: () => app.close() };
}

let sequence = 0;

/** A message activity as a channel would send it, asking for the replies in the response. */
export function messageActivity(conversationId: string, text: string, extra: Partial<Activity> = {}): Partial<Activity> {
  sequence += 1;
  return {
    type: 'message',
    id: `act-${process.pid}-${sequence}-${Math.random().toString(36).slice(2, 8)}`,
    channelId: 'test',
    serviceUrl: 'http://127.0.0.1:1',
    deliveryMode: 'expectReplies',
    conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: `user-of-${conversationId}`, name: 'Customer' },
    recipient: { id: 'bot', name: 'Privacy bot' },
    locale: 'en-US',
    text,
    ...extra,
  };
}

export function conversationUpdateActivity(conversationId: string, extra: Partial<Activity> = {}): Partial<Activity> {
  return messageActivity(conversationId, '', {
    type: 'conversationUpdate',
    text: undefined,
    membersAdded: [
      { id: 'bot', name: 'Privacy bot' },
      { id: `user-of-${conversationId}`, name: 'Customer' },
    ],
    ...extra,
  });
}

export interface PostResult {
  status: number;
  body: unknown;
  /** Reply activities (expectReplies); empty when none. */
  replies: Partial<Activity>[];
  /** Texts of the replies, in order. */
  texts: string[];
}

/** Posts an activity (or raw body) to /api/messages. */
export async function postActivity(baseUrl: string, activity: unknown, headers: Record<string, string> = {}): Promise<PostResult> {
  const body = typeof activity === 'string' ? activity : JSON.stringify(activity);
  const response = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const raw = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = raw ? JSON.parse(raw) : undefined;
  } catch {
    parsed = raw;
  }
  const replies = ((parsed as { activities?: Partial<Activity>[] } | undefined)?.activities ?? []).filter((a) => a.type === 'message');
  return { status: response.status, body: parsed, replies, texts: replies.map((a) => a.text ?? '') };
}

export function uniqueConversationId(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
