import assert from 'node:assert/strict';
import { Activity, ActivityTypes, TestAdapter, TurnContext } from 'botbuilder';
import { AppError } from '../../src/errors/app-error';
import { createLogger } from '../../src/log/logger';
import { DocumentChange, DocumentStorage, StoredDocument } from '../../src/state/document-storage';
import { MemorySessionStorage } from '../../src/state/memory-session-storage';
import { SessionProperty } from '../../src/turn/session-property';
import { TurnRunner } from '../../src/turn/turn-runner';
import { SessionStore } from '../../src/turn/turn-session';

/** The in-process session store, counting reads and writes, that lets a test slip another instance's write in just before ours. */
class RacingStorage implements DocumentStorage {
  beforeNextWrite?: () => Promise<void>;
  reads = 0;
  writes = 0;
  writtenKeys: string[][] = [];
  constructor(readonly inner: MemorySessionStorage) {}
  async readDocuments(keys: readonly string[]): Promise<Record<string, StoredDocument>> {
    this.reads += 1;
    return this.inner.readDocuments(keys);
  }
  async writeDocuments(changes: Readonly<Record<string, DocumentChange>>): Promise<Record<string, string>> {
    this.writes += 1;
    const race = this.beforeNextWrite;
    this.beforeNextWrite = undefined;
    if (race) await race();
    this.writtenKeys.push(Object.keys(changes));
    return this.inner.writeDocuments(changes);
  }
}

const counter = new SessionProperty<number>('conversation', 'counter');
const silent = createLogger({ level: 'silent' });

function activity(id: string, text = 'hi'): Partial<Activity> {
  return { type: ActivityTypes.Message, id, text, channelId: 'test', conversation: { id: 'conv-1', isGroup: false, conversationType: 'personal', name: '' }, from: { id: 'user-1', name: 'Customer' }, recipient: { id: 'bot', name: 'Bot' } };
}

describe('TurnRunner', () => {
  let storage: RacingStorage;
  let runner: TurnRunner;
  let adapter: TestAdapter;
  let sent: string[] = [];

  beforeEach(() => {
    storage = new RacingStorage(new MemorySessionStorage({ ttlSecondsForKey: () => 60 }));
    runner = new TurnRunner({ store: new SessionStore(storage), maxAttempts: 3, logger: silent, backoffMs: () => 0 });
    adapter = new TestAdapter(async () => undefined);
    // What actually left the bot: TestAdapter queues every sent activity.
    sent = [];
    const sendActivities = adapter.sendActivities.bind(adapter);
    adapter.sendActivities = async (context, activities) => {
      sent.push(...activities.map((a) => a.text ?? ''));
      return sendActivities(context, activities);
    };
  });

  async function turn(id: string, logic: (context: TurnContext) => Promise<void>) {
    let outcome: string | undefined;
    await adapter.processActivity(activity(id), async (context) => {
      outcome = await runner.run(context, logic);
    });
    return outcome;
  }

  const increment = async (context: TurnContext): Promise<void> => {
    const value = (await counter.get(context, 0)) + 1;
    await counter.set(context, value);
    await context.sendActivity(`count ${value}`);
  };

  it('reads once and writes once per turn', async () => {
    await turn('a1', increment);
    assert.deepEqual([storage.reads, storage.writes], [1, 1]);
    assert.deepEqual(sent, ['count 1']);
  });

  it('re-runs a turn that lost a race, on fresh state, and sends only the committed replies', async () => {
    await turn('a1', increment);
    // Another instance commits a turn of the same conversation between our read and our write.
    storage.beforeNextWrite = async () => {
      const key = 'test/conversations/conv-1';
      const current = (await storage.inner.read([key]))[key];
      await storage.inner.write({ [key]: { ...current, counter: 10 } });
    };
    sent = [];
    const outcome = await turn('a2', increment);
    assert.equal(outcome, 'committed');
    assert.deepEqual(sent, ['count 11'], 'the lost attempt said nothing; the re-run built on the other turn');
  });

  it('skips an activity id it already processed', async () => {
    await turn('a1', increment);
    sent = [];
    assert.equal(await turn('a1', increment), 'duplicate');
    assert.deepEqual(sent, []);
  });

  it('gives up with PSB_TURN_BUSY after maxAttempts races, having sent nothing', async () => {
    const alwaysRace = async () => {
      const key = 'test/conversations/conv-1';
      const current = (await storage.inner.read([key]))[key] ?? {};
      await storage.inner.write({ [key]: { ...current, eTag: '*', noise: Math.random() } });
      storage.beforeNextWrite = alwaysRace;
    };
    storage.beforeNextWrite = alwaysRace;
    await assert.rejects(
      turn('a3', increment),
      (err: unknown) => err instanceof AppError && err.code === 'PSB_TURN_BUSY',
    );
    assert.deepEqual(sent, []);
  });

  it('a failing turn commits nothing and lets the error reply through', async () => {
    await turn('a1', increment);
    sent = [];
    await assert.rejects(
      turn('a4', async (context) => {
        await counter.set(context, 99);
        await context.sendActivity('half-way');
        throw new Error('boom');
      }),
    );
    assert.deepEqual(sent, [], 'the failed attempt\'s replies are dropped');
    await turn('a5', increment);
    assert.deepEqual(sent, ['count 2'], 'state is as before the failed turn');
  });

  it('writes only the documents a turn changed: a turn that touches no user state leaves the user document unwritten', async () => {
    await turn('a1', increment);
    await turn('a2', increment);
    const stored = await storage.inner.read(['test/conversations/conv-1', 'test/users/user-1']);
    assert.equal((stored['test/conversations/conv-1'] as { counter?: number }).counter, 2);
    assert.equal(stored['test/users/user-1'], undefined, 'no user document was created');
    assert.deepEqual(storage.writtenKeys, [['test/conversations/conv-1'], ['test/conversations/conv-1']]);
  });
});
