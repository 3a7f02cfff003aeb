import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { isContractError } from 'statuskit';
import { type Database, openDatabase } from '../src/db/database.js';
import { addressKey, Lockout, type LockoutConfig } from '../src/identity/lockout.js';

const off: LockoutConfig = {
  failureAttempts: 0,
  durationSeconds: 60,
  addressFailureAttempts: 0,
  userFailureAttempts: 0,
};

describe('the address a count is kept for', () => {
  test('is an IPv4 address itself, mapped into IPv6 or not', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::FFFF:203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:10.20.30.40'), '10.20.30.40');
  });

  test("is an IPv6 address's /64, each group without leading zeros", () => {
    assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0DB8:0001:0002::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:0:0:1::'), '2001:db8:0:0::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('::'), '0:0:0:0::/64');
    assert.equal(addressKey('fe80:0:0:0:0:0:0:1'), 'fe80:0:0:0::/64');
    assert.equal(addressKey('2001:db8:100:0a::'), '2001:db8:100:a::/64');
    // Groups after the :: that fall in the first four.
    assert.equal(addressKey('2001::3:4:5:6:7'), '2001:0:0:3::/64');
    assert.equal(addressKey('::2:3:4:5:6:7'), '0:0:2:3::/64');
  });

  test('is anything else as it is', () => {
    assert.equal(addressKey('unknown'), 'unknown');
    assert.equal(addressKey('x::ffff:1.2.3.4'), 'x::ffff:1.2.3.4');
    assert.equal(addressKey('::ffff:1.2.3.4x'), '::ffff:1.2.3.4x');
  });
});

describe('the login lockout', () => {
  let database: Database;
  before(async () => {
    database = await openDatabase({ sqliteFile: ':memory:' });
  });
  after(() => database.close());
  beforeEach(() => database.db.deleteFrom('login_failures').execute());

  /** Whether the attempt was let through; a refusal must be the lockout's 503. */
  async function allowed(lockout: Lockout, user: string, address: string, now: number): Promise<boolean> {
    try {
      await lockout.attempt(user, address, now);
      return true;
    } catch (error) {
      assert.ok(isContractError(error));
      assert.deepEqual(
        [error.status, error.code, error.message, error.retryAfter],
        [503, 'NAT.0102', 'Too many failed logins; try again later.', lockout.config.durationSeconds],
      );
      return false;
    }
  }

  test('counts nothing when every rule is off', async () => {
    const lockout = new Lockout(database.db, off);
    for (let attempt = 0; attempt < 5; attempt++) assert.equal(await allowed(lockout, 'u', 'a', 1_000), true);
    assert.deepEqual(await database.db.selectFrom('login_failures').selectAll().execute(), []);
  });

  test('refuses a user from an address after that many failures, until the duration has passed', async () => {
    const lockout = new Lockout(database.db, { ...off, failureAttempts: 2 });
    const start = 1_000_000;
    assert.equal(await allowed(lockout, 'u', 'a', start), true);
    assert.equal(await allowed(lockout, 'u', 'a', start + 1), true);
    assert.equal(await allowed(lockout, 'u', 'a', start + 2), false);
    // Another address, and another user, may still try.
    assert.equal(await allowed(lockout, 'u', 'b', start + 3), true);
    assert.equal(await allowed(lockout, 'v', 'a', start + 4), true);
    // A minute after the last attempt (a refused one counts too) the count starts over.
    assert.equal(await allowed(lockout, 'u', 'a', start + 2 + 59_999), false);
    assert.equal(await allowed(lockout, 'u', 'a', start + 2 + 59_999 + 60_000), true);
    assert.equal(await allowed(lockout, 'u', 'a', start + 2 + 59_999 + 60_001), true);
    assert.equal(await allowed(lockout, 'u', 'a', start + 2 + 59_999 + 60_002), false);
  });

  test('forgets the failures of a user and an address once the password was right', async () => {
    const lockout = new Lockout(database.db, { ...off, failureAttempts: 2 });
    assert.equal(await allowed(lockout, 'u', 'a', 5_000), true);
    assert.equal(await allowed(lockout, 'u', 'b', 5_000), true);
    assert.equal(await allowed(lockout, 'u', 'a', 5_001), true);
    await lockout.succeeded('u', 'a');
    assert.equal(await allowed(lockout, 'u', 'a', 5_002), true);
    assert.equal(await allowed(lockout, 'u', 'a', 5_003), true);
    assert.equal(await allowed(lockout, 'u', 'a', 5_004), false);
    // The other address's failure is still counted.
    assert.equal(await allowed(lockout, 'u', 'b', 5_005), true);
    assert.equal(await allowed(lockout, 'u', 'b', 5_006), false);
  });

  test('refuses an address that failed for many users, whoever it tries next', async () => {
    const lockout = new Lockout(database.db, { ...off, addressFailureAttempts: 3 });
    for (const user of ['u1', 'u2', 'u3']) assert.equal(await allowed(lockout, user, 'a', 7_000), true);
    assert.equal(await allowed(lockout, 'u4', 'a', 7_001), false);
    assert.equal(await allowed(lockout, 'u4', 'b', 7_002), true);
  });

  test('refuses the addresses that failed for a user guessed from many, not a new one', async () => {
    const lockout = new Lockout(database.db, { ...off, userFailureAttempts: 3 });
    for (const address of ['a1', 'a2', 'a3']) assert.equal(await allowed(lockout, 'u', address, 9_000), true);
    // A fourth address has no failure of its own: it may try.
    assert.equal(await allowed(lockout, 'u', 'a4', 9_001), true);
    // One that failed before may not, now that the user has more failures than the limit.
    assert.equal(await allowed(lockout, 'u', 'a1', 9_002), false);
    assert.equal(await allowed(lockout, 'v', 'a1', 9_003), true);
  });

  test('lets the user rule count only failures within the duration', async () => {
    const lockout = new Lockout(database.db, { ...off, userFailureAttempts: 2 });
    assert.equal(await allowed(lockout, 'u', 'a1', 0), true);
    assert.equal(await allowed(lockout, 'u', 'a2', 30_000), true);
    // a1's failure at 0 has gone by at 60 000: a2's second is its user's second too.
    assert.equal(await allowed(lockout, 'u', 'a2', 60_000), true);
    assert.equal(await allowed(lockout, 'u', 'a2', 60_001), false);
  });
});
