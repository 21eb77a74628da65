import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';

/**
 * Italian customers are addressed formally ("lei": "ci scriva", "i suoi dati"), never with "tu"
 * ("scrivici", "i tuoi dati"): the bot, the Web Chat page, the receipts, the copies and the texts the
 * configuration carries (purpose descriptions, the consent receipt's terms) all speak one register.
 * What the customer says (words inside “…”, the recognizer's synonyms) is theirs and is not checked.
 */

/** Forms that address the reader as "tu": possessives, pronouns, verbs in the second person, "tu" imperatives. */
const INFORMAL_WORDS = [
  // possessives and pronouns
  'tuo', 'tua', 'tuoi', 'tue', 'ti', 'te', 'tu',
  // second person singular
  'puoi', 'hai', 'vuoi', 'sei', 'devi', 'sai', 'fai', 'vai', 'potrai', 'riceverai', 'troverai', 'dovrai', 'potresti', 'vorresti',
  // imperatives with a pronoun attached
  'scrivici', 'contattaci', 'chiamaci', 'dicci', 'mandaci', 'dimmi', 'attivalo', 'attivala', 'scaricala', 'scaricalo', 'aprila', 'aprilo', 'conservalo', 'conservala',
  // infinitives with "ti" attached
  'aiutarti', 'contattarti', 'inviarti', 'mostrarti', 'chiederti', 'scriverti', 'informarti', 'risponderti', 'ricordarti',
  // "tu" imperatives that are not also the third person of a verb these texts use
  'scrivi', 'leggi', 'scegli', 'apri', 'premi', 'inserisci', 'chiedi', 'rispondi', 'digita', 'clicca', 'scarica', 'ricarica', 'riprova', 'ignora', 'contatta',
];

const INFORMAL = new RegExp(`(?<![\\p{L}\\p{N}'’])(${INFORMAL_WORDS.join('|')})(?![\\p{L}\\p{N}])`, 'giu');

/** The customer's own words inside a text: between “…” or "…". */
const QUOTED = /“[^”]*”|"[^"]*"/g;

/** The informal forms in `text`, outside quotations. */
export function informalForms(text: string): string[] {
  return [...text.replace(QUOTED, ' ').matchAll(INFORMAL)].map((match) => match[1]);
}

interface ItalianText {
  readonly where: string;
  readonly text: string;
}

/** Paths of the customer's own words (what the recognizer matches), not the bot's. */
const CUSTOMER_WORDS = /(^|\.)(synonyms|words|keywords|examples)(\.|$)/;

/** Every string under `value`, with its dotted path. */
function strings(value: unknown, where: string): ItalianText[] {
  if (typeof value === 'string') return [{ where, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, `${where}[${index}]`));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, inner]) => strings(inner, where ? `${where}.${key}` : key));
  return [];
}

/** In a configuration file, the strings under every `it` key (e.g. `purposes[2].text.it.description`). */
function italianOf(value: unknown, where: string): ItalianText[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => italianOf(item, `${where}[${index}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === 'it' ? strings(inner, `${where}.it`) : italianOf(inner, `${where}.${key}`)));
}

function problemsIn(texts: readonly ItalianText[]): string[] {
  return texts
    .filter(({ where }) => !CUSTOMER_WORDS.test(where))
    .flatMap(({ where, text }) => {
      const found = informalForms(text);
      return found.length > 0 ? [`${where}: ${found.join(', ')} in "${text.slice(0, 120)}"`] : [];
    });
}

describe('Italian addresses the customer formally (lei), everywhere', () => {
  it('locales/it/messages.json has no informal form outside the customer’s quoted words', () => {
    const catalog: unknown = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'locales', 'it', 'messages.json'), 'utf8'));
    const texts = strings(catalog, '');
    assert.ok(texts.length > 300, `read ${texts.length} texts: is the catalog still there?`);
    assert.deepEqual(problemsIn(texts.map((t) => ({ ...t, where: `messages.json ${t.where}` }))), []);
  });

  it('the Italian texts of config/*.json (purpose descriptions and phrases, the receipt terms…) have none either', () => {
    const dir = path.join(PROJECT_ROOT, 'config');
    const texts = readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .flatMap((name) => italianOf(JSON.parse(readFileSync(path.join(dir, name), 'utf8')), name));
    assert.ok(texts.some((t) => t.where.startsWith('purposes.json') && t.where.endsWith('.description')), 'the purpose descriptions are read');
    assert.deepEqual(problemsIn(texts), []);
  });

  describe('the checker itself', () => {
    it('finds "tu" forms, whatever their case, and passes the same sentence with "lei"', () => {
      assert.deepEqual(informalForms('Assistente privacy: scrivici per i tuoi dati personali'), ['scrivici', 'tuoi']);
      assert.deepEqual(informalForms('Puoi revocarlo. Ricarica la pagina. Attivalo, oppure contattaci.'), ['Puoi', 'Ricarica', 'Attivalo', 'contattaci']);
      assert.deepEqual(informalForms('Usare i tuoi acquisti per personalizzare ciò che ti mostriamo.'), ['tuoi', 'ti']);
      assert.deepEqual(informalForms('Assistente privacy: ci scriva per i suoi dati personali. Ricarichi la pagina; può revocarlo.'), []);
    });

    it('ignores the customer’s quoted words and parts of longer words', () => {
      assert.deepEqual(informalForms('Per tornare da me, scriva “torna al bot” oppure "scrivi tu".'), []);
      assert.deepEqual(informalForms('Tutti i dati e i contatti, la tutela, l’arte, i partiti; le sue scelte.'), []);
    });
  });
});
