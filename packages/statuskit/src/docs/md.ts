import type { Language, Profile } from '../catalog/index.js';
import {
  type DocPage,
  type DocTable,
  displayWidth,
  docPage,
  escapeHtml,
  fromText,
  padEnd,
  rowCells,
} from './page.js';

/**
 * The profile's page as Markdown: the page's heading with its anchor, as the pages write it,
 * then a pipe table of normal codes, one of error codes, and the codes outside the profile.
 * @example renderMarkdown(getProfile('nat'), 'zh-CN').split('\n')[0] // '# 状态码<a name="nat_api_0038"></a>'
 */
export function renderMarkdown(profile: Profile, lang: Language): string {
  return markdownOf(docPage(profile, lang));
}

function markdownOf(page: DocPage): string {
  const { labels } = page;
  return [
    `# ${inline(page.title)}<a name="${escapeHtml(page.anchor)}"></a>`,
    '',
    `${labels.profile}${labels.colon}\`${page.profile}\` · ${labels.language}${labels.colon}${labels.languageName} (\`${page.lang}\`)`,
    ...page.notes.flatMap((note) => ['', inline(note)]),
    '',
    ...table(page.normal),
    '',
    ...table(page.errors),
    '',
    `## ${inline(labels.outside)}`,
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

/** A pipe table, its columns padded so that the source reads as a table too. */
function table(docTable: DocTable): string[] {
  const rows = [docTable.header, ...docTable.rows.map((row) => rowCells(docTable, row))].map((cells) =>
    cells.map(inline),
  );
  const widths = (rows[0] ?? []).map((_, i) =>
    Math.max(3, ...rows.map((cells) => displayWidth(cells[i] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    `| ${widths.map((width, i) => padEnd(cells[i] ?? '', width)).join(' | ')} |`;
  const [header = [], ...body] = rows;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)];
}

/**
 * Text as Markdown shows it word for word: the characters that would start markup are
 * backslash-escaped, and a cell stays on one line.
 */
function inline(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\\`*_[\]<>|]/g, '\\$&');
}
