import { SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { LOCALES_DIR } from '../paths';
import type { ConcernTopic } from '../privacy/concerns/concern-types';
import { EntityListError, entityLanguage, readEntityLists } from './entity-lists';
import { PhraseMatcher } from './phrase-matcher';

/** Every topic, each needing its words in every language (the record makes the compiler check none is left out). */
const TOPIC_SET: Readonly<Record<ConcernTopic, true>> = { breach: true, use: true, answer: true, other: true };
const CONCERN_TOPICS = Object.keys(TOPIC_SET) as ConcernTopic[];
const KEY_PREFIX = 'concernTopics.';

/** What the report dialog asks of the topic words. */
export interface ConcernTopicReader {
  recognize(text: string, locale: string): ConcernTopic | undefined;
}

/**
 * What a reported concern is about, from the customer's words (`concernTopics` in
 * `locales/<lang>/entities.json`, which also lists the topic buttons' labels): a suspected breach,
 * how we use their data, an answer they got from us, or something else. A breach word wins over
 * the others ("someone hacked my account and sold my data"): a suspected breach must not be
 * missed, it alerts the DPO. Two other topics at once, or none, give undefined (the dialog asks).
 * Built once at start.
 */
export class ConcernTopicRecognizer implements ConcernTopicReader {
  private constructor(private readonly matchers: ReadonlyMap<string, PhraseMatcher>) {}

  /** Reads every shipped language's list; a topic missing or unknown throws an {@link EntityListError} naming file and key. */
  static load(localesDir = LOCALES_DIR): ConcernTopicRecognizer {
    const matchers = new Map<string, PhraseMatcher>();
    for (const locale of SHIPPED_LOCALES) {
      const lists = readEntityLists(locale, localesDir);
      for (const topic of Object.keys(lists.concernTopics)) {
        if (!(CONCERN_TOPICS as readonly string[]).includes(topic)) throw new EntityListError(lists.file, `concernTopics.${topic}`, `unknown topic (known: ${CONCERN_TOPICS.join(', ')})`);
      }
      for (const topic of CONCERN_TOPICS) {
        if (!lists.concernTopics[topic]) throw new EntityListError(lists.file, `concernTopics.${topic}`, 'missing: every topic needs its words');
      }
      // Keyed by the entry's path, so an error names it as the file does ("concernTopics.use").
      matchers.set(locale, new PhraseMatcher(lists.file, Object.fromEntries(CONCERN_TOPICS.map((topic) => [`${KEY_PREFIX}${topic}`, lists.concernTopics[topic]]))));
    }
    return new ConcernTopicRecognizer(matchers);
  }

  recognize(text: string, locale: string): ConcernTopic | undefined {
    const found = new Set((this.matchers.get(entityLanguage(locale, this.matchers))?.find(text) ?? []).map((key) => key.slice(KEY_PREFIX.length)));
    if (found.has('breach')) return 'breach';
    const [only, ...more] = [...found];
    return only !== undefined && more.length === 0 ? (only as ConcernTopic) : undefined;
  }
}
