import { isIP } from 'node:net';
import { type Kysely, sql } from 'kysely';
import { ServiceUnavailableError } from 'statuskit';
import type { Schema } from '../db/schema.js';

/**
 * When password logins are refused for a while (Keystone's `lockout_failure_attempts` and
 * `lockout_duration`, made fair to the user an attacker guesses for). Each count is of failed
 * logins within `durationSeconds` of the last; an attempt is counted before its password is
 * checked, so that concurrent guesses cannot run past a limit. 0 turns a rule off.
 */
export interface LockoutConfig {
  /** Failures for one user from one address before that address may not try that user. */
  failureAttempts: number;
  /** Seconds a lockout lasts after the last attempt; sent as `Retry-After`. */
  durationSeconds: number;
  /** Failures from one address, whatever the users, before it may not log in at all. */
  addressFailureAttempts: number;
  /**
   * Failures for one user from every address before the addresses that failed for it may not try
   * it again (a guess spread over many addresses); an address with no failure still may.
   */
  userFailureAttempts: number;
}

/**
 * The address a count is kept for: an IPv4 address, or an IPv6 address's /64 (one host is
 * usually given a whole /64, so counting single IPv6 addresses would count nothing).
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** What a login refused by the lockout is told (503, NAT.0102). */
export const lockedOut = 'Too many failed logins; try again later.';

/** Failed logins per user and address, kept in the database so that every instance counts them all. */
export class Lockout {
  constructor(
    readonly db: Kysely<Schema>,
    readonly config: LockoutConfig,
  ) {}

  /**
   * Counts a login attempt for `user` (its id, or the name given) from `address`, and throws
   * 503 with `Retry-After` when it is refused; call `succeeded` when its password was right.
   */
  async attempt(user: string, address: string, now = Date.now()): Promise<void> {
    const { failureAttempts, addressFailureAttempts, userFailureAttempts, durationSeconds } = this.config;
    if (failureAttempts <= 0 && addressFailureAttempts <= 0 && userFailureAttempts <= 0) return;
    const since = now - durationSeconds * 1000;
    await this.db.deleteFrom('login_failures').where('last_at', '<=', since).execute();
    const counted = await this.db
      .insertInto('login_failures')
      .values({ user_key: user, address, failures: 1, last_at: now })
      .onConflict((conflict) =>
        conflict.columns(['user_key', 'address']).doUpdateSet({
          failures: sql`case when login_failures.last_at > ${since} then login_failures.failures + 1 else 1 end`,
          last_at: now,
        }),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    const pair = Number(counted.failures);
    const totals = await this.db
      .selectFrom('login_failures')
      .select([
        sql<number>`coalesce(sum(case when address = ${address} then failures else 0 end), 0)`.as(
          'byAddress',
        ),
        sql<number>`coalesce(sum(case when user_key = ${user} then failures else 0 end), 0)`.as('byUser'),
      ])
      .where((eb) => eb.or([eb('address', '=', address), eb('user_key', '=', user)]))
      .where('last_at', '>', since)
      .executeTakeFirstOrThrow();
    // Each limit is on failures before this attempt, which is counted already.
    const refused =
      (failureAttempts > 0 && pair > failureAttempts) ||
      (addressFailureAttempts > 0 && Number(totals.byAddress) > addressFailureAttempts) ||
      (userFailureAttempts > 0 && pair > 1 && Number(totals.byUser) > userFailureAttempts);
    if (refused)
      throw new ServiceUnavailableError(lockedOut, {
        retryAfter: durationSeconds,
        code: 'NAT.0102',
      });
  }

  /** The right password: this address's failures for this user are forgotten. */
  async succeeded(user: string, address: string): Promise<void> {
    await this.db
      .deleteFrom('login_failures')
      .where('user_key', '=', user)
      .where('address', '=', address)
      .execute();
  }
}
