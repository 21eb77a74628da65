import type { Translator } from '../../../i18n/translator';
import { formatInZone } from '../../clocks/deadlines';
import type { CopyInput, CopySource } from './copy-input';
import { localized } from './copy-wording';
import { escapeHtml } from '../../../html/escape-html';
import { REGISTER_LISTS, RegisterText, OPTIONAL_RIGHTS, REQUIRED_RIGHTS } from './processing-register';
import { inGroup, RecordGroup, RecordGroups, shownKeys } from './record-groups';
import { cellText } from './record-values';
import { REPORT_STYLE } from './report-style';

/** The register's list sections with their heading keys (`copy.report.<key>`), in the order shown. */
const LIST_HEADINGS: Readonly<Record<(typeof REGISTER_LISTS)[number], string>> = {
  purposes: 'purposesHeading',
  categories: 'categoriesHeading',
  recipients: 'recipientsHeading',
  retention: 'retentionHeading',
  sources: 'sourcesHeading',
  transfers: 'transfersHeading',
};

function time(instant: Date, input: CopyInput): string {
  return `<time datetime="${escapeHtml(instant.toISOString())}">${escapeHtml(formatInZone(instant, input.case.timeZone, input.translator.locale))}</time>`;
}

function definitions(entries: readonly (readonly [term: string, html: string])[]): string {
  return `<dl>${entries.map(([term, html]) => `<dt>${escapeHtml(term)}</dt><dd>${html}</dd>`).join('')}</dl>`;
}

function heading(level: 2 | 3 | 4, id: string, text: string): string {
  return `<h${level} id="${id}">${escapeHtml(text)}</h${level}>`;
}

function list(items: readonly RegisterText[], t: Translator): string {
  return `<ul>${items.map((item) => `<li>${escapeHtml(item[t.locale])}</li>`).join('')}</ul>`;
}

