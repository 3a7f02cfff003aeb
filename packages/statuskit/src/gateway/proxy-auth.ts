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
    const match = /^basic[ ]+([A-Za-z0-9+/=._~-]*)[ ]*$/i.exec(header);
    // Hashing something even for a malformed header keeps the time the same.
    const given = digest(match?.[1] ?? '');
    return timingSafeEqual(given, this.#expected) && match !== null;
  }
}
