/**
 * statuskit/docs: a profile rendered as the page it came from (Markdown, reStructuredText or a
 * standalone HTML page), or as OpenAPI response components.
 */
import { isLanguage, type Language, type Profile } from '../catalog/index.js';
import type { DialectName } from '../dialects/index.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './md.js';
import { renderOpenApi } from './openapi.js';
import { renderRst } from './rst.js';

/** The formats `renderDocs` writes. */
export const docFormats = ['md', 'rst', 'html', 'openapi'] as const;
export type DocFormat = (typeof docFormats)[number];

export interface DocOptions {
  /** The error-body dialect of the OpenAPI examples and schema; `error` by default. */
  dialect?: DialectName;
}

/**
 * The profile as a page in `format`: md, rst and html give the page's title, its normal and error
 * tables word for word in `lang` (English where a row has no translation) and the codes outside
 * the profile; openapi gives OpenAPI 3.0 response components as JSON.
 * @example renderDocs(getProfile('dcaas'), 'en', 'rst')
 * @example renderDocs(getProfile('nat'), 'zh-CN', 'openapi', { dialect: 'problem' })
 */
export function renderDocs(
  profile: Profile,
  lang: Language,
  format: DocFormat,
  options: DocOptions = {},
): string {
  // Callers from plain JavaScript or a command line may pass anything.
  if (!isLanguage(lang)) throw new RangeError(`unknown language "${lang}" (known: en, zh-CN)`);
  switch (format) {
    case 'md':
      return renderMarkdown(profile, lang);
    case 'rst':
      return renderRst(profile, lang);
    case 'html':
      return renderHtml(profile, lang);
    case 'openapi':
      return renderOpenApi(profile, lang, options);
    default:
      throw new RangeError(`unknown format "${String(format)}" (known: ${docFormats.join(', ')})`);
  }
}

export { renderHtml } from './html.js';
export { renderMarkdown } from './md.js';
export {
  type OpenApiDocument,
  type OpenApiMediaType,
  type OpenApiResponse,
  type OpenApiSchema,
  openApiDocument,
  openApiResponseName,
  openApiSchemaNames,
  renderOpenApi,
} from './openapi.js';
export { renderRst } from './rst.js';
