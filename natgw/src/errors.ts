import { ConflictError, type ContractError, createError, type ErrorStatus } from 'statuskit';
import { errorCodes } from './error-codes.js';
import { zhCnMessages } from './error-codes.zh-CN.js';

/** A code of the service's error-code page (common_parameters/error_codes.rst). */
export type NatCode = keyof typeof errorCodes;

/** What fills a template: by name (`%(nat_gateway_id)s`), by position (`%s`, `0`, `1`), or one value for all. */
export type TemplateValues = Readonly<Record<string, string | number>> | string;

export interface NatErrorOptions {
  /** For a code the page gives two statuses (NAT.0105: 400 when deleting, 404 otherwise), which one. */
  status?: number;
  /** For a code with several messages (`//` on the page), the one that contains this text. */
  variant?: string;
  /**
   * The template's gaps the page writes without a placeholder, filled before its placeholders
   * are (in either language): `xxx` in "param xxx is null in request body.", the `.+` and the
   * maximum of "Invalid input for name.+exceeds maximum length of 255.".
   */
  gaps?: (template: string) => string;
  details?: unknown;
  /** Placeholders `values` does not name are left as the page writes them (else they are emptied). */
  keepUnfilled?: boolean;
}

/** The page's placeholders: `%(name)s`, and by position `%s`, `%d` and masked values (`'*'`, `****-…`). */
const placeholder = /%\((\w+)\)[sd]|%[sd]|\*+(?:-\*+)*/g;

/**
 * A template with its placeholders filled.
 * @example fill('NatGateway %(nat_gateway_id)s is not ACTIVE.', { nat_gateway_id: 'x' }) // 'NatGateway x is not ACTIVE.'
 */
export function fill(template: string, values: TemplateValues = {}, keepUnfilled = false): string {
  let position = 0;
  return template.replace(placeholder, (written, name: string | undefined) => {
    if (typeof values === 'string') return values;
    const key = name ?? String(position++);
    return String(values[key] ?? (keepUnfilled ? written : ''));
  });
}

/** The names of a template's placeholders, positional ones by number, for tests of the translations. */
export function placeholders(template: string): string[] {
  let position = 0;
  return [...template.matchAll(placeholder)].map((match) => match[1] ?? String(position++));
}

/**
 * The page's error for a condition: its code, its HTTP status and its message template, filled,
 * in English and, from the code's zh-CN template, in Chinese: the answer speaks the language the
 * request asks for.
 * @example natError('NAT.0103', { nat_gateway_id: id }) // 400 'NatGateway … is not ACTIVE.'
 */
export function natError(
  code: NatCode,
  values: TemplateValues = {},
  options: NatErrorOptions = {},
): ContractError {
  const row = errorCodes[code];
  const statuses: readonly number[] = row.statuses;
  if (statuses.length > 1 && options.status === undefined)
    throw new Error(`${code} has statuses ${statuses.join('/')}: say which`);
  const status = options.status ?? statuses[0];
  if (status === undefined || !statuses.includes(status))
    throw new Error(`${code} is not sent with ${options.status}`);
  const messages: readonly string[] = row.messages;
  // Without a variant, the first message: every text includes the empty one.
  const variant = messages.findIndex((m) => m.includes(options.variant ?? ''));
  const template = messages[variant];
  if (template === undefined) throw new Error(`${code} has no message with "${options.variant}"`);
  const gaps = options.gaps ?? ((text: string) => text);
  const zh = zhCnTemplate(code, variant);
  const en = fill(gaps(template), values, options.keepUnfilled);
  const zhCn = zh === undefined ? undefined : fill(gaps(zh), values, options.keepUnfilled);
  return createError(status as ErrorStatus, zhCn === undefined ? en : { en, 'zh-CN': zhCn }, {
    code,
    ...(options.details === undefined ? {} : { details: options.details }),
  });
}

/**
 * A conflict of natgw's own API, which no page describes (the admin API's network item still in
 * use): the contract's 409, with its own code, in English and Chinese.
 */
export function conflict(en: string, zhCn: string): ContractError {
  return new ConflictError({ en, 'zh-CN': zhCn });
}

/** The zh-CN template for a code's message (the one at `variant` where the page gives several). */
export function zhCnTemplate(code: NatCode, variant = 0): string | undefined {
  const entry = (zhCnMessages as Partial<Record<string, string | readonly string[]>>)[code];
  return typeof entry === 'string' ? entry : entry?.[variant];
}

/**
 * The codes sent for the errors the plugin raises itself (bad input, unknown route, bad token).
 * Overload and draining (503) keep the contract's own code: the page has no 503 row, and its
 * "system is busy" (NAT.0102) is a 400, which no client retries.
 */
export const pluginErrorCodes = {
  400: 'NAT.0002',
  401: 'VPC.0008',
  403: 'VPC.2701',
  404: 'NAT.1002',
  500: 'NAT.1001',
} as const satisfies Partial<Record<ErrorStatus, NatCode>>;

/**
 * A code to document; for a code the page gives two statuses, the one the route sends; for one with
 * several messages, the text of the one it sends.
 */
export type DocumentedCode = NatCode | { code: NatCode; status?: number; variant?: string };

/**
 * The page's errors as the OpenAPI document lists them (a route's `schema.errors`): status, code
 * and message template, from the generated error-code table.
 * @example documented('NAT.0103', { code: 'NAT.0105', status: 404 }) // [{ status: 400, code: 'NAT.0103', … }, { status: 404, code: 'NAT.0105', … }]
 */
export function documented(...list: DocumentedCode[]): { status: number; code: NatCode; message: string }[] {
  return list.map((entry) => {
    const { code, status: chosen, variant } = typeof entry === 'string' ? { code: entry } : entry;
    const row = errorCodes[code];
    const statuses: readonly number[] = row.statuses;
    const messages: readonly string[] = row.messages;
    if (chosen === undefined && statuses.length > 1)
      throw new Error(`${code} has statuses ${statuses.join('/')}: say which`);
    const status = chosen ?? statuses[0];
    if (status === undefined || !statuses.includes(status))
      throw new Error(`${code} is not sent with ${chosen}`);
    const message = variant === undefined ? messages[0] : messages.find((m) => m.includes(variant));
    if (message === undefined) throw new Error(`${code} has no message with "${variant}"`);
    return { status, code, message };
  });
}
