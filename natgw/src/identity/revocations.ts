import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

/**
 * Tokens revoked before they expire (`DELETE /v3/auth/tokens`), kept in the database so that
 * every instance sharing it refuses them at once; a row is dropped once its token has expired.
 */
export class Revocations {
  constructor(readonly db: Kysely<Schema>) {}

  async revoke(tokenId: string, expiresAt: number, now = Date.now()): Promise<void> {
    await this.db.deleteFrom('revoked_tokens').where('expires_at', '<=', now).execute();
    await this.db
      .insertInto('revoked_tokens')
      .values({ token_id: tokenId, expires_at: expiresAt })
      .onConflict((conflict) => conflict.column('token_id').doNothing())
      .execute();
  }

  async revoked(tokenId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('revoked_tokens')
      .select('token_id')
      .where('token_id', '=', tokenId)
      .executeTakeFirst();
    return row !== undefined;
  }
}
