import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, openDatabase } from '../src/db/database.js';
import { Revocations } from '../src/identity/revocations.js';

describe('token revocations', () => {
  let database: Database;
  before(async () => {
    database = await openDatabase({ sqliteFile: ':memory:' });
  });
  after(() => database.close());

  test('refuse a revoked token and no other, and take a revocation twice', async () => {
    const revocations = new Revocations(database.db);
    await revocations.revoke('t1', 10_000, 1_000);
    await revocations.revoke('t1', 10_000, 1_000);
    assert.equal(await revocations.revoked('t1'), true);
    assert.equal(await revocations.revoked('t2'), false);
  });

  test('drop the revocations of tokens that have expired, when they revoke another', async () => {
    const revocations = new Revocations(database.db);
    await revocations.revoke('old', 2_000, 1_000);
    await revocations.revoke('older', 1_999, 1_000);
    await revocations.revoke('new', 9_000, 2_000);
    assert.equal(await revocations.revoked('old'), false, 'expired at 2 000');
    assert.equal(await revocations.revoked('older'), false);
    assert.equal(await revocations.revoked('new'), true);
    await revocations.revoke('newer', 9_001, 8_999);
    assert.equal(await revocations.revoked('new'), true, 'not expired yet');
  });
});
