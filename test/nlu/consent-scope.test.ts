import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { Channel, DEFAULT_PURPOSES_FILE, loadPurposeCatalog, parsePurposeCatalog, PurposeCatalog } from '../../src/ledger/purposes/purpose-catalog';
import { LOCALES_DIR } from '../../src/paths';
import { ConsentScopeMention, ConsentScopeRecognizer } from '../../src/nlu/consent-scope-recognizer';
import { EntityListError } from '../../src/nlu/entity-lists';

/** What a line should name; anything left out is "nothing" (no purpose, no channel, flags off). */
interface Named {
  purposes?: string[];
  channels?: Channel[];
  allMarketing?: true;
  allChannels?: true;
  everything?: true;
  asksWhen?: true;
}

function mention(named: Named): ConsentScopeMention {
  return {
    purposeIds: named.purposes ?? [],
    allMarketing: named.allMarketing ?? false,
    channels: named.channels ?? [],
    allChannels: named.allChannels ?? false,
    everything: named.everything ?? false,
    asksWhen: named.asksWhen ?? false,
  };
}

const NOTHING: Named = {};

const CASES: Record<string, [string, Named][]> = {
  en: [
    ['Stop texting me offers', { purposes: ['marketing_offers'], channels: ['sms'] }],
    ["I don't want your texts", { channels: ['sms'] }],
    ['no more text messages please', { channels: ['sms'] }],
    ['stop all marketing', { allMarketing: true }],
    ['stop everything', { everything: true }],
    ['When did I agree to the newsletter?', { purposes: ['newsletter'], asksWhen: true }],
    ['since when do you call me?', { channels: ['phone'], asksWhen: true }],
    ["I'd like to receive the newsletter", { purposes: ['newsletter'] }],
    ['sign me up for offers by email', { purposes: ['marketing_offers'], channels: ['email'] }],
    ['Please STOP e-mailing me promotions!!', { purposes: ['marketing_offers'], channels: ['email'] }],
    ['NEWSLETTERS!', { purposes: ['newsletter'] }],
    ['no more phone calls or letters', { channels: ['phone', 'post'] }],
    ['send me the catalogue by post', { channels: ['post'] }],
    ['stop sending me personalised offers by post', { purposes: ['marketing_offers'], channels: ['post'] }],
    ['turn off personalised ads', { purposes: ['profiling'] }],
    ['I like the recommendations in the app', { purposes: ['profiling'], channels: ['in_app'] }],
    ["don't share my data with third parties", { purposes: ['partner_sharing'] }],
    ['I still want order updates by text', { purposes: ['service_updates'], channels: ['sms'] }],
    ['opt me out of push notifications and in-app messages', { channels: ['push', 'in_app'] }],
    ['do not contact me in any way', { allChannels: true }],
    ['no marketing by email or sms, anywhere', { allMarketing: true, channels: ['email', 'sms'], allChannels: true }],
    ['newsletter and offers, partners too', { purposes: ['newsletter', 'marketing_offers', 'partner_sharing'] }],
    ['offers by sms and by email, offers!', { purposes: ['marketing_offers'], channels: ['email', 'sms'] }],
    ['how did you get my consent for profiling?', { purposes: ['profiling'], asksWhen: true }],
    ['unsubscribe me from all of it', { everything: true }],
    ['I want to postpone my order, I am happy', NOTHING],
    ['what is the weather like', NOTHING],
    ['hello', NOTHING],
    ['', NOTHING],
  ],
  it: [
    ['non voglio più la newsletter', { purposes: ['newsletter'] }],
    ['non mandatemi più offerte via sms', { purposes: ['marketing_offers'], channels: ['sms'] }],
    ['iscrivimi alla newsletter', { purposes: ['newsletter'] }],
    ['basta pubblicità', { allMarketing: true }],
    ['tutto il marketing su tutti i canali', { allMarketing: true, allChannels: true }],
    ['non contattatemi in nessun modo', { allChannels: true }],
    ['disiscrivetemi da tutto', { everything: true }],
    ['non voglio più ricevere niente', { everything: true }],
    ['quando ho dato il consenso alle email?', { channels: ['email'], asksWhen: true }],
    ['da quando mi mandate SMS?', { channels: ['sms'], asksWhen: true }],
    ['storico dei consensi', { asksWhen: true }],
    ["voglio i messaggi nell'app", { channels: ['in_app'] }],
    ["l'app", { channels: ['in_app'] }],
    ["all'email sì, all'sms no", { channels: ['email', 'sms'] }],
    ['la posta elettronica va bene', { channels: ['email'] }],
    ['non voglio più ricevere posta cartacea', { channels: ['post'] }],
    ['niente più telefonate commerciali', { channels: ['phone'], allMarketing: true }],
    ['non voglio più essere chiamato al telefono', { channels: ['phone'] }],
    ['non cedete i miei dati a terzi', { purposes: ['partner_sharing'] }],
    ['offerte dei partner per posta', { purposes: ['partner_sharing'], channels: ['post'] }],
    ['voglio i consigli personalizzati', { purposes: ['profiling'] }],
    ['offerte personalizzate via email', { purposes: ['marketing_offers'], channels: ['email'] }],
    ['i messaggi di servizio li voglio', { purposes: ['service_updates'] }],
    ['SCONTI e Promozioni con le notifiche', { purposes: ['marketing_offers'], channels: ['push'] }],
    ['sono iscritto a qualcosa?', { everything: true }],
    ['appena possibile vorrei postare una foto, felice', NOTHING],
    ['che tempo fa domani', NOTHING],
    ['ciao', NOTHING],
  ],
};

