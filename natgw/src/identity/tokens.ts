import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

/** What a token says: who, in which project, with which role, until when. */
export interface TokenClaims {
  userId: string;
  userName: string;
  projectId: string;
  projectName: string;
  role: 'read-write' | 'read-only' | 'admin';
  issuedAt: number;
  expiresAt: number;
  /** The token's own id, by which it is revoked (Keystone's audit id). */
  tokenId: string;
  /** The user's credentials as they were at issue: a new password, role or project voids the token. */
  stamp: string;
}

/**
 * Signed, self-contained tokens: any instance sharing the database shares the signing key
 * (made once, kept in `settings`), so a token from one instance is good at every other.
 */
export class TokenSigner {
  constructor(readonly key: Buffer) {}

  static async fromDatabase(db: Kysely<Schema>): Promise<TokenSigner> {
    await db
      .insertInto('settings')
      .values({ key: 'token_key', value: randomBytes(32).toString('base64url') })
      .onConflict((conflict) => conflict.column('key').doNothing())
      .execute();
    const row = await db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'token_key')
      .executeTakeFirstOrThrow();
    return new TokenSigner(Buffer.from(row.value, 'base64url'));
  }

  sign(claims: TokenClaims): string {
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** The claims of a token this key signed, or undefined; expiry is for the caller to check. */
  verify(token: string): TokenClaims | undefined {
    if (token.length > 4096) return undefined;
    // Exactly `<body>.<mac>`: anything after the MAC (`<token>.junk`) is not this key's token.
    const [body, mac, ...rest] = token.split('.');
    if (!body || !mac || rest.length > 0) return undefined;
    const expected = Buffer.from(this.#mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return undefined;
    }
  }

  /** A keyed digest of `text` that a token may carry without telling what it was made from. */
  stamp(text: string): string {
    return createHmac('sha256', this.key).update('stamp\0').update(text).digest('base64url').slice(0, 22);
  }

  #mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
