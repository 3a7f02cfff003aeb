import {
  type ContractError,
  createError,
  type ErrorStatus,
  getProfile,
  isErrorStatus,
  type Language,
  type Profile,
  parseErrorBody,
  profileNames,
  requestIdHeaders,
} from '../index.js';
import { type RequestInfo, recordResponse } from './errors.js';
import { parseRetryAfter } from './retry.js';

/** An answer as read off the wire, body in full. */
export interface Received {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

/** Headers as a plain object: lower-case names, repeated fields joined with `, `. */
export function plainHeaders(headers: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
  }
  return out;
}

/**
 * The catalog class to throw for `status`: its own when the catalog has one; else the class of
 * the code the profile maps it to (429 → 503 in `nat`); else 400 or 500 by its class.
 * @example errorStatusFor(429, getProfile('nat')) // 503
 */
export function errorStatusFor(status: number, profile: Profile): ErrorStatus {
  if (isErrorStatus(status)) return status;
  const resolved = profile.resolve(status);
  if (isErrorStatus(resolved)) return resolved;
  return status >= 400 && status < 500 ? 400 : 500;
}

/**
 * The catalog's description of `status` in `lang`: from the profile when it documents the code,
 * else from the first built-in page that does, else the profile's fallback text.
 * @example catalogText(502, getProfile('basic')) // 'Failed to complete the request because the server has received an invalid response.'
 */
export function catalogText(status: number, profile: Profile, lang: Language = 'en'): string {
  if (profile.has(status)) return profile.text(status, lang).description;
  const page = profileNames.map((name) => getProfile(name)).find((other) => other.has(status));
  return (page ?? profile).text(status, lang).description;
}

/** Headers a contract error keeps from its answer: the challenges and hints a caller acts on. */
const keptHeaders = ['allow', 'www-authenticate', 'proxy-authenticate', 'retry-after'] as const;

/**
 * The contract error for an error answer: the catalog's class for the status, with the service's
 * error code, message, details and request id read from any of the three dialects. A body in none
 * (plain text, HTML, empty) still gives the right class, with the catalog's text as message and
 * `SK.<status>` as code. The request id is the body's, else the answer's header, else the one sent.
 * The received status, headers and body stay reachable through `responseOf(error)`.
 * @example errorFromResponse({ status: 409, statusText: 'Conflict', headers: {}, body: '{"error_code":"NAT.0103","error_msg":"busy"}' }, info, getProfile('nat'))
 */
export function errorFromResponse(
  received: Received,
  info: RequestInfo,
  profile: Profile,
  lang: Language = 'en',
  now: number = Date.now(),
): ContractError {
  const status = errorStatusFor(received.status, profile);
  const parsed = parseErrorBody(received.body);
  const headers: Record<string, string> = {};
  for (const name of keptHeaders) {
    const value = received.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const retryAfter = parseRetryAfter(received.headers['retry-after'], now);
  const requestId =
    parsed?.requestId ??
    received.headers[requestIdHeaders[0]] ??
    received.headers[requestIdHeaders[1]] ??
    info.requestId;
  const error = createError(status, parsed?.message ?? catalogText(received.status, profile, lang), {
    ...(parsed?.code === undefined ? {} : { code: parsed.code }),
    ...(parsed?.details === undefined ? {} : { details: parsed.details }),
    ...(retryAfter === undefined ? {} : { retryAfter: retryAfter / 1000 }),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    requestId,
  });
  return recordResponse(error, { ...info, ...received });
}

/**
 * A success body: JSON when the media type says so (`application/json`, `…+json`), text
 * otherwise, `undefined` when there is none.
 * @example parseBody({ 'content-type': 'application/json' }, '{"a":1}') // { a: 1 }
 */
export function parseBody(headers: Record<string, string>, text: string): unknown {
  if (text === '') return undefined;
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json' || type.endsWith('+json')) return JSON.parse(text);
  return text;
}
