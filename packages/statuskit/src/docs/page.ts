/**
 * What every page format shows, worked out once: the page's title, anchor and headers in the
 * language asked for, its rows in page order, and the codes outside the profile. The formats
 * (md, rst, html) only lay this out.
 */
import {
  classDefaults,
  fallbacks,
  type Language,
  type PageInfo,
  type Profile,
  type Row,
} from '../catalog/index.js';

export interface DocRow {
  readonly code: number;
  readonly phrase: string;
  readonly description: string;
  /** The language the text is in: `en` where the page has no translation for this row. */
  readonly lang: Language;
}

export interface DocTable {
  readonly header: readonly string[];
  /**
   * Whether code and phrase have cells of their own (`200 | OK | …`, a 3-cell header), or share
   * the first one (`400 Bad Request | …`, a 2-cell header): the pages write both.
   */
  readonly split: boolean;
  readonly rows: readonly DocRow[];
}

/** Codes outside the profile, or a whole class of them (`4xx`), shown by what they land on. */
export interface FromItem {
  /** `205`, `413–417` or `4xx`. */
  readonly text: string;
  /** Says "other 4xx": the class less the codes the page lists or sends elsewhere. */
  readonly other: boolean;
}

export interface FallbackGroup {
  readonly to: number;
  readonly phrase: string;
  readonly from: readonly FromItem[];
}

export interface Labels {
  readonly profile: string;
  readonly language: string;
  readonly languageName: string;
  readonly normalCaption: string;
  readonly errorCaption: string;
  readonly outside: string;
  readonly outsideIntro: string;
  readonly other: string;
  /** `: ` or the full-width `：`, between a label and its value. */
  readonly colon: string;
  /** Where the page in this language is another profile's. */
  borrowed(from: string): string;
  /** Where some rows have no text in this language. */
  untranslated(codes: readonly number[]): string;
}

const labels: { readonly [L in Language]: Labels } = {
  en: {
    profile: 'Profile',
    language: 'Language',
    languageName: 'English',
    normalCaption: 'Normal responses',
    errorCaption: 'Error responses',
    outside: 'Codes outside this profile',
    outsideIntro: 'A status code this page does not list is sent as the code it falls back to:',
    other: 'other',
    colon: ': ',
    borrowed: (from) => `This profile has no page of its own in English; its texts come from ${from}.`,
    untranslated: (codes) => `No English text for ${codes.join(', ')}.`,
  },
  'zh-CN': {
    profile: '配置',
    language: '语言',
    languageName: '简体中文',
    normalCaption: '正常响应',
    errorCaption: '错误响应',
    outside: '本配置以外的状态码',
    outsideIntro: '本页未列出的状态码，按其回退到的状态码返回：',
    other: '其他',
    colon: '：',
    borrowed: (from) => `本配置没有自己的中文页面，中文文本取自 ${from} 的页面。`,
    untranslated: (codes) => `${codes.join('、')} 没有中文文本，以英文显示。`,
  },
};

export interface DocPage {
  readonly profile: string;
  readonly lang: Language;
  readonly title: string;
  readonly anchor: string;
  readonly normal: DocTable;
  readonly errors: DocTable;
  readonly outside: readonly FallbackGroup[];
  readonly labels: Labels;
  /** Short remarks in the page's language: borrowed texts, rows left in English. */
  readonly notes: readonly string[];
}

/** The page of `profile` in `lang`, ready to be laid out. */
export function docPage(profile: Profile, lang: Language): DocPage {
  const page: PageInfo = profile.pages[lang] ?? profile.pages.en;
  const words = labels[lang];
  const table = (rows: readonly Row[], header: readonly string[]): DocTable => ({
    header: header.length >= 3 ? header.slice(0, 3) : [header[0] ?? '', header[1] ?? ''],
    split: header.length >= 3,
    rows: rows.map((row) => {
      const text = profile.text(row.code, lang);
      return { code: row.code, phrase: text.phrase, description: text.description, lang: text.lang };
    }),
  });
  const normal = table(profile.normal, page.normalHeader);
  const errors = table(profile.errors, page.errorHeader);
  const untranslated = [...normal.rows, ...errors.rows].filter((row) => row.lang !== lang);
  const notes = [
    ...(page.from ? [words.borrowed(page.from)] : []),
    ...(untranslated.length > 0 ? [words.untranslated(untranslated.map((row) => row.code))] : []),
  ];
  return {
    profile: profile.name,
    lang,
    title: page.title,
    // A borrowed page's anchor names the other service's page; the profile's own one is the
    // stable link target.
    anchor: page.from ? profile.pages.en.anchor : page.anchor,
    normal,
    errors,
    outside: fallbackGroups(profile, lang),
    labels: words,
    notes,
  };
}

/**
 * `profile.fallbacks()` in a few lines: the codes with an entry of their own that lands away
 * from their class default are named; the rest of each class is one "other 4xx". Grouped by the
 * code they are sent as, in code order.
 */
function fallbackGroups(profile: Profile, lang: Language): FallbackGroup[] {
  const explicit = fallbacks as Readonly<Record<number, unknown>>;
  const groups = new Map<number, { codes: number[]; classes: FromItem[] }>();
  const group = (to: number) => {
    const found = groups.get(to) ?? { codes: [], classes: [] };
    groups.set(to, found);
    return found;
  };
  const outside = profile.fallbacks();
  for (const cls of [1, 2, 3, 4, 5] as const) {
    const inClass = outside.filter((fallback) => Math.floor(fallback.from / 100) === cls);
    if (inClass.length === 0) continue;
    const base = profile.resolve(classDefaults[cls].to);
    const named = inClass.filter((fallback) => fallback.to !== base && fallback.from in explicit);
    for (const fallback of named) group(fallback.to).codes.push(fallback.from);
    const whole = named.length === 0 && inClass.length === 100;
    group(base).classes.push({ text: `${cls}xx`, other: !whole });
  }
  return [...groups]
    .sort(([a], [b]) => a - b)
    .map(([to, { codes, classes }]) => ({
      to,
      phrase: profile.text(to, lang).phrase,
      from: [...runs(codes).map((text) => ({ text, other: false })), ...classes],
    }));
}

/** `[412, 413, 414, 415, 423]` as `['412–415', '423']`: runs of three or more become ranges. */
function runs(codes: readonly number[]): string[] {
  const sorted = [...codes].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    const first = sorted[i] ?? 0;
    const last = sorted[j] ?? 0;
    if (j - i >= 2) out.push(`${first}–${last}`);
    else for (let k = i; k <= j; k++) out.push(String(sorted[k]));
    i = j + 1;
  }
  return out;
}

/** The cells of a row as the page writes them: `200 | OK | …` or `400 Bad Request | …`. */
export function rowCells(table: DocTable, row: DocRow): string[] {
  return table.split
    ? [String(row.code), row.phrase, row.description]
    : [`${row.code} ${row.phrase}`, row.description];
}

/** `other 4xx`, `4xx` or `205`, in the page's language. */
export function fromText(item: FromItem, words: Labels): string {
  return item.other ? `${words.other} ${item.text}` : item.text;
}

// East Asian wide and fullwidth characters take two columns in a monospaced layout; RST grid
// tables and title underlines are measured in columns, so Chinese cells must count double.
const wide =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

/** The columns `text` takes in a monospaced font. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += wide.test(char) ? 2 : 1;
  return width;
}

/** Pads `text` with spaces to `width` columns. */
export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** Escapes text for HTML content and attribute values alike. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