describe('consent scope recognizer (locales/<lang>/entities.json)', () => {
  let catalog: PurposeCatalog;
  let recognizer: ConsentScopeRecognizer;
  before(() => {
    catalog = loadPurposeCatalog();
    recognizer = ConsentScopeRecognizer.load(catalog);
  });

  for (const [locale, cases] of Object.entries(CASES)) {
    describe(locale, () => {
      for (const [text, named] of cases) {
        it(`"${text}" names ${JSON.stringify(named)}`, () => {
          assert.deepEqual(recognizer.recognize(text, locale), mention(named));
        });
      }
    });
  }

  it('reads a regional tag with its language and an unshipped language as English', () => {
    assert.deepEqual(recognizer.recognize('non mandatemi più offerte via sms', 'it-IT'), mention({ purposes: ['marketing_offers'], channels: ['sms'] }));
    assert.deepEqual(recognizer.recognize('stop texting me offers', 'sv'), mention({ purposes: ['marketing_offers'], channels: ['sms'] }));
    assert.deepEqual(recognizer.recognize('offerte via sms', 'en'), mention({ channels: ['sms'] }), 'Italian "offerte" is not an English word');
  });

  it('lists purposes in catalog order and channels in channel order, whatever the order of the words', () => {
    const named = recognizer.recognize('in the app, by text, by post and email: partners, profiling, the newsletter', 'en');
    assert.deepEqual(named.purposeIds, ['newsletter', 'profiling', 'partner_sharing']);
    assert.deepEqual(named.channels, ['email', 'sms', 'post', 'in_app']);
  });

  it("names each purpose by the catalog's own label for it, in every shipped language", () => {
    for (const locale of SHIPPED_LOCALES) {
      for (const purpose of catalog.purposes) {
        const label = purpose.text[locale]?.label ?? '';
        assert.deepEqual(recognizer.recognize(label, locale).purposeIds, [purpose.id], `${locale}: "${label}"`);
      }
    }
  });
});

