import { createHash, createHmac } from 'node:crypto';

/**
 * Huawei Cloud's API request signing, `SDK-HMAC-SHA256` (the "AK/SK" of its API Gateway): an
 * HMAC-SHA256, with the secret key, of a string naming the algorithm, the `X-Sdk-Date` and the
 * SHA-256 of a canonical request (method, path, sorted query, the signed headers, the body's hash).
 * Pure functions: the client signs with them, a server verifies with them.
 */
export const signingAlgorithm = 'SDK-HMAC-SHA256';

/** An access key: its id (AK), sent in the clear, and its secret (SK), which signs. */
export interface AccessKey {
  accessKey: string;
  secretKey: string;
}

export interface SignableRequest {
  method: string;
  /** The path and query exactly as sent: `/v2/p/nat_gateways?limit=10`. */
  url: string;
  /** The headers to sign, any case; they must include `host` and `x-sdk-date`. */
  headers: Record<string, string>;
  /** The body's bytes (or text, as UTF-8); none is the empty body. */
  body?: string | Uint8Array;
}

/** SHA-256 of the empty body, as the canonical request carries it for a request without one. */
export const emptyBodyHash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The `X-Sdk-Date` form of a time: `YYYYMMDDTHHMMSSZ`, UTC.
 * @example sdkDate(new Date('2026-11-27T16:05:09.123Z')) // '20261127T160509Z'
 */
export function sdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}/, '')
    .replace(/[-:]/g, '');
}

/** The time an `X-Sdk-Date` names, or undefined when it is not of that form. */
export function parseSdkDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const date = new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second));
  return sdkDate(date) === value ? date : undefined;
}

