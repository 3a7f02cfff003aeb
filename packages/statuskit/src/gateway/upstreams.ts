import { Pool } from 'undici';

/** What passive health knows of one upstream. */
export interface Health {
  /** Until when (ms since the epoch) the upstream is out; 0 when it is in. */
  downUntil: number;
  /** Failures in a row; reset by the first success. */
  failures: number;
}

/** The upstreams a request has tried, by index: a `Set`, or the request's own record. */
export interface Tried {
  has(index: number): boolean;
}

/**
 * The next upstream to try, round robin from `cursor` over those that are in and not yet tried
 * for this request; `undefined` when none is left.
 * @example nextUpstream([{ downUntil: 0, failures: 0 }, { downUntil: 9e12, failures: 1 }], 0, Date.now(), new Set()) // 0
 */
export function nextUpstream(
  health: readonly Health[],
  cursor: number,
  now: number,
  tried: Tried,
): number | undefined {
  for (let step = 0; step < health.length; step++) {
    const index = (cursor + step) % health.length;
    const state = health[index];
    if (state && state.downUntil <= now && !tried.has(index)) return index;
  }
  return undefined;
}

/**
 * How long an upstream stays out after its `failures`-th failure in a row: `downFor`, doubled
 * with each further failure, up to `maxDownFor`.
 * @example downTime(3, 1000, 30000) // 4000
 */
export function downTime(failures: number, downFor: number, maxDownFor: number): number {
  return Math.min(downFor * 2 ** Math.max(0, failures - 1), maxDownFor);
}

/**
 * The seconds a client should wait for an upstream to be tried again: the `Retry-After` of the
 * 503 sent when none is in. At least 1.
 */
export function retryAfterSeconds(health: readonly Health[], now: number): number {
  const soonest = Math.min(...health.map((state) => state.downUntil));
  return Math.max(1, Math.ceil((soonest - now) / 1000));
}

export interface Upstream {
  readonly index: number;
  /** The URL as configured, for the logs. */
  readonly url: string;
  /** Prepended to every request's path (`/api` for `http://host/api`); empty for none. */
  readonly prefix: string;
  readonly pool: Pool;
  readonly health: Health;
}

/**
 * The upstreams, each with its own undici connection pool, and their passive health: one that
 * refuses, resets or answers with something that is not HTTP is taken out for a while, longer
 * each time in a row, and put back by the first request that goes through.
 */
export class Upstreams {
  readonly list: readonly Upstream[];
  readonly #health: Health[];
  readonly #downFor: number;
  readonly #maxDownFor: number;
  readonly #now: () => number;
  #cursor = 0;

  constructor(
    urls: readonly URL[],
    options: {
      downFor: number;
      maxDownFor: number;
      connectTimeout: number;
      /** Connections to all upstreams together (0: no limit), shared out evenly. */
      connections?: number;
      now?: () => number;
    },
  ) {
    this.#downFor = options.downFor;
    this.#maxDownFor = options.maxDownFor;
    this.#now = options.now ?? Date.now;
    this.list = urls.map((url, index) => ({
      index,
      url: url.href,
      prefix: url.pathname.replace(/\/+$/, ''),
      pool: new Pool(url.origin, {
        connectTimeout: options.connectTimeout,
        connections: options.connections ? Math.ceil(options.connections / urls.length) : null,
      }),
      health: { downUntil: 0, failures: 0 },
    }));
    this.#health = this.list.map((upstream) => upstream.health);
  }

  /** The next upstream for a request that has already tried `tried`, or `undefined`. */
  next(tried: Tried): Upstream | undefined {
    const at = this.list[this.#cursor];
    // The usual case, the upstream at the cursor never taken out (or put back) and not tried: no clock read.
    if (at !== undefined && at.health.downUntil === 0 && !tried.has(at.index)) {
      this.#cursor = (at.index + 1) % this.list.length;
      return at;
    }
    const index = nextUpstream(this.#health, this.#cursor, this.#now(), tried);
    if (index === undefined) return undefined;
    this.#cursor = (index + 1) % this.list.length;
    return this.list[index];
  }

  /** Whether an upstream that `tried` does not hold is in now. */
  hasUntried(tried: Tried): boolean {
    return nextUpstream(this.#health, this.#cursor, this.#now(), tried) !== undefined;
  }

  /** Takes an upstream out; returns for how many milliseconds. */
  failed(upstream: Upstream): number {
    const health = upstream.health;
    // Requests on their way when it went down fail together: one outage, one step of the back-off.
    if (health.downUntil > this.#now()) return health.downUntil - this.#now();
    health.failures++;
    const ms = downTime(health.failures, this.#downFor, this.#maxDownFor);
    health.downUntil = this.#now() + ms;
    return ms;
  }

  succeeded(upstream: Upstream): void {
    upstream.health.failures = 0;
    upstream.health.downUntil = 0;
  }

  /** Whether some upstream is in now. */
  get anyHealthy(): boolean {
    return nextUpstream(this.#health, 0, this.#now(), new Set()) !== undefined;
  }

  /** Seconds until the first upstream that is out is tried again. */
  retryAfter(): number {
    return retryAfterSeconds(this.#health, this.#now());
  }

  async close(): Promise<void> {
    await Promise.all(this.list.map((upstream) => upstream.pool.destroy()));
  }
}