describe('consent scope recognizer: loading', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'psb-entities-'));
    for (const locale of SHIPPED_LOCALES) cpSync(path.join(LOCALES_DIR, locale), path.join(dir, locale), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Edits one language's entities.json in the temporary copy. */
  function editEntities(locale: string, edit: (raw: Record<string, any>) => void): string {
    const file = path.join(dir, locale, 'entities.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
    edit(raw);
    writeFileSync(file, JSON.stringify(raw));
    return file;
  }

  function catalogWith(edit: (raw: { purposes: Record<string, any>[] }) => void): PurposeCatalog {
    const raw = JSON.parse(readFileSync(DEFAULT_PURPOSES_FILE, 'utf8')) as { purposes: Record<string, any>[] };
    edit(raw);
    return parsePurposeCatalog(raw, 'test catalog');
  }

  function refuses(load: () => unknown, file: string, key: string, reason: RegExp): void {
    assert.throws(load, (err: unknown) => {
      assert.ok(err instanceof EntityListError, String(err));
      assert.equal(err.file, file);
      assert.equal(err.key, key);
      assert.match(err.message, reason);
      assert.ok(err.message.includes(file) && err.message.includes(key), err.message);
      return true;
    });
  }

  it('reads the files once: recognising goes on after they are gone', () => {
    const recognizer = ConsentScopeRecognizer.load(loadPurposeCatalog(), dir);
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(recognizer.recognize('stop texting me offers', 'en'), mention({ purposes: ['marketing_offers'], channels: ['sms'] }));
  });

  it('refuses words for a purpose the catalog does not have', () => {
    const file = editEntities('it', (raw) => {
      raw.purposes.loyalty = ['punti fedeltà'];
    });
    refuses(() => ConsentScopeRecognizer.load(loadPurposeCatalog(), dir), file, 'purposes.loyalty', /catalog has no purpose "loyalty"/);
  });

  it('refuses a catalog purpose that a shipped language has no words for', () => {
    const catalog = catalogWith((raw) => {
      raw.purposes.push({ ...raw.purposes[0], id: 'loyalty' });
    });
    refuses(() => ConsentScopeRecognizer.load(catalog, dir), path.join(dir, 'en', 'entities.json'), 'purposes.loyalty', /missing/);
  });

  it('refuses an unknown channel, and a channel the catalog uses without words', () => {
    const fax = editEntities('en', (raw) => {
      raw.channels.fax = ['fax'];
    });
    refuses(() => ConsentScopeRecognizer.load(loadPurposeCatalog(), dir), fax, 'channels.fax', /unknown channel "fax"/);
    const noApp = editEntities('en', (raw) => {
      delete raw.channels.fax;
      delete raw.channels.in_app;
    });
    refuses(() => ConsentScopeRecognizer.load(loadPurposeCatalog(), dir), noApp, 'channels.in_app', /purpose "profiling" .* uses channel "in_app"/);
    // A catalog where no purpose uses in_app needs no words for it.
    const withoutInApp = catalogWith((raw) => {
      for (const purpose of raw.purposes) purpose.channels = (purpose.channels as string[]).filter((channel) => channel !== 'in_app');
    });
    assert.doesNotThrow(() => ConsentScopeRecognizer.load(withoutInApp, dir));
  });

  it('refuses a phrase listed under two keys, an empty list and an unknown entry', () => {
    const twice = editEntities('it', (raw) => {
      raw.purposes.newsletter.push('Posta');
    });
    refuses(() => ConsentScopeRecognizer.load(loadPurposeCatalog(), dir), twice, 'channels.post', /"posta" is also listed under purposes\.newsletter/);
    const empty = editEntities('it', (raw) => {
      raw.purposes.newsletter = [];
    });
    refuses(() => ConsentScopeRecognizer.load(loadPurposeCatalog(), dir), empty, 'purposes.newsletter', /non-empty list/);
    const unknown = editEntities('it', (raw) => {
      raw.purposes.newsletter = ['newsletter'];
      raw.yess = ['sì'];
    });
    refuses(() => ConsentScopeRecognizer.load(loadPurposeCatalog(), dir), unknown, 'yess', /unknown entry/);
  });

  it('refuses a missing file, naming it', () => {
    rmSync(path.join(dir, 'it', 'entities.json'));
    refuses(() => ConsentScopeRecognizer.load(loadPurposeCatalog(), dir), path.join(dir, 'it', 'entities.json'), '(file)', /cannot read it/);
  });
});
