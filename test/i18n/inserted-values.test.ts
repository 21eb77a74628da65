import assert from 'node:assert/strict';
import { scopeText as accessScopeText } from '../../dialogs/access-presentation';
import { readMessageCatalog, Translations } from '../../src/i18n/translator';
import { loadPurposeCatalog, parsePurposeCatalog, PurposeCatalog } from '../../src/ledger/purposes/purpose-catalog';
import { formatDateInZone, formatInZone } from '../../src/privacy/clocks/deadlines';
import { purposeLabel, purposePhrase, scopeText } from '../../src/privacy/consent/consent-wording';
import { codeMessageComposer } from '../../src/privacy/identity/one-time-code-message';

/**
 * Values put into sentences read right in every language: a purpose as the object of "stop" /
 * "receive" with its article (the catalog's phrase), lists and numbers with the grammatical number
 * they need (i18next plurals on `count`), and Italian times with no article glued to the day
 * ("il 8", "dal 11" are wrong; the weekday comes first: "da venerdì 8 gennaio").
 */
describe('values inserted into sentences', () => {
  let translations: Translations;
  let catalog: PurposeCatalog;
  before(async () => {
    translations = await Translations.load();
    catalog = loadPurposeCatalog();
  });

  describe('purposes inside a sentence use the catalog’s phrase; headings keep the label', () => {
    it('it: "Interrompo la nostra newsletter via email?", not "Interrompo newsletter via email?"', () => {
      const it = translations.for('it');
      const scope = scopeText([{ purposeId: 'newsletter', channel: 'email' }], catalog, it);
      assert.equal(it.t('consent.confirm.withdraw', { scope }), 'Interrompo la nostra newsletter via email?');
      assert.equal(purposeLabel(catalog, 'newsletter', it), 'Newsletter');
    });

    it('a scope of several purposes: each with its own article, in catalog order', () => {
      const pairs = [
        { purposeId: 'marketing_offers', channel: 'sms' as const },
        { purposeId: 'newsletter', channel: 'email' as const },
        { purposeId: 'marketing_offers', channel: 'email' as const },
      ];
      assert.equal(scopeText(pairs, catalog, translations.for('it')), 'la nostra newsletter via email e le offerte e le promozioni via SMS e email');
      assert.equal(scopeText(pairs, catalog, translations.for('en')), 'our newsletter by email and offers and promotions by SMS and email');
    });

    it('without a phrase, the label in lower case (acronyms kept); a language without text reads the English phrase', () => {
      const raw = JSON.parse(JSON.stringify({ version: 'test', purposes: catalog.purposes })) as { version: string; purposes: { id: string; text: Record<string, Record<string, string>> }[] };
      const offers = raw.purposes.find((purpose) => purpose.id === 'marketing_offers');
      assert.ok(offers);
      delete offers.text.it.phrase;
      const bare = parsePurposeCatalog(raw);
      assert.equal(purposePhrase(bare, 'marketing_offers', translations.for('it')), 'offerte e promozioni');
      const englishOnly = { locale: 'xx', t: () => '', list: () => [] } as unknown as Parameters<typeof purposePhrase>[2];
      assert.equal(purposePhrase(catalog, 'newsletter', englishOnly), 'our newsletter');
      assert.equal(purposePhrase(catalog, 'no_such_purpose', englishOnly), 'no_such_purpose');
    });
  });

  describe('lists and numbers take the plural form their count needs', () => {
    it('purposes that are not consent-based: "this purpose" for one, "these purposes" for two', () => {
      const expected = {
        en: [/^I can't switch service messages on or off here: this purpose doesn't rest/, /^I can't switch a and b on or off here: these purposes don't rest/],
        it: [/^Non posso attivare né disattivare i messaggi di servizio da qui: questa finalità non si basa/, /^Non posso attivare né disattivare a e b da qui: queste finalità non si basano/],
      };
      for (const locale of ['en', 'it'] as const) {
        const t = translations.for(locale);
        assert.match(t.t('consent.notConsentBased', { purposes: purposePhrase(catalog, 'service_updates', t), count: 1 }), expected[locale][0]);
        assert.match(t.t('consent.notConsentBased', { purposes: locale === 'en' ? 'a and b' : 'a e b', count: 2 }), expected[locale][1]);
      }
    });

    it('data categories: "this category" for one, "these categories" for more', () => {
      const categories = [
        { id: 'orders', label: { en: 'Orders', it: 'Ordini' } },
        { id: 'tickets', label: { en: 'Support tickets', it: 'Richieste all’assistenza' } },
      ] as unknown as Parameters<typeof accessScopeText>[1];
      assert.equal(accessScopeText(['orders'], categories, translations.for('en')), 'your data in this category: Orders');
      assert.equal(accessScopeText(['orders', 'tickets'], categories, translations.for('en')), 'your data in these categories: Orders and Support tickets');
      assert.equal(accessScopeText(['orders'], categories, translations.for('it')), 'dei suoi dati di questa categoria: Ordini');
      assert.equal(accessScopeText(['orders', 'tickets'], categories, translations.for('it')), 'dei suoi dati di queste categorie: Ordini e Richieste all’assistenza');
    });

    it('downloads of a copy: one download, or up to N downloads', () => {
      const vars = { reference: 'PRV-1', link: 'https://x/copies/t', expires: 'Friday, January 8, 2027', controller: 'Shop' };
      for (const kind of ['chat', 'text']) {
        assert.match(translations.for('en').t(`access.notice.ready.${kind}`, { ...vars, count: 1 }), /until Friday, January 8, 2027, for one download\./);
        assert.match(translations.for('en').t(`access.notice.ready.${kind}`, { ...vars, count: 3 }), /for up to 3 downloads\./);
        assert.match(translations.for('it').t(`access.notice.ready.${kind}`, { ...vars, count: 1 }), /per un solo download\./);
        assert.match(translations.for('it').t(`access.notice.ready.${kind}`, { ...vars, count: 3 }), /per al massimo 3 download\./);
      }
    });

    it('the minutes a code lasts: "1 minute", "10 minutes"', () => {
      const compose = codeMessageComposer({ translations, company: 'Shop', defaultLocale: 'en' });
      assert.match(compose('123456', 'en', 1).text, /It expires in 1 minute\./);
      assert.match(compose('123456', 'en', 10).smsText ?? '', /It expires in 10 minutes\./);
      assert.match(compose('123456', 'it', 1).text, /Scade tra 1 minuto\./);
      assert.match(compose('123456', 'it', 10).smsText ?? '', /Scade tra 10 minuti\./);
    });
  });

  describe('Italian times: no article or articled preposition before the day, whatever the day', () => {
    /** Placeholders that receive a formatted date or time (`formatInZone`, `formatDateInZone`). */
    const TIME_PLACEHOLDERS = new Set(['time', 'issuedAt', 'receivedAt', 'generatedAt', 'expiresAt', 'received', 'due', 'date', 'expires', 'reportedAt', 'occurredAt', 'awarenessAt']);
    const WEEKDAYS = 'lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica';
    /** "il 8", "dal 11", "l'8", "al 1", and "il venerdì 8", "dal lunedì 11": the article belongs to no wording that suits every day. */
    const ARTICLE_BEFORE_DAY = new RegExp(`(?<![\\p{L}'’])(il|lo|l['’]|dal|dall['’]|al|all['’]|del|dell['’]|nel|nell['’]|sul|sull['’])\\s*(\\d|(?:${WEEKDAYS})(?!\\p{L}))`, 'iu');
    /** The 1st, the 8th and the 11th (l'8, l'11, il 1°: no article suits them all) at 10:00 in Rome. */
    const DAYS = ['2027-01-01T09:00:00Z', '2027-01-08T09:00:00Z', '2027-01-11T09:00:00Z'].map((iso) => new Date(iso));
    const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

    function leaves(value: unknown, where = ''): [string, string][] {
      if (typeof value === 'string') return [[where, value]];
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
      return Object.entries(value).flatMap(([key, inner]) => leaves(inner, where ? `${where}.${key}` : key));
    }

    it('every Italian message with a time reads right on the 1st, the 8th and the 11th', () => {
      const withTimes = leaves(readMessageCatalog('it')).filter(([, text]) => [...text.matchAll(PLACEHOLDER)].some((m) => TIME_PLACEHOLDERS.has(m[1])));
      assert.ok(withTimes.length >= 20, `found ${withTimes.length} Italian messages with a time: is the list of placeholders still right?`);
      const wrong: string[] = [];
      for (const [key, text] of withTimes) {
        for (const day of DAYS) {
          for (const format of [formatInZone, formatDateInZone]) {
            const said = text.replace(PLACEHOLDER, (_, name: string) => (TIME_PLACEHOLDERS.has(name) ? format(day, 'Europe/Rome', 'it') : 'X'));
            const found = ARTICLE_BEFORE_DAY.exec(said);
            if (found) wrong.push(`${key}: "…${said.slice(Math.max(0, found.index - 20), found.index + 30)}…"`);
          }
        }
      }
      assert.deepEqual([...new Set(wrong)], []);
    });

    it('the checker flags what was wrong before ("Dal 8", "il 11", "dal venerdì 8") and passes "da venerdì 8"', () => {
      for (const bad of ['Fatto. Dal 8 gennaio 2027', 'ricevuta il 11 gennaio', 'fino al 1 gennaio', 'Dal venerdì 8 gennaio', "l'8 gennaio"]) assert.match(bad, ARTICLE_BEFORE_DAY, bad);
      for (const good of ['Fatto. Da venerdì 8 gennaio 2027 alle ore 10:00 CET', 'ricevuta lunedì 11 gennaio', 'fino a venerdì 1 gennaio', 'entro il termine', 'Il link funziona']) assert.doesNotMatch(good, ARTICLE_BEFORE_DAY, good);
    });

    it('English and Italian format a time with its weekday first', () => {
      for (const locale of ['en', 'it']) {
        const said = formatInZone(DAYS[1], 'Europe/Rome', locale);
        assert.match(said, locale === 'it' ? /^venerdì 8 gennaio 2027/ : /^Friday, January 8, 2027/, `${locale}: ${said}`);
      }
    });
  });
});
