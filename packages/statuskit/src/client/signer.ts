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

/**
 * The canonical URI: each segment of the path as sent (percent-escapes and all) encoded again
 * with only the unreserved characters left as they are, and a trailing slash. Huawei Cloud's
 * SDKs sign the path this way, so a server must read it this way too.
 * @example canonicalUri('/v2/p/tags/a%20b') // '/v2/p/tags/a%2520b/'
 */
export function canonicalUri(path: string): string {
  const encoded = path.split('/').map(encodeUnreserved).join('/');
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
 * of the body; headers not named in `signedHeaders` are not part of it.
 */
export function canonicalRequest(
  request: Omit<SignableRequest, 'body'>,
  signedHeaders: readonly string[],
  bodyHash: string,
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
    canonicalUri(path),
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
  const headers: Record<string, string> = {};
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
