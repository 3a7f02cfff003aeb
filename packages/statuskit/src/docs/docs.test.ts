import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { profilePages, readSeed, seedFile, seedsDir } from '../../tools/catalog.js';
import { type PageTable, parsePage } from '../../tools/seed-pages.js';
import {
  fallbacks,
  getProfile,
  type Language,
  languages,
  Profile,
  type ProfileName,
  profileNames,
} from '../catalog/index.js';
import { docFormats, renderDocs } from './index.js';
import { displayWidth, escapeHtml } from './page.js';

/** The rows a page in `lang` must carry: the catalog's, in page order, English where untranslated. */
function expectedRows(profile: Profile, lang: Language) {
  return profile.rows.map((row) => {
    const text = row.texts[lang] ?? row.texts.en;
    return { code: row.code, phrase: text.phrase, description: text.description };
  });
}

/** The seed page a profile's page in `lang` is, when it has one of its own. */
function ownSeed(name: ProfileName, lang: Language): string | undefined {
  const files: Partial<Record<Language, string>> = profilePages[name];
  return files[lang];
}

const rowsOf = (tables: readonly PageTable[]) => tables.flatMap((table) => table.rows);

/** The rows of a Markdown pipe table, cells unescaped. */
function markdownTables(text: string): string[][][] {
  const tables: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      current = undefined;
      continue;
    }
    if (!current) {
      current = [];
      tables.push(current);
    }
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replace(/\\(.)/g, '$1'));
    if (!cells.every((cell) => /^-+$/.test(cell))) current.push(cells);
  }
  return tables;
}

