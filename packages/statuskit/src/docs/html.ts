import type { Language, Profile } from '../catalog/index.js';
import { type DocPage, type DocRow, type DocTable, docPage, escapeHtml as e, type FromItem } from './page.js';

/**
 * The profile's page as one standalone HTML file: no scripts, no fonts or anything else from
 * the network, readable in English and Chinese, on a phone and on paper.
 * @example writeFileSync('status-codes.html', renderHtml(getProfile('nat'), 'zh-CN'))
 */
export function renderHtml(profile: Profile, lang: Language): string {
  return htmlOf(docPage(profile, lang));
}

// System fonts only, so the page works offline; the CJK families cover the Chinese pages on
// macOS, Windows and Linux in turn.
const sans = [
  'system-ui',
  '-apple-system',
  '"Segoe UI"',
  'Roboto',
  '"Helvetica Neue"',
  '"Noto Sans"',
  '"Liberation Sans"',
  'Arial',
  '"PingFang SC"',
  '"Hiragino Sans GB"',
  '"Microsoft YaHei"',
  '"Noto Sans CJK SC"',
  '"Source Han Sans SC"',
  '"WenQuanYi Micro Hei"',
  'sans-serif',
].join(', ');
const mono = [
  'ui-monospace',
  '"SFMono-Regular"',
  '"Cascadia Mono"',
  'Menlo',
  'Consolas',
  '"Liberation Mono"',
  '"DejaVu Sans Mono"',
  'monospace',
].join(', ');

const css = `
:root {
  color-scheme: light dark;
  --text: #1f2328; --muted: #57606a; --line: #d0d7de; --head: #eaeef2; --zebra: #f6f8fa;
  --page: #ffffff; --code: #0a3069; --accent: #0969da;
}
@media (prefers-color-scheme: dark) {
  :root {
    --text: #e6edf3; --muted: #9198a1; --line: #3d444d; --head: #262c36; --zebra: #151b23;
    --page: #0d1117; --code: #a5d6ff; --accent: #4493f8;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--page); color: var(--text);
  font-family: ${sans}; font-size: 16px; line-height: 1.6;
}
main { max-width: 60rem; margin: 0 auto; padding: 2.5rem 1.25rem 3rem; }
h1 { font-size: 2rem; line-height: 1.25; margin: 0 0 .375rem; }
h2 { font-size: 1.25rem; line-height: 1.35; margin: 2.5rem 0 .5rem; }
.subtitle { color: var(--muted); margin: 0; }
.note { color: var(--muted); font-size: .9375rem; margin: .25rem 0 0; }
.scroll { overflow-x: auto; margin: 2rem 0 0; }
table { width: 100%; border-collapse: collapse; border: 1px solid var(--line); }
caption { text-align: left; font-weight: 600; padding: 0 0 .5rem; }
th, td { text-align: left; vertical-align: top; padding: .5rem .75rem; border: 1px solid var(--line); }
thead th { background: var(--head); font-weight: 600; }
tbody tr:nth-child(even) { background: var(--zebra); }
tbody tr:target { outline: 2px solid var(--accent); outline-offset: -2px; }
th, td.code, td.phrase { white-space: nowrap; }
th:last-child, td:last-child { width: 100%; min-width: 12rem; overflow-wrap: break-word; }
code { font-family: ${mono}; font-size: .9375em; color: var(--code); }
td.code code { font-weight: 600; }
.outside ul { margin: .5rem 0 0; padding-left: 1.25rem; }
.outside li { margin: .125rem 0; }
.outside p { margin: 0; }
.arrow { color: var(--muted); padding: 0 .25em; }
@media (max-width: 40rem) {
  main { padding: 1.5rem 1rem 2rem; }
  h1 { font-size: 1.625rem; }
  th, td { padding: .375rem .5rem; }
  th, td.code, td.phrase { white-space: normal; }
  th:last-child, td:last-child { min-width: 9rem; }
}
@media print {
  main { max-width: none; padding: 0; }
  .scroll { overflow: visible; }
}
`.trim();

function htmlOf(page: DocPage): string {
  const { labels } = page;
  return [
    '<!doctype html>',
    `<html lang="${e(page.lang)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(page.title)} · ${e(page.profile)}</title>`,
    `<style>\n${css}\n</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<header>',
    `<h1 id="${e(page.anchor)}">${e(page.title)}</h1>`,
    `<p class="subtitle">${e(labels.profile)}${e(labels.colon)}<code>${e(page.profile)}</code> · ${e(labels.language)}${e(labels.colon)}${e(labels.languageName)} (<code>${e(page.lang)}</code>)</p>`,
    ...page.notes.map((note) => `<p class="note">${e(note)}</p>`),
    '</header>',
    table(page.normal, labels.normalCaption, page.lang),
    table(page.errors, labels.errorCaption, page.lang),
    '<section class="outside" aria-labelledby="outside">',
    `<h2 id="outside">${e(labels.outside)}</h2>`,
    `<p>${e(labels.outsideIntro)}</p>`,
    '<ul>',
    ...page.outside.map(
      (group) =>
        `<li>${group.from.map((item) => fromHtml(item, labels.other)).join(', ')}<span class="arrow">→</span><code>${group.to}</code> ${e(group.phrase)}</li>`,
    ),
    '</ul>',
    '</section>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * A table in the shape of the HTML pages (`<thead>` with the header row, `<tbody>` with one row a
 * code), so that the page parser reads it back as the page.
 */
function table(docTable: DocTable, caption: string, lang: Language): string {
  const head = docTable.header.map((cell) => `<th scope="col">${e(cell)}</th>`).join('');
  const rows = docTable.rows.map((row) => `<tr id="status-${row.code}">${cells(docTable, row, lang)}</tr>`);
  return `<div class="scroll">
<table>
<caption>${e(caption)}</caption>
<thead><tr>${head}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</div>`;
}

function cells(docTable: DocTable, row: DocRow, pageLang: Language): string {
  // A row left in English on a Chinese page says so, for screen readers and hyphenation.
  const langAttr = row.lang === pageLang ? '' : ` lang="${e(row.lang)}"`;
  const code = `<code>${row.code}</code>`;
  return docTable.split
    ? `<td class="code">${code}</td><td class="phrase"${langAttr}>${e(row.phrase)}</td><td${langAttr}>${e(row.description)}</td>`
    : `<td class="code"${langAttr}>${code} ${e(row.phrase)}</td><td${langAttr}>${e(row.description)}</td>`;
}

function fromHtml(item: FromItem, other: string): string {
  return item.other ? `${e(other)} <code>${e(item.text)}</code>` : `<code>${e(item.text)}</code>`;
}
