import assert from 'node:assert/strict';
import { DataCategoryRecognizer } from '../../src/nlu/data-category-recognizer';
import { TEST_CATEGORIES } from '../dialogs/fake-access-requests';

describe('data categories named in a message', () => {
  const recognizer = new DataCategoryRecognizer(TEST_CATEGORIES);

  it('finds labels and synonyms of the customer’s language, whole words, any case or accents, in configuration order', () => {
    assert.deepEqual(recognizer.recognize('send me my support tickets and my ORDER HISTORY', 'en'), ['orders', 'support']);
    assert.deepEqual(recognizer.recognize('solo acquisti e IDENTITA', 'it'), ['identity', 'orders']);
    assert.deepEqual(recognizer.recognize('gli ordini, gli ordini e ancora gli Ordini', 'it'), ['orders']);
  });

  it('names nothing for a general request, a word inside another word, or another language’s words', () => {
    assert.deepEqual(recognizer.recognize('I want a copy of my data', 'en'), []);
    assert.deepEqual(recognizer.recognize('my disorders', 'en'), []);
    assert.deepEqual(recognizer.recognize('i miei acquisti', 'en'), []);
    assert.deepEqual(recognizer.recognize('orders', 'xx'), []);
  });

  it('refuses at start a phrase configured for two categories, naming both', () => {
    const clash = [...TEST_CATEGORIES, { id: 'shop', label: { en: 'Shop', it: 'Negozio' }, synonyms: { en: ['purchases'] } }];
    assert.throws(() => new DataCategoryRecognizer(clash), /"purchases" is also listed under orders/);
  });
});