/** RFC 3986 §2.3: everything but the unreserved characters percent-encoded, as UTF-8. */
function encodeUnreserved(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A query component as a form decodes it (`+` is a space); undefined when it is not valid UTF-8 escapes. */
function decodeComponent(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Who made a path's percent-escapes: the HTTP client that sent it, or the caller who gave them to the signer. */
export type PathEscapes = 'client' | 'caller';

/** What Node's legacy `url.parse`, with which Huawei Cloud's SDK signer reads a URL, escapes in a path. */
const parserEscaped = new Set([' ', '"', "'", '<', '>', '^', '`', '{', '|', '}']);

/** An escape an HTTP client makes of a character the signer saw as it is: a non-ASCII or a control byte. */
const clientEscape = /%(?:[89A-F][0-9A-F]|[01][0-9A-F]|7F)/;

const percent = (byte: number) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * One path segment as Huawei Cloud's SDK signer canonicalises it. The signer reads the URL it was
 * given with Node's legacy parser, which escapes a space, `'`, `|`, `^` and the like, then encodes
 * every byte but the unreserved characters: an escape that was in what it was given is encoded
 * again (`%20` → `%2520`). Its HTTP client then sends non-ASCII and control characters
 * percent-encoded as UTF-8, which is exactly how the signer encoded them: such an escape on the
 * wire is kept as it is, unless the caller made it (`escapes: 'caller'`).
 */
function canonicalSegment(segment: string, escapes: PathEscapes): string {
  return segment.replace(/%[0-9A-F]{2}|[^A-Za-z0-9\-._~]/gu, (match) => {
    if (match.length === 3)
      return escapes === 'client' && clientEscape.test(match) ? match : `%25${match.slice(1)}`;
    if (parserEscaped.has(match)) return `%25${percent(match.charCodeAt(0)).slice(1)}`;
    return [...Buffer.from(match)].map(percent).join('');
  });
}

/**
 * Whether a path reads differently as its escapes were made by the client or by the caller: only
 * when it has escapes of non-ASCII or control bytes (`%E9%94%AE` is `键` sent by the client, or
 * the text `%E9%94%AE` an SDK caller encoded beforehand).
 */
export function ambiguousEscapes(path: string): boolean {
  return clientEscape.test(path);
}

/**
 * The canonical URI of a path as sent: each segment as Huawei Cloud's SDK signer canonicalises
 * the path it was given, and a trailing slash. A backslash is a slash to its parser, as on the wire.
 * @example canonicalUri('/v2/p/tags/a%20b') // '/v2/p/tags/a%2520b/'
 * @example canonicalUri('/v2/p/tags/%E9%94%AE') // '/v2/p/tags/%E9%94%AE/' (the key 键)
 * @example canonicalUri('/v2/p/tags/%E9%94%AE', 'caller') // '/v2/p/tags/%25E9%2594%25AE/'
 */
export function canonicalUri(path: string, escapes: PathEscapes = 'client'): string {
  const segments = path.replace(/\\/g, '/').split('/');
  const encoded = segments.map((segment) => canonicalSegment(segment, escapes)).join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/**
 * The canonical query: every name and value decoded, sorted by name then value, and encoded
 * again with only the unreserved characters left as they are; undefined for a malformed query.
 * @example canonicalQuery('b=2&a=x y') // 'a=x%20y&b=2'
 */
export function canonicalQuery(search: string): string | undefined {
  const query = search.startsWith('?') ? search.slice(1) : search;
  if (query === '') return '';
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = decodeComponent(equals === -1 ? part : part.slice(0, equals));
    const value = decodeComponent(equals === -1 ? '' : part.slice(equals + 1));
    if (name === undefined || value === undefined) return undefined;
    pairs.push([name, value]);
  }
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  pairs.sort(([nameA, valueA], [nameB, valueB]) => order(nameA, nameB) || order(valueA, valueB));
  return pairs.map(([name, value]) => `${encodeUnreserved(name)}=${encodeUnreserved(value)}`).join('&');
}

/**
 * The canonical request, or undefined when the query is malformed. `bodyHash` is the SHA-256 (hex)
 * of the body; headers not named in `signedHeaders` are not part of it; `escapes` says who made
 * the path's escapes (see `canonicalUri`).
 */
export function canonicalRequest(
  request: Omit<SignableRequest, 'body'>,
  signedHeaders: readonly string[],
  bodyHash: string,
  escapes: PathEscapes = 'client',
): string | undefined {
  const question = request.url.indexOf('?');
  const path = question === -1 ? request.url : request.url.slice(0, question);
  const query = canonicalQuery(question === -1 ? '' : request.url.slice(question + 1));
  if (query === undefined) return undefined;
  const headers = new Map(
    Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const lines = signedHeaders.map((name) => `${name}:${(headers.get(name) ?? '').trim()}\n`).join('');
  return [
    request.method.toUpperCase(),
    canonicalUri(path, escapes),
    query,
    lines,
    signedHeaders.join(';'),
    bodyHash,
  ].join('\n');
}

/** The string the secret key signs. */
export function stringToSign(date: string, canonical: string): string {
  return `${signingAlgorithm}\n${date}\n${sha256Hex(canonical)}`;
}

/** HMAC-SHA256 of the string to sign with the secret key, in hex. */
export function signature(secretKey: string, date: string, canonical: string): string {
  return createHmac('sha256', secretKey).update(stringToSign(date, canonical)).digest('hex');
}

/**
 * Signs a request: the headers to add, `X-Sdk-Date` (from `date` unless the request has one) and
 * `Authorization`. Every header given is signed, `host` and `x-sdk-date` included.
 * @example
 * signRequest(
 *   { method: 'GET', url: '/v2/p/nat_gateways?limit=10', headers: { host: 'nat.example.com', 'x-project-id': 'p' } },
 *   { accessKey: 'AK', secretKey: 'SK' },
 *   new Date(),
 * ) // { 'x-sdk-date': '2026…Z', authorization: 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-project-id;x-sdk-date, Signature=…' }
 */
export function signRequest(
  request: SignableRequest,
  key: AccessKey,
  date: Date = new Date(),
): { 'x-sdk-date': string; authorization: string } {
  // No prototype: a header named like one of Object's properties is a header like any other.
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers['x-sdk-date'] ??= sdkDate(date);
  const xDate = headers['x-sdk-date'];
  if (headers.host === undefined) throw new TypeError('a signed request needs its host header');
  const signedHeaders = Object.keys(headers).sort();
  const canonical = canonicalRequest({ ...request, headers }, signedHeaders, sha256Hex(request.body ?? ''));
  if (canonical === undefined) throw new TypeError(`the query of ${request.url} is not well-formed`);
  return {
    'x-sdk-date': xDate,
    authorization: `${signingAlgorithm} Access=${key.accessKey}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature(key.secretKey, xDate, canonical)}`,
  };
}

/** The parts of an `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` header. */
export interface SignedAuthorization {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

/** Reads an `SDK-HMAC-SHA256` authorization; undefined when it is not one, or lacks a part. */
export function parseAuthorization(value: string): SignedAuthorization | undefined {
  if (!value.startsWith(`${signingAlgorithm} `) || value.length > 8192) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(signingAlgorithm.length + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals === -1) return undefined;
    fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  const accessKey = fields.get('Access');
  const signed = fields.get('SignedHeaders');
  const hex = fields.get('Signature');
  if (!accessKey || !signed || !hex) return undefined;
  return { accessKey, signedHeaders: signed.split(';'), signature: hex };
}
