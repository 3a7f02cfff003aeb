/**
 * Builds `src/catalog/codes.ts` from the seed pages: every row of every page, word for word,
 * under the profile named for its page. Run `npm run catalog` after a page changes; a test
 * rebuilds the catalog from the pages and fails on any difference.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Page, type PageRow, type PageTable, parsePage } from './seed-pages.js';

/** Where the pages live: `seeds/` of this package, the catalog's source data (`STATUSKIT_SEEDS` for a copy elsewhere). */
export const seedsDir = process.env.STATUSKIT_SEEDS ?? fileURLToPath(new URL('../seeds/', import.meta.url));

/** Which page is which profile, by the number the page's file name starts with. */
export const profilePages = {
  nat: { en: '000', 'zh-CN': '004' },
  bms: { en: '001' },
  dcaas: { en: '002' },
  basic: { en: '003' },
} as const;

/** The profile whose Chinese texts the others borrow where their own page has none. */
const zhDonor = 'nat';

/**
 * The rows whose own description says what the donor's says in other words ("could not" for
 * "cannot", "the service is abnormal" for "an internal service error"): they borrow its Chinese,
 * as rows with the donor's very words do. No other row borrows: basic's 200 "The request has
 * succeeded." is not "GET和PUT操作正常返回。" (the normal answer to GET and PUT), nor its 400
 * "Incorrect parameter" "服务器未能处理请求。" (the server failed to process the request);
 * those stay English. A judgement made by reading both pages, kept here as data.
 */
const sameInOtherWords: Readonly<Record<string, readonly number[]>> = {
  bms: [406, 409, 503],
  dcaas: [200, 201, 204, 401, 406, 409, 500, 501, 502, 503, 504],
  basic: [403, 404, 409, 500, 503],
};
const methods = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD'] as const;

export function seedFile(prefix: string, dir = seedsDir): string {
  const file = readdirSync(dir).find((name) => name.startsWith(`${prefix}_`));
  if (!file) throw new Error(`no seed page ${prefix}_* in ${dir}`);
  return file;
}

export function readSeed(prefix: string, dir = seedsDir): Page {
  return parsePage(readFileSync(join(dir, seedFile(prefix, dir)), 'utf8'));
}

function statusClass(code: number): string {
  return (
    ['informational', 'success', 'redirection', 'client-error', 'server-error'][Math.floor(code / 100) - 1] ??
    ''
  );
}

/** Splits a page into its normal and error tables; a one-table page is split by status class. */
function normalAndError(page: Page): { normal: PageTable; error: PageTable } {
  const [first, second] = page.tables;
  if (!first) throw new Error(`page ${page.anchor} has no table`);
  if (second) return { normal: first, error: second };
  return {
    normal: { header: first.header, rows: first.rows.filter((row) => row.code < 400) },
    error: { header: first.header, rows: first.rows.filter((row) => row.code >= 400) },
  };
}

function pageInfo(page: Page, seed: string, from?: string) {
  const { normal, error } = normalAndError(page);
  return {
    anchor: page.anchor,
    errorHeader: error.header,
    ...(from ? { from } : {}),
    normalHeader: normal.header,
    seed,
    title: page.title,
  };
}

function rowsByCode(page: Page): Map<number, PageRow> {
  return new Map(page.tables.flatMap((table) => table.rows).map((row) => [row.code, row]));
}

/** The catalog as plain data, in page order, keys sorted so that diffs stay small. */
export function buildCatalog(dir = seedsDir) {
  const donor = readSeed(profilePages[zhDonor]['zh-CN'], dir);
  const donorRows = rowsByCode(donor);
  const donorEnglish = rowsByCode(readSeed(profilePages[zhDonor].en, dir));
  /** The donor's Chinese row for a row of another page, where both say the same. */
  const borrowed = (profile: string, row: PageRow) =>
    donorEnglish.get(row.code)?.description === row.description ||
    sameInOtherWords[profile]?.includes(row.code)
      ? donorRows.get(row.code)
      : undefined;
  const donorFile = seedFile(profilePages[zhDonor]['zh-CN'], dir);

  return Object.fromEntries(
    Object.entries(profilePages).map(([name, files]) => {
      const en = readSeed(files.en, dir);
      const zhOwn = 'zh-CN' in files;
      const zh = zhOwn ? readSeed(files['zh-CN'], dir) : donor;
      const zhRows = rowsByCode(zh);
      const { normal, error } = normalAndError(en);
      const rows = [
        ...normal.rows.map((row) => ({ row, kind: 'normal' })),
        ...error.rows.map((row) => ({ row, kind: 'error' })),
      ].map(({ row, kind }) => {
        const zhRow = zhOwn ? zhRows.get(row.code) : borrowed(name, row);
        const named = methods.filter((method) => new RegExp(`\\b${method}\\b`).test(row.description));
        return {
          class: statusClass(row.code),
          code: row.code,
          ...(row.code === 202 && /delayed/i.test(row.description) ? { delayed: true } : {}),
          kind,
          ...(named.length > 0 ? { methods: named } : {}),
          texts: {
            en: { description: row.description, phrase: row.phrase },
            ...(zhRow
              ? {
                  'zh-CN': {
                    description: zhRow.description,
                    ...(zhOwn ? {} : { from: zhDonor }),
                    // A borrowed text keeps the page's own phrase: both pages spell phrases in English.
                    phrase: zhOwn ? zhRow.phrase : row.phrase,
                  },
                }
              : {}),
          },
        };
      });
      const pages = {
        en: pageInfo(en, seedFile(files.en, dir)),
        'zh-CN': pageInfo(zh, zhOwn ? seedFile(files['zh-CN'], dir) : donorFile, zhOwn ? undefined : zhDonor),
      };
      return [name, { pages, rows }];
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = fileURLToPath(new URL('../src/catalog/codes.ts', import.meta.url));
  const text = [
    '// Generated by `npm run catalog` from the seed pages (tools/catalog.ts). Do not edit by hand.',
    '// Every row of every page, word for word; a test rebuilds it from the pages and compares.',
    `export const catalog = ${JSON.stringify(buildCatalog(), null, 2)} as const;`,
    '',
  ].join('\n');
  writeFileSync(out, text);
  execFileSync('npx', ['biome', 'format', '--write', out], { stdio: 'inherit' });
}