describe('renderDocs', () => {
  test('renders dcaas as rst with exactly the rows of seed 002, its title and its anchor', () => {
    const rst = renderDocs(getProfile('dcaas'), 'en', 'rst');
    assert.deepEqual(parsePage(rst), readSeed('002'));
  });

  test('renders the dcaas rst tables line for line as seed 002 writes them', () => {
    const rst = renderDocs(getProfile('dcaas'), 'en', 'rst');
    const tableLines = (text: string) => text.split('\n').filter((line) => /^[+|]/.test(line));
    const raw = readFileSync(join(seedsDir, seedFile('002')), 'utf8');
    assert.deepEqual(tableLines(rst), tableLines(raw));
    assert.match(rst, /^\.\. _en-us_topic_0055025342:\n\nCommon Status Codes\n={19}\n/);
  });

  test('renders nat in zh-CN as html with exactly the rows and headers of seed 004', () => {
    const html = renderDocs(getProfile('nat'), 'zh-CN', 'html');
    assert.deepEqual(parsePage(html).tables, readSeed('004').tables);
    assert.match(html, /<h1 id="nat_api_0038">状态码<\/h1>/);
    assert.match(html, /<html lang="zh-CN">/);
  });

  for (const name of profileNames) {
    for (const lang of languages) {
      const seed = ownSeed(name, lang);
      if (!seed) continue;
      test(`renders ${name} in ${lang} as rst and html that read back as the rows of seed ${seed}`, () => {
        const page = readSeed(seed);
        for (const format of ['rst', 'html'] as const) {
          const parsed = parsePage(renderDocs(getProfile(name), lang, format));
          assert.deepEqual(rowsOf(parsed.tables), rowsOf(page.tables), format);
          // A one-table page (003) becomes a normal and an error table under the page's header.
          const headers = page.tables.map((table) => table.header);
          assert.deepEqual(
            parsed.tables.map((table) => table.header),
            headers.length === 1 ? [...headers, ...headers] : headers,
            format,
          );
        }
      });
    }
  }

  for (const name of profileNames) {
    for (const lang of languages) {
      test(`renders ${name} in ${lang} in md, rst and html with every row's text`, () => {
        const profile = getProfile(name);
        const rows = expectedRows(profile, lang);
        for (const format of ['md', 'rst', 'html'] as const) {
          const text = renderDocs(profile, lang, format);
          const shown = format === 'html' ? escapeHtml : (s: string) => s;
          for (const row of rows) {
            for (const part of [String(row.code), row.phrase, row.description]) {
              assert.ok(text.includes(shown(part)), `${format} lacks ${row.code}: ${part}`);
            }
          }
          const page = profile.pages[lang] ?? profile.pages.en;
          assert.ok(text.includes(shown(page.title)), `${format} lacks the title ${page.title}`);
          for (const cell of [...page.normalHeader, ...page.errorHeader]) {
            assert.ok(text.includes(shown(cell)), `${format} lacks the header cell ${cell}`);
          }
          assert.ok(text.includes(name), `${format} does not name the profile`);
          assert.ok(text.includes(lang), `${format} does not name the language`);
        }
        for (const format of ['rst', 'html'] as const) {
          assert.deepEqual(rowsOf(parsePage(renderDocs(profile, lang, format)).tables), rows, format);
        }
      });
    }
  }

  test('renders md as pipe tables with the header cells and rows of the page', () => {
    for (const name of profileNames) {
      for (const lang of languages) {
        const profile = getProfile(name);
        const page = profile.pages[lang] ?? profile.pages.en;
        const [normal = [], errors = []] = markdownTables(renderDocs(profile, lang, 'md'));
        const cellsOf = (header: readonly string[], kind: 'normal' | 'error') =>
          profile.rows
            .filter((row) => row.kind === kind)
            .map((row) => {
              const text = row.texts[lang] ?? row.texts.en;
              return header.length === 3
                ? [String(row.code), text.phrase, text.description]
                : [`${row.code} ${text.phrase}`, text.description];
            });
        assert.deepEqual(normal, [[...page.normalHeader], ...cellsOf(page.normalHeader, 'normal')]);
        assert.deepEqual(errors, [[...page.errorHeader], ...cellsOf(page.errorHeader, 'error')]);
      }
    }
  });

  test('writes 2-cell rows as "400 Bad Request" and 3-cell rows as code, phrase, description', () => {
    const bms = renderDocs(getProfile('bms'), 'en', 'md');
    assert.match(bms, /^\| 200 OK +\| The server has successfully processed the request\. +\|$/m);
    assert.match(bms, /^\| 400 Bad Request +\| The server failed to process the request\. +\|$/m);
    const nat = renderDocs(getProfile('nat'), 'en', 'md');
    assert.match(
      nat,
      /^\| 200 +\| OK +\| Specifies the normal response code for the GET and PUT operations\. \|$/m,
    );
  });

  test("keeps the profile's own anchor and says so where its Chinese page is borrowed", () => {
    const html = renderDocs(getProfile('dcaas'), 'zh-CN', 'html');
    // The Chinese page is nat's; its anchor would point at another service's page.
    assert.match(html, /<h1 id="en-us_topic_0055025342">状态码<\/h1>/);
    assert.match(html, /中文文本取自 nat 的页面/);
    const bms = renderDocs(getProfile('bms'), 'zh-CN', 'html');
    assert.match(
      bms,
      /<td lang="en">The request has been accepted, but the processing has been delayed\.<\/td>/,
    );
    assert.match(bms, /200、201、202、204 没有中文文本，以英文显示。/);
  });

  test('lists every code outside the profile under the code it is sent as', () => {
    for (const name of profileNames) {
      const profile = getProfile(name);
      const md = renderDocs(profile, 'en', 'md');
      const items = md
        .split('\n')
        .filter((line) => line.includes(' → '))
        .map((line) => {
          const [from = '', to = ''] = line.slice(2).split(' → ');
          const parts = from.split(', ');
          const codes = parts.flatMap((part) => {
            const range = /^(\d{3})–(\d{3})$/.exec(part);
            if (!range) return /^\d{3}$/.test(part) ? [Number(part)] : [];
            const out: number[] = [];
            for (let code = Number(range[1]); code <= Number(range[2]); code++) out.push(code);
            return out;
          });
          const classes = parts.filter((part) => /xx$/.test(part)).map((part) => part.replace('other ', ''));
          return { to: Number(to.slice(0, 3)), phrase: to.slice(4), codes, classes };
        });
      assert.ok(items.length > 0 && items.length <= 12, `${name}: ${items.length} lines is not short`);
      for (const item of items) assert.equal(item.phrase, profile.text(item.to).phrase);
      for (const fallback of profile.fallbacks()) {
        const named = items.find((item) => item.codes.includes(fallback.from));
        const landing =
          named ?? items.find((item) => item.classes.includes(`${Math.floor(fallback.from / 100)}xx`));
        assert.equal(
          landing?.to,
          fallback.to,
          `${name}: ${fallback.from} should be shown going to ${fallback.to}`,
        );
        // Only codes with an entry of their own are named.
        if (named) assert.ok(fallback.from in fallbacks, `${name}: ${fallback.from} is named`);
      }
    }
  });

  test('aligns Chinese rst tables and underlines by display width, as docutils measures them', () => {
    const rst = renderDocs(getProfile('nat'), 'zh-CN', 'rst');
    const lines = rst.split('\n');
    const title = lines.indexOf('状态码');
    assert.equal(lines[title + 1], '======');
    for (const block of rst.split('\n\n').filter((part) => part.startsWith('+'))) {
      const widths = new Set(block.split('\n').map(displayWidth));
      assert.equal(widths.size, 1, `ragged table:\n${block}`);
    }
  });

  test('escapes text in every format so that it shows word for word', () => {
    const tricky = 'Use <b>*bold*</b> & `tick` | pipe_name_ here';
    const profile = new Profile({
      name: 'tricky',
      pages: {
        en: {
          title: 'Codes & <Things>',
          anchor: 'tricky',
          seed: 'none',
          normalHeader: ['Code', 'Phrase', 'Meaning'],
          errorHeader: ['Code | Phrase', 'Meaning'],
        },
      },
      rows: [
        { code: 200, kind: 'normal', class: 'success', texts: { en: { phrase: 'OK', description: tricky } } },
        {
          code: 400,
          kind: 'error',
          class: 'client-error',
          texts: { en: { phrase: 'Bad', description: tricky } },
        },
        {
          code: 500,
          kind: 'error',
          class: 'server-error',
          texts: { en: { phrase: 'Oops', description: 'x' } },
        },
      ],
    });
    const html = renderDocs(profile, 'en', 'html');
    assert.ok(!html.includes('<b>'));
    assert.match(html, /<h1 id="tricky">Codes &amp; &lt;Things&gt;<\/h1>/);
    assert.deepEqual(
      rowsOf(parsePage(html).tables).map((row) => row.description),
      [tricky, tricky, 'x'],
    );
    const md = renderDocs(profile, 'en', 'md');
    assert.ok(md.includes('Use \\<b\\>\\*bold\\*\\</b\\> & \\`tick\\` \\| pipe\\_name\\_ here'));
    assert.deepEqual(markdownTables(md)[1]?.[0], ['Code | Phrase', 'Meaning']);
    const rst = renderDocs(profile, 'en', 'rst');
    assert.ok(rst.includes('Use <b>\\*bold\\*</b> & \\`tick\\` \\| pipe\\_name\\_ here'));
  });

  test('offers md, rst, html and openapi, and refuses anything else', () => {
    assert.deepEqual(docFormats, ['md', 'rst', 'html', 'openapi']);
    const nat = getProfile('nat');
    assert.throws(() => renderDocs(nat, 'en', 'pdf' as 'md'), RangeError);
    assert.throws(() => renderDocs(nat, 'fr' as 'en', 'md'), RangeError);
    assert.throws(() => renderDocs(nat, 'en', 'openapi', { dialect: 'soap' as 'error' }), RangeError);
  });
});
