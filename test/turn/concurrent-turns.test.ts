import assert from 'node:assert/strict';
import Redis from 'ioredis';
import type { ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translations } from '../../src/i18n/translator';
import { RedisStorage } from '../../src/state/redis-storage';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../support/services';
import { messageActivity, postActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';
import { welcomeText } from '../../dialogs/welcome';

const REDIS_URL = 'redis://127.0.0.1:6379';

type Kind = 'fallback' | 'help' | 'cancel';
const KINDS: readonly Kind[] = ['fallback', 'help', 'cancel'];

/** What the customer types: off-topic words, or the help and cancel keywords of `locale`. */
function utterance(kind: Kind, locale: ShippedLocale, i: number): string {
  if (kind === 'fallback') return `blorp ${i} zzkx`;
  if (kind === 'help') return locale === 'en' ? 'help' : 'aiuto';
  return locale === 'en' ? 'cancel' : 'annulla';
}

let translations: Translations;

/** A sentence only the reply to (kind, locale) contains. */
function signature(kind: Kind, locale: ShippedLocale): string {
  const t = translations.for(locale);
  if (kind === 'fallback') return t.t('bot.fallback');
  if (kind === 'help') return t.t('help.intro');
  return t.t('cancel.nothing');
}

describe('concurrent turns of one conversation on two instances sharing Redis', function () {
  this.timeout(60_000);
  let prefix: string;
  let first: RunningApp;
  let second: RunningApp;
  let redis: Redis;

  before(async () => {
    await requireRedis(REDIS_URL);
    prefix = uniqueRedisPrefix();
    translations = await Translations.load();
    first = await startTestApp({ REDIS_URL, REDIS_PREFIX: prefix });
    second = await startTestApp({ REDIS_URL, REDIS_PREFIX: prefix });
    redis = new Redis(REDIS_URL);
  });
  after(async () => {
    await first?.close();
    await second?.close();
    if (redis) {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    }
  });

  it('20 messages sent at once, alternating instances: none lost, each answered once, with its own reply', async () => {
    const conversationId = uniqueConversationId('race');
    // Three answers that need no dialog state (so any order of turns gives them), in two languages
    // (the channel's locale decides, nothing is remembered): six distinct replies, each tied to its
    // message by replyToId, so a reply delivered to the wrong message shows.
    const asks = Array.from({ length: 20 }, (_, i) => {
      const kind = KINDS[i % KINDS.length];
      const locale: ShippedLocale = Math.floor(i / 2) % 2 === 0 ? 'en' : 'it';
      return { kind, locale, activity: messageActivity(conversationId, utterance(kind, locale, i), { locale: locale === 'en' ? 'en-US' : 'it-IT' }) };
    });
    const results = await Promise.all(asks.map(({ activity }, i) => postActivity((i % 2 === 0 ? first : second).baseUrl, activity)));

    const signatures = asks.map(({ kind, locale }) => signature(kind, locale));
    const everySignature = [...new Set(signatures)];
    assert.equal(everySignature.length, KINDS.length * 2, 'six different replies are expected');
    const welcomeTexts = new Set((['en', 'it'] as const).map((locale) => welcomeText(translations.for(locale))));
    results.forEach((result, i) => {
      const { activity, kind, locale } = asks[i];
      assert.equal(result.status, 200, `message ${i} status`);
      for (const reply of result.replies) assert.equal(reply.replyToId, activity.id, `message ${i}: every reply in its response answers it`);
      const answers = result.texts.filter((text) => !welcomeTexts.has(text));
      assert.equal(answers.length, 1, `message ${i} got exactly one answer: ${JSON.stringify(result.texts)}`);
      const others = everySignature.filter((s) => s !== signatures[i]);
      assert.ok(answers[0].includes(signatures[i]), `message ${i} (${kind}, ${locale}) got its own answer: ${JSON.stringify(answers[0])}`);
      assert.ok(!others.some((s) => answers[0].includes(s)), `message ${i} (${kind}, ${locale}) got no other message's answer: ${JSON.stringify(answers[0])}`);
    });
    const welcomes = results.flatMap((r, i) => r.texts.filter((t) => welcomeTexts.has(t)).map((t) => ({ t, locale: asks[i].locale })));
    assert.equal(welcomes.length, 1, 'the conversation is greeted exactly once');
    assert.equal(welcomes[0].t, welcomeText(translations.for(welcomes[0].locale)), 'in the language of the message it came with');

    const storage = new RedisStorage({ client: redis, prefix: `${prefix}state:`, ttlSecondsForKey: () => 60 });
    const key = `test/conversations/${conversationId}`;
    const stored = (await storage.read([key]))[key] as { bookkeeping: { turnCount: number; processedActivityIds: string[] } };
    assert.equal(stored.bookkeeping.turnCount, 20);
    assert.deepEqual([...stored.bookkeeping.processedActivityIds].sort(), asks.map((a) => a.activity.id as string).sort());
  });

  it('the same activity delivered to both instances at once is processed once', async () => {
    const activity = messageActivity(uniqueConversationId('dup'), 'blorp once');
    const [a, b] = await Promise.all([postActivity(first.baseUrl, activity), postActivity(second.baseUrl, activity)]);
    const answered = [a, b].filter((r) => r.replies.length > 0);
    assert.equal(answered.length, 1, `exactly one delivery answered: ${JSON.stringify([a.texts, b.texts])}`);
  });
});
