import { catalog } from './codes.js';
import { classDefaults, fallbacks } from './fallbacks.js';

/** The profiles built from the seed pages, one a page. */
export type ProfileName = keyof typeof catalog;
type CatalogRow = (typeof catalog)[ProfileName]['rows'][number];
/** Every status code some page documents. */
export type Status = CatalogRow['code'];
/** Every status code some page documents as an error. */
export type ErrorStatus = Extract<CatalogRow, { kind: 'error' }>['code'];
/** Languages the pages are written in; `en` is every page's own. */
export type Language = 'en' | 'zh-CN';
export type StatusClass = 'informational' | 'success' | 'redirection' | 'client-error' | 'server-error';

export const languages: readonly Language[] = ['en', 'zh-CN'];
export const profileNames = Object.keys(catalog) as ProfileName[];
export const defaultProfileName: ProfileName = 'nat';

export interface Text {
  readonly phrase: string;
  readonly description: string;
  /** Set when the text was borrowed from another profile's page. */
  readonly from?: string;
}

export interface Row {
  readonly code: number;
  readonly kind: 'normal' | 'error';
  readonly class: StatusClass;
  /** The methods whose normal answer this is, where the page says so. */
  readonly methods?: readonly string[];
  /** 202: accepted, with the work going on after the answer. */
  readonly delayed?: boolean;
  readonly texts: { readonly en: Text; readonly 'zh-CN'?: Text };
}

export interface PageInfo {
  readonly title: string;
  readonly anchor: string;
  readonly seed: string;
  readonly normalHeader: readonly string[];
  readonly errorHeader: readonly string[];
  readonly from?: string;
}

export interface ProfileDefinition {
  readonly name: string;
  readonly rows: readonly Row[];
  readonly pages: { readonly en: PageInfo; readonly 'zh-CN'?: PageInfo };
}

/** Where a code outside the profile lands, and why. */
export interface Fallback {
  readonly from: number;
  readonly to: number;
  readonly why: string;
}

/**
 * One page's contract: the codes a service may send, their texts, and where every other code
 * lands. Lookups are precomputed, so everything here is cheap on a request path.
 */
export class Profile {
  readonly name: string;
  readonly rows: readonly Row[];
  readonly pages: ProfileDefinition['pages'];
  readonly #rows = new Map<number, Row>();
  readonly #resolved = new Uint16Array(600);
  /** Texts by resolved code and language, made once: they are read on every error answer. */
  readonly #texts = new Map<number, Text & { readonly lang: Language }>();

  constructor(definition: ProfileDefinition) {
    this.name = definition.name;
    this.rows = definition.rows;
    this.pages = definition.pages;
    for (const row of definition.rows) this.#rows.set(row.code, row);
    for (const base of [200, 400, 500]) {
      if (!this.#rows.has(base))
        throw new TypeError(`profile ${this.name} lacks ${base}, which the fallbacks need`);
    }
    for (let code = 100; code < 600; code++) this.#resolved[code] = this.#resolve(code);
  }

  #resolve(code: number): number {
    let current = code;
    for (let hops = 0; !this.#rows.has(current); hops++) {
      if (hops > 10) throw new TypeError(`fallback loop from ${code} in profile ${this.name}`);
      current = fallbackOf(current).to;
    }
    return current;
  }

  /** Whether the page documents this code. */
  has(code: number): boolean {
    return this.#rows.has(code);
  }

  row(code: number): Row | undefined {
    return this.#rows.get(code);
  }

  /** The code to send for `code`: itself when the page has it, else its documented fallback. */
  resolve(code: number): number {
    // Below 100 the table holds 0, past 599 (or between integers) nothing: either way, 500.
    return this.#resolved[code] || 500;
  }

  /** The code's text in `lang`, falling back to English where the page gives no translation. */
  text(code: number, lang?: Language): Text & { readonly lang: Language } {
    const resolved = this.resolve(code);
    const key = resolved * 2 + (lang === 'zh-CN' ? 1 : 0);
    let text = this.#texts.get(key);
    if (!text) {
      const row = this.#rows.get(resolved) as Row;
      const translated = lang === 'zh-CN' ? row.texts['zh-CN'] : undefined;
      text = Object.freeze(
        translated ? { ...translated, lang: 'zh-CN' as const } : { ...row.texts.en, lang: 'en' as const },
      );
      this.#texts.set(key, text);
    }
    return text;
  }

  /** The page's normal (success) rows, in page order. */
  get normal(): readonly Row[] {
    return this.rows.filter((row) => row.kind === 'normal');
  }

  /** The page's error rows, in page order. */
  get errors(): readonly Row[] {
    return this.rows.filter((row) => row.kind === 'error');
  }

  /** The whole mapping of codes outside the profile, 100..599, with the reason for each step. */
  fallbacks(): Fallback[] {
    const out: Fallback[] = [];
    for (let code = 100; code < 600; code++) {
      if (!this.has(code)) out.push({ from: code, to: this.resolve(code), why: fallbackOf(code).why });
    }
    return out;
  }
}

function fallbackOf(code: number): { to: number; why: string } {
  return (
    (fallbacks as Record<number, { to: number; why: string }>)[code] ??
    classDefaults[Math.floor(code / 100) as keyof typeof classDefaults] ??
    classDefaults[5]
  );
}

const builtIn = new Map<string, Profile>(
  profileNames.map((name) => [
    name,
    new Profile({ name, ...(catalog[name] as Omit<ProfileDefinition, 'name'>) }),
  ]),
);

/**
 * A profile by name: one of the built-in pages, or one registered with `defineProfile`.
 * @example getProfile('nat').text(404, 'zh-CN').description // '服务器无法找到被请求的页面。'
 */
export function getProfile(name: string = defaultProfileName): Profile {
  const profile = builtIn.get(name);
  if (!profile) throw new RangeError(`unknown profile "${name}" (known: ${[...builtIn.keys()].join(', ')})`);
  return profile;
}

/**
 * Registers a profile of your own, for an API whose page is not one of the built-in ones. Rows
 * for 200, 400 and 500 are required: every code outside the profile must land somewhere.
 * @example defineProfile({ name: 'mine', rows: [...], pages: { en: {...} } })
 */
export function defineProfile(definition: ProfileDefinition): Profile {
  if (builtIn.has(definition.name)) throw new RangeError(`profile "${definition.name}" is already defined`);
  const profile = new Profile(definition);
  builtIn.set(definition.name, profile);
  return profile;
}

export function isLanguage(value: string): value is Language {
  return (languages as readonly string[]).includes(value);
}
