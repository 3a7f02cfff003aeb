import type { Language, Profile } from '../catalog/index.js';
import { type DocPage, type DocTable, displayWidth, docPage, fromText, padEnd, rowCells } from './page.js';

/**
 * The profile's page as reStructuredText, in the shape of the RST pages: the `.. _anchor:` label,
 * the title over its `===` underline, and grid tables with `+===+` under the header.
 * @example renderRst(getProfile('dcaas'), 'en').split('\n').slice(0, 4) // ['.. _en-us_topic_0055025342:', '', 'Common Status Codes', '===================']
 */
export function renderRst(profile: Profile, lang: Language): string {
  return rstOf(docPage(profile, lang));
}

function rstOf(page: DocPage): string {
  const { labels } = page;
  return [
    `.. _${page.anchor}:`,
    '',
    ...heading(page.title, '='),
    '',
    `${inline(labels.profile)}${labels.colon}\`\`${page.profile}\`\` · ${inline(labels.language)}${labels.colon}${inline(labels.languageName)} (\`\`${page.lang}\`\`)`,
    ...page.notes.flatMap((note) => ['', inline(note)]),
    '',
    ...gridTable(page.normal),
    '',
    ...gridTable(page.errors),
    '',
    ...heading(labels.outside, '-'),
    '',
    inline(labels.outsideIntro),
    '',
    ...page.outside.map(
      (group) =>
        `- ${group.from.map((item) => fromText(item, labels)).join(', ')} → ${group.to} ${inline(group.phrase)}`,
    ),
    '',
  ].join('\n');
}

/** A title and its underline, as long as the title is wide (docutils counts Chinese as two). */
function heading(text: string, mark: '=' | '-'): string[] {
  const title = inline(text);
  return [title, mark.repeat(displayWidth(title))];
}

/** A grid table, each column as wide as its widest cell plus a space either side. */
function gridTable(table: DocTable): string[] {
  const header = table.header.map(inline);
  const body = table.rows.map((row) => rowCells(table, row).map(inline));
  const widths = header.map((_, i) =>
    Math.max(...[header, ...body].map((cells) => displayWidth(cells[i] ?? ''))),
  );
  const border = (fill: '-' | '=') => `+${widths.map((width) => fill.repeat(width + 2)).join('+')}+`;
  const line = (cells: readonly string[]) =>
    `|${widths.map((width, i) => ` ${padEnd(cells[i] ?? '', width)} `).join('|')}|`;
  return [border('-'), line(header), border('='), ...body.flatMap((cells) => [line(cells), border('-')])];
}

/**
 * Text as RST shows it word for word: inline markup characters are backslash-escaped, and a
 * cell stays on one line.
 */
function inline(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\\`*_|]/g, '\\$&');
}
