import { SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { CHANNELS, Channel, PurposeCatalog } from '../ledger/purposes/purpose-catalog';
import { LOCALES_DIR } from '../paths';
import { EntityListError, EntityLists, entityLanguage, readEntityLists } from './entity-lists';
import { PhraseMatcher } from './phrase-matcher';
import type { ScopeRequest } from '../privacy/consent/consent-scope';

/**
 * What a customer's message names about consents: which purposes and channels (in catalog order,
 * no duplicates), "all marketing", "all channels", "everything" (ambiguous: the dialog confirms
 * it) — the domain's {@link ScopeRequest} — and whether it is a history question ("when did I agree…").
 */
export interface ConsentScopeMention extends ScopeRequest {
  readonly asksWhen: boolean;
}

const PURPOSE_KEY = 'purposes.';
const CHANNEL_KEY = 'channels.';

/** Checks one language's purpose and channel words against the catalog, both ways. */
function checkAgainstCatalog(lists: EntityLists, catalog: PurposeCatalog): void {
  for (const id of Object.keys(lists.purposes)) {
    if (catalog.get(id) === undefined) {
      throw new EntityListError(lists.file, `${PURPOSE_KEY}${id}`, `the purposes catalog has no purpose "${id}" (it has ${catalog.purposes.map((p) => p.id).join(', ')})`);
    }
  }
  for (const purpose of catalog.purposes) {
    if (lists.purposes[purpose.id] === undefined) {
      throw new EntityListError(lists.file, `${PURPOSE_KEY}${purpose.id}`, `missing: the catalog has purpose "${purpose.id}", so customers need words for it`);
    }
  }
  for (const channel of Object.keys(lists.channels)) {
    if (!(CHANNELS as readonly string[]).includes(channel)) {
      throw new EntityListError(lists.file, `${CHANNEL_KEY}${channel}`, `unknown channel "${channel}" (channels: ${CHANNELS.join(', ')})`);
    }
  }
  for (const channel of CHANNELS) {
    const usedBy = catalog.purposes.find((purpose) => purpose.channels.includes(channel));
    if (usedBy !== undefined && lists.channels[channel] === undefined) {
      throw new EntityListError(lists.file, `${CHANNEL_KEY}${channel}`, `missing: purpose "${usedBy.id}" of the catalog uses channel "${channel}"`);
    }
  }
}

/** One matcher over every scope phrase of a language, keyed "purposes.<id>", "channels.<id>", "allMarketing"… */
function scopeMatcher(lists: EntityLists): PhraseMatcher {
  const keyed: Record<string, readonly string[]> = {
    allMarketing: lists.allMarketing,
    allChannels: lists.allChannels,
    everything: lists.everything,
    history: lists.history,
  };
  for (const [id, phrases] of Object.entries(lists.purposes)) keyed[`${PURPOSE_KEY}${id}`] = phrases;
  for (const [channel, phrases] of Object.entries(lists.channels)) keyed[`${CHANNEL_KEY}${channel}`] = phrases;
  return new PhraseMatcher(lists.file, keyed);
}

/**
 * Reads purposes and channels from a customer's words ("stop texting me offers" → offers by
 * SMS), in every shipped language, from `locales/<lang>/entities.json`. Built once at start;
 * recognising is a word lookup (no I/O, no model).
 */
export class ConsentScopeRecognizer {
  private constructor(
    private readonly matchers: ReadonlyMap<string, PhraseMatcher>,
    private readonly purposeOrder: readonly string[],
  ) {}

  /**
   * Reads every shipped language's `entities.json` under `localesDir` once. Throws an
   * {@link EntityListError} naming the file and key for a purpose the catalog does not have, an
   * unknown channel, a catalog purpose or used channel without words, or a phrase listed twice.
   */
  static load(catalog: PurposeCatalog, localesDir = LOCALES_DIR): ConsentScopeRecognizer {
    const matchers = new Map<string, PhraseMatcher>();
    for (const locale of SHIPPED_LOCALES) {
      const lists = readEntityLists(locale, localesDir);
      checkAgainstCatalog(lists, catalog);
      matchers.set(locale, scopeMatcher(lists));
    }
    return new ConsentScopeRecognizer(
      matchers,
      catalog.purposes.map((purpose) => purpose.id),
    );
  }

  /** What `text` names, read with the words of `locale` ("it-IT" → it; a language we don't ship → English). */
  recognize(text: string, locale: string): ConsentScopeMention {
    const matcher = this.matchers.get(entityLanguage(locale, this.matchers));
    const keys = new Set(matcher?.find(text) ?? []);
    return Object.freeze({
      purposeIds: Object.freeze(this.purposeOrder.filter((id) => keys.has(`${PURPOSE_KEY}${id}`))),
      allMarketing: keys.has('allMarketing'),
      channels: Object.freeze(CHANNELS.filter((channel) => keys.has(`${CHANNEL_KEY}${channel}`))),
      allChannels: keys.has('allChannels'),
      everything: keys.has('everything'),
      asksWhen: keys.has('history'),
    });
  }
}
