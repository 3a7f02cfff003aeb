import { createHash, timingSafeEqual } from 'node:crypto';

export interface Credentials {
  user: string;
  password: string;
}

/**
 * Splits `user:password` at the first colon (RFC 7617: the user id has none, the password may).
 * @example parseCredentials('gw:s3:cret') // { user: 'gw', password: 's3:cret' }
 */
export function parseCredentials(text: string): Credentials {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new RangeError('proxy credentials must be given as user:password');
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The `Proxy-Authenticate` challenge (RFC 9110 §11.7.1, RFC 7617). */
export function proxyChallenge(realm: string): string {
  return `Basic realm="${realm.replace(/["\\]/g, '\\$&')}", charset="UTF-8"`;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks `Proxy-Authorization` headers against one pair of credentials. The comparison takes
 * the same time whatever the header holds: both sides are hashed to the same length and
 * compared with `timingSafeEqual`.
 */
export class ProxyAuth {
  readonly challenge: string;
  readonly #expected: Buffer;

  constructor(credentials: Credentials, realm: string) {
    this.challenge = proxyChallenge(realm);
    const token = Buffer.from(`${credentials.user}:${credentials.password}`, 'utf8').toString('base64');
    this.#expected = digest(token);
  }

  /** Whether the header carries the right credentials. @example auth.allows('Basic Z3c6cHc=') */
  allows(header: string | string[] | undefined): boolean {
    if (typeof header !== 'string') return false;
    const token = basicToken(header);
    // Hashing something even for a malformed header keeps the time the same.
    const given = digest(token ?? '');
    return timingSafeEqual(given, this.#expected) && token !== undefined;
  }
}

/** token68 (RFC 9110 §11.2). */
const token68 = /^[A-Za-z0-9+/=._~-]*$/;

/**
 * The credentials of a `Basic` authorization (RFC 7617): the scheme, one or more spaces, a
 * token68, optional trailing spaces; `undefined` for anything else. One pass over the header:
 * the regular expression it replaces backtracked quadratically on `Basic` and thousands of
 * spaces followed by a character no rule takes.
 * @example basicToken('Basic Z3c6cHc=') // 'Z3c6cHc='
 */
export function basicToken(header: string): string | undefined {
  if (header.length < 6 || header.slice(0, 5).toLowerCase() !== 'basic' || header[5] !== ' ')
    return undefined;
  let start = 6;
  while (header[start] === ' ') start++;
  let end = header.length;
  while (end > start && header[end - 1] === ' ') end--;
  const token = header.slice(start, end);
  return token68.test(token) ? token : undefined;
}
