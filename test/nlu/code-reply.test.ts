import assert from 'node:assert/strict';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translations } from '../../src/i18n/translator';
import { CodeReplyRecognizer, codeIn, readNewCodePhrases } from '../../src/nlu/code-reply-recognizer';
import { quotedPhrases } from '../support/quoted-phrases';
import { trainedRecognizer } from '../support/test-app';

/** What customers type at the code prompt in each shipped language, none of it a training line verbatim. */
const TYPED: Record<ShippedLocale, { readonly resend: string; readonly person: string; readonly smallTalk: readonly string[] }> = {
  en: { resend: 'could you please resend it?', person: 'I want to talk to a person', smallTalk: ['hello', 'what is this?'] },
  it: { resend: 'me lo può reinviare per favore?', person: 'vorrei parlare con una persona', smallTalk: ['buongiorno', 'che cos’è?'] },
  de: { resend: 'Können Sie ihn bitte noch einmal senden?', person: 'Ich möchte bitte mit einer Person sprechen', smallTalk: ['Guten Tag', 'Was ist das?'] },
  fr: { resend: 'Pourriez-vous me le renvoyer, s’il vous plaît ?', person: 'je voudrais parler à une personne', smallTalk: ['bonjour', 'qu’est-ce que c’est ?'] },
  es: { resend: '¿Me lo puede reenviar, por favor?', person: 'quisiera hablar con una persona', smallTalk: ['buenos días', '¿qué es esto?'] },
  pt: { resend: 'pode reenviar, por favor?', person: 'quero falar com uma pessoa', smallTalk: ['bom dia', 'o que é isso?'] },
  nl: { resend: 'Kunt u hem alstublieft opnieuw sturen?', person: 'ik wil graag met een persoon praten', smallTalk: ['goedendag', 'wat is dit?'] },
};

describe('answers at the code prompt', function () {
  this.timeout(120_000);
  let replies: CodeReplyRecognizer;
  let translations: Translations;

  before(async () => {
    [translations, replies] = await Promise.all([Translations.load(), trainedRecognizer().then((intents) => CodeReplyRecognizer.load(intents))]);
  });

  it('a code is one group of 6 digits, however it is spaced or worded', () => {
    for (const [text, code] of [
      ['123456', '123456'],
      ['123 456', '123456'],
      ['123-456', '123456'],
      [' 12 34 56 ', '123456'],
      ['my code is 004 217.', '004217'],
      ['il codice è 987654', '987654'],
    ] as const) {
      assert.equal(codeIn(text), code, text);
    }
  });

  it('anything else is no code: too short, too long, a phone number, a date, two numbers', () => {
    for (const text of ['12345', '1234567', '+39 347 123 4567', '20.03.2026', '123 and 456', '123456 654321', 'hello', '']) {
      assert.equal(codeIn(text), undefined, text);
    }
  });

  for (const locale of SHIPPED_LOCALES) {
    describe(locale, () => {
      it('reads "new code" phrases anywhere in the message, the button label included', async () => {
        const t = translations.for(locale);
        const phrases = [...readNewCodePhrases()[locale], t.t('identityCode.newCodeButton'), TYPED[locale].resend];
        for (const phrase of phrases) assert.deepEqual(await replies.recognize(phrase, locale), { kind: 'newCode' }, phrase);
      });

      it('the words the code messages quote work when typed back: “new code” asks for one, the person phrase reaches a person', async () => {
        const t = translations.for(locale);
        const texts = ['identityCode.retry', 'identityCode.exhausted', 'identityCode.expired', 'identityCode.none'].map((key) => t.t(key));
        const said = [...new Set(texts.flatMap((text) => quotedPhrases(text, locale)))];
        assert.ok(said.length >= 2, `${locale}: the messages quote what to type`);
        for (const phrase of said) assert.ok((await replies.recognize(phrase, locale)) !== undefined, `${locale} “${phrase}” is understood at the code prompt`);
      });

      it('"talk to a person" and the menu button reach a person; the code wins over words', async () => {
        const t = translations.for(locale);
        for (const phrase of [t.t('menu.agent'), TYPED[locale].person]) assert.deepEqual(await replies.recognize(phrase, locale), { kind: 'person' }, phrase);
        assert.deepEqual(await replies.recognize('654 321', locale), { kind: 'code', code: '654321' });
      });

      it('small talk is nothing to act on (asked again, no try used)', async () => {
        for (const text of [...TYPED[locale].smallTalk, '12345']) {
          assert.equal(await replies.recognize(text, locale), undefined, text);
        }
      });
    });
  }
});
