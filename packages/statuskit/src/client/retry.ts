/**
 * Retry timing and decisions, as pure functions: no clock, no randomness and no I/O of their own.
 * The client feeds them the time and a random source, so every delay can be tested exactly.
 */

/** Methods that may be sent again without changing the outcome (RFC 9110 §9.2.2). */
export const idempotentMethods: readonly string[] = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'];

/** The statuses the contract defines as "try again": 408 and the gateway/overload 5xx. */
export const retryStatuses: readonly number[] = [408, 502, 503, 504];

export interface RetryOptions {
  /** Retries after the first attempt (0: none). Default 3. */
  limit: number;
  /** Milliseconds: the backoff ceiling of the first retry; it doubles each retry. Default 200. */
  baseDelay: number;
  /** Milliseconds: no backoff ceiling grows past this. Default 5 000. */
  maxDelay: number;
  /** Milliseconds: the longest `Retry-After` honoured; a longer one is waited for this long. Default 30 000. */
  maxRetryAfter: number;
  /** Milliseconds from the first attempt: no retry starts whose wait would end after it. Default 60 000. */
  budget: number;
  /** Statuses retried; only 408 and 5xx count, any other 4xx is never retried. Default 408, 502, 503, 504. */
  statuses: readonly number[];
  /** Whether an attempt that ran out of its own timeout is tried again. Default false. */
  onTimeout: boolean;
}

export const retryDefaults: RetryOptions = {
  limit: 3,
  baseDelay: 200,
  maxDelay: 5_000,
  maxRetryAfter: 30_000,
  budget: 60_000,
  statuses: retryStatuses,
  onTimeout: false,
};

/** What went wrong with an attempt. `retryAfter` is in milliseconds, from `parseRetryAfter`. */
export type Failure =
  | { kind: 'status'; status: number; retryAfter?: number }
  | { kind: 'network' }
  | { kind: 'timeout' };

export type RetryDecision =
  | { retry: true; delay: number; basis: 'backoff' | 'retry-after' }
  | { retry: false; why: 'not-idempotent' | 'not-retryable' | 'limit' | 'budget' };

/**
 * Whether `method` may be retried: an idempotent method, or any method the caller marked
 * idempotent (with an idempotency key, say).
 * @example isIdempotent('POST') // false
 * @example isIdempotent('POST', true) // true
 */
export function isIdempotent(method: string, marked = false): boolean {
  return marked || idempotentMethods.includes(method.toUpperCase());
}

/**
 * Whether a status is worth another attempt: listed in `statuses`, and 408 or a 5xx. A 4xx other
 * than 408 says the request itself is wrong; sending it again cannot help.
 * @example isRetryableStatus(503) // true
 * @example isRetryableStatus(429, [429]) // false: never a 4xx other than 408
 */
export function isRetryableStatus(status: number, statuses: readonly number[] = retryStatuses): boolean {
  return statuses.includes(status) && (status === 408 || (status >= 500 && status <= 599));
}

/**
 * Milliseconds to wait from `Retry-After`: delay-seconds, or an HTTP-date measured from `now`
 * (epoch milliseconds). A date in the past gives 0; anything else unreadable gives `undefined`.
 * @example parseRetryAfter('3', Date.now()) // 3000
 * @example parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:58 GMT')) // 2000
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Digits with a sign or a fraction are neither form; Date.parse would read some of them.
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (!Number.isFinite(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The backoff before retry number `retry` (0 for the first): full jitter, a uniformly random
 * wait between 0 and `min(maxDelay, baseDelay * 2^retry)`, from `random` in [0, 1).
 * @example backoffDelay(2, { baseDelay: 100, maxDelay: 1000 }, () => 0.5) // 200
 */
export function backoffDelay(
  retry: number,
  { baseDelay, maxDelay }: Pick<RetryOptions, 'baseDelay' | 'maxDelay'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelay, baseDelay * 2 ** Math.max(0, retry));
  return Math.floor(Math.min(Math.max(random(), 0), 1) * ceiling);
}

export interface RetryInput {
  method: string;
  /** The caller marked the request idempotent. */
  idempotent?: boolean;
  /** Retries already made (0 after the first attempt). */
  retries: number;
  /** Milliseconds since the first attempt started. */
  elapsed: number;
  failure: Failure;
}

/**
 * Whether to try again and after how long. In order: a method that is not idempotent is never
 * retried; a status must be retryable (a timeout only with `onTimeout`); `limit` retries at most;
 * the wait is `Retry-After` (capped at `maxRetryAfter`) when the answer has one, else the
 * full-jitter backoff; and no retry whose wait would end past `budget`.
 * @example decideRetry({ method: 'GET', retries: 0, elapsed: 0, failure: { kind: 'status', status: 503, retryAfter: 1000 } }, retryDefaults)
 * // { retry: true, delay: 1000, basis: 'retry-after' }
 */
export function decideRetry(
  { method, idempotent = false, retries, elapsed, failure }: RetryInput,
  options: RetryOptions,
  random: () => number = Math.random,
): RetryDecision {
  if (!isIdempotent(method, idempotent)) return { retry: false, why: 'not-idempotent' };
  const retryable =
    failure.kind === 'network' ||
    (failure.kind === 'timeout' && options.onTimeout) ||
    (failure.kind === 'status' && isRetryableStatus(failure.status, options.statuses));
  if (!retryable) return { retry: false, why: 'not-retryable' };
  if (retries >= options.limit) return { retry: false, why: 'limit' };
  const retryAfter = failure.kind === 'status' ? failure.retryAfter : undefined;
  const decision: RetryDecision =
    retryAfter === undefined
      ? { retry: true, delay: backoffDelay(retries, options, random), basis: 'backoff' }
      : { retry: true, delay: Math.min(retryAfter, options.maxRetryAfter), basis: 'retry-after' };
  if (elapsed + decision.delay > options.budget) return { retry: false, why: 'budget' };
  return decision;
}

export interface PollOptions {
  /** Milliseconds before the second look at a job. Default 250. */
  initial: number;
  /** Each wait is this many times the one before. Default 2. */
  factor: number;
  /** Milliseconds: no wait grows past this. Default 5 000. */
  max: number;
}

export const pollDefaults: PollOptions = { initial: 250, factor: 2, max: 5_000 };

/**
 * The wait before look number `poll + 1` at a running job: exponential, capped, no jitter
 * (a job is one caller's, so there is no herd to spread).
 * @example pollDelay(0) // 250
 * @example pollDelay(3, { initial: 100, factor: 2, max: 500 }) // 500
 */
export function pollDelay(poll: number, { initial, factor, max }: PollOptions = pollDefaults): number {
  return Math.min(max, initial * factor ** Math.max(0, poll));
}