function opening(input: CopyInput): string {
  const t = input.translator;
  const title = t.t('copy.report.title');
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(t.locale)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${REPORT_STYLE}\n</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>${escapeHtml(t.t('copy.report.lead', { controller: input.controller.name, reference: input.case.reference }))}</p>`,
    '',
  ].join('\n');
}

/** Category ids → their labels in the customer's language, from every source's categories. */
function categoryLabels(input: CopyInput): Map<string, string> {
  const labels = new Map<string, string>();
  for (const source of input.sources) for (const category of source.categories) if (!labels.has(category.id)) labels.set(category.id, localized(category.label, input.translator.locale, category.id));
  return labels;
}

function requestSection(input: CopyInput): string {
  const t = input.translator;
  const labels = categoryLabels(input);
  const asked = input.case.categories === null ? t.t('copy.report.allCategories') : input.case.categories.map((id) => labels.get(id) ?? id).join(', ');
  return [
    '<section aria-labelledby="request">',
    heading(2, 'request', t.t('copy.report.requestHeading')),
    definitions([
      [t.t('copy.common.reference'), `<code>${escapeHtml(input.case.reference)}</code>`],
      [t.t('copy.report.receivedAt'), time(input.case.receivedAt, input)],
      [t.t('copy.report.generatedAt'), time(input.generatedAt, input)],
      [t.t('copy.report.expiresAt'), time(input.expiresAt, input)],
      [t.t('copy.report.categoriesAsked'), escapeHtml(asked)],
    ]),
    '</section>',
    '',
  ].join('\n');
}

/** Who we are. Contact details as text (no link: the report points nowhere, it is read offline). */
function controllerSection(input: CopyInput): string {
  const t = input.translator;
  const c = input.controller;
  return [
    '<section aria-labelledby="controller">',
    heading(2, 'controller', t.t('copy.report.controllerHeading')),
    definitions([
      [t.t('copy.common.controller'), escapeHtml(c.name)],
      [t.t('copy.common.contact'), escapeHtml(c.contact)],
      [t.t('copy.common.address'), escapeHtml(c.address)],
      [t.t('copy.common.email'), escapeHtml(c.email)],
      [t.t('copy.common.phone'), escapeHtml(c.phone)],
    ]),
    '</section>',
    '',
  ].join('\n');
}

function sourceHead(source: CopySource, index: number, input: CopyInput): string {
  const t = input.translator;
  const label = localized(source.config.label, t.locale, source.config.id);
  return [`<section aria-labelledby="source-${index}">`, heading(3, `source-${index}`, label), `<p class="note">${escapeHtml(t.t('copy.report.recordCount', { count: source.recordCount }))}</p>`].join('\n');
}

/**
 * One table of a source's records (a category, or one kind of it), streamed a page at a time; its
 * columns are the keys data.json saw. Each table reads the source's pages once.
 */
async function* groupTable(source: CopySource, group: RecordGroup, id: string, caption: string, input: CopyInput): AsyncGenerator<string> {
  const t = input.translator;
  const keys = group.columns;
  const known = new Set(keys);
  const headers = [...keys, ...(group.overflows ? [t.t('copy.report.otherFields')] : [])].map((key) => `<th scope="col">${escapeHtml(key)}</th>`).join('');
  // A wide table scrolls sideways: its wrapper is focusable and named, so a keyboard can scroll it too.
  yield `<div class="table-wrap" role="region" tabindex="0" aria-labelledby="${id}">\n<table>\n<caption id="${id}">${escapeHtml(caption)}</caption>\n<thead><tr>${headers}</tr></thead>\n<tbody>\n`;
  for await (const page of source.pages()) {
    let html = '';
    for (const record of page) {
      if (!inGroup(record, group)) continue;
      const cells = keys.map((key) => `<td>${escapeHtml(cellText(record[key]))}</td>`).join('');
      const rest = group.overflows
        ? `<td>${escapeHtml(
            shownKeys(record)
              .filter((key) => !known.has(key))
              .map((key) => `${key}: ${cellText(record[key])}`)
              .join('\n'),
          )}</td>`
        : '';
      html += `<tr>${cells}${rest}</tr>\n`;
    }
    if (html) yield html;
  }
  yield '</tbody>\n</table>\n</div>\n';
}

/** A source's records: per category a heading, per table (the category, or each of its kinds) a table. */
async function* sourceRecords(source: CopySource, index: number, input: CopyInput, groups: RecordGroups): AsyncGenerator<string> {
  const t = input.translator;
  const tables = groups.groupsOf(source.config.id, source.categories.map((category) => category.id));
  if (tables.length === 0) {
    yield `<p>${escapeHtml(t.t('copy.report.noRecords'))}</p>\n`;
    return;
  }
  const labels = categoryLabels(input);
  let category: string | undefined;
  let n = 0;
  for (const group of tables) {
    n += 1;
    const label = labels.get(group.category) ?? group.category;
    if (group.category !== category) {
      category = group.category;
      yield `${heading(4, `source-${index}-${n}`, label)}\n`;
    }
    const caption = group.allKinds ? t.t('copy.report.tableCaption', { category: label }) : t.t('copy.report.kindCaption', { category: label, kind: group.kind ?? t.t('copy.report.otherKind') });
    yield* groupTable(source, group, `table-${index}-${n}`, caption, input);
  }
}

function informationSection(input: CopyInput): string {
  const t = input.translator;
  const { register } = input;
  const parts: string[] = ['<section aria-labelledby="information">', heading(2, 'information', t.t('copy.report.informationHeading')), `<p>${escapeHtml(t.t('copy.report.informationLead'))}</p>`];
  for (const key of REGISTER_LISTS) {
    if (key === 'transfers') {
      parts.push(heading(3, 'automated', t.t('copy.report.automatedHeading')), `<p>${escapeHtml(register.automatedDecisions.description[t.locale])}</p>`);
    }
    parts.push(heading(3, key, t.t(`copy.report.${LIST_HEADINGS[key]}`)), list(register[key], t));
  }
  const rights = [...REQUIRED_RIGHTS, ...OPTIONAL_RIGHTS].flatMap((right) => {
    const text = register.rights[right];
    return text ? [[t.t(`copy.report.right.${right}`), escapeHtml(text[t.locale])] as const] : [];
  });
  parts.push(
    heading(3, 'rights', t.t('copy.report.rightsHeading')),
    `<p>${escapeHtml(t.t('copy.report.rightsLead'))}</p>`,
    definitions(rights),
    `<p>${escapeHtml(t.t('copy.report.rightsHowTo', { email: input.controller.email }))}</p>`,
  );
  const authority = register.authorities[input.case.regime];
  parts.push(
    heading(3, 'complaint', t.t('copy.report.complaintHeading')),
    `<p>${escapeHtml(t.t('copy.report.complaint'))}</p>`,
    definitions([
      [t.t('copy.report.authority'), escapeHtml(authority.name[t.locale])],
      [t.t('copy.common.address'), escapeHtml(authority.address)],
      [t.t('copy.common.website'), escapeHtml(authority.website)],
    ]),
    '</section>',
    '',
  );
  return parts.join('\n');
}

/**
 * report.html as text pieces: a self-contained page (inline style, no script, nothing loaded or
 * linked) in the customer's language — the request, who we are, each source's records by category
 * in tables (streamed page by page), and every Art. 15(1) heading from the processing register with
 * the authority of the case's regime. Every value is escaped. Run after data.json's stream, which
 * filled `groups` with the tables and their columns.
 */
export async function* reportHtmlChunks(input: CopyInput, groups: RecordGroups): AsyncGenerator<string> {
  const t = input.translator;
  yield opening(input);
  yield requestSection(input);
  yield controllerSection(input);
  yield ['<section aria-labelledby="data">', heading(2, 'data', t.t('copy.report.dataHeading')), `<p>${escapeHtml(t.t('copy.report.dataLead'))}</p>`, ''].join('\n');
  let index = 0;
  for (const source of input.sources) {
    index += 1;
    yield `${sourceHead(source, index, input)}\n`;
    yield* sourceRecords(source, index, input, groups);
    yield '</section>\n';
  }
  yield '</section>\n';
  yield informationSection(input);
  yield '</main>\n</body>\n</html>\n';
}
