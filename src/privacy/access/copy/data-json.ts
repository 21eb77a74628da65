import type { CopyInput } from './copy-input';
import { localized } from './copy-wording';
import { RecordGroups } from './record-groups';
import { recordJson } from './record-values';

/** The `schema` value of data.json; `data-copy.schema.json` beside this file describes that version. */
export const DATA_COPY_SCHEMA = 'psb-data-copy/1';

/**
 * data.json as text pieces, written as the records arrive: the document's head, then each source
 * with its records one page at a time (one record per line), then its actual count. The whole
 * document is never held in memory. Notes every record in `groups` (its table and keys) for the report.
 */
export async function* dataJsonChunks(input: CopyInput, groups: RecordGroups): AsyncGenerator<string> {
  const locale = input.translator.locale;
  const head = {
    schema: DATA_COPY_SCHEMA,
    reference: input.case.reference,
    generatedAt: input.generatedAt.toISOString(),
    regime: input.case.regime,
    language: locale,
    subject: { subjectId: input.subject.subjectId, identifiers: input.subject.identifiers },
  };
  // The head without its closing brace, then the sources array.
  yield `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "sources": [`;
  let firstSource = true;
  for (const source of input.sources) {
    const describe = {
      id: source.config.id,
      label: localized(source.config.label, locale, source.config.id),
      categories: source.categories.map((category) => ({ id: category.id, label: localized(category.label, locale, category.id) })),
    };
    yield `${firstSource ? '' : ','}\n    ${JSON.stringify(describe).slice(0, -1)},\n      "records": [`;
    firstSource = false;
    let count = 0;
    for await (const page of source.pages()) {
      if (page.length === 0) continue;
      const lines: string[] = [];
      for (const record of page) {
        groups.observe(source.config.id, record);
        lines.push(`${count === 0 && lines.length === 0 ? '' : ','}\n        ${recordJson(record)}`);
      }
      count += page.length;
      yield lines.join('');
    }
    yield `${count === 0 ? '' : '\n      '}],\n      "recordCount": ${count}\n    }`;
  }
  yield `${firstSource ? '' : '\n  '}]\n}\n`;
}
