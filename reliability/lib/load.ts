/**
 * Load with autocannon, in this process: every answer's status and latency, and whether each 503
 * carried `Retry-After`. autocannon 9 emits `response` (client, status, bytes, ms) on the run
 * and `headers` (the parser's raw headers) on each client.
 *
 * autocannon's rate limit gives each connection its share of a second's requests, sent as soon
 * as the second starts: the whole rate arrives in one burst per second. With `stagger: n` the
 * load is n autocannon runs started 1/n s apart, each with 1/n of the connections and rate, so
 * the bursts are n times smaller and n times as frequent: closer to steady arrivals.
 */
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { bump } from './api.js';
import { sleep } from './scope.js';

export interface LoadOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  seconds: number;
  /** Requests per second over all connections (at least one per connection); none: as fast as answered. */
  overallRate?: number;
  /** Runs started 1/n s apart that share the connections and the rate (default 1). */
  stagger?: number;
  /** Called every ~100 ms while the load runs. */
  onTick?: () => void;
  /** Also keep the 2xx latencies per window of this many ms (`LoadStats.windows`). */
  windowMs?: number;
}

export interface LoadStats {
  /** Answers received. */
  answers: number;
  seconds: number;
  /** Answers per second. */
  rate: number;
  statuses: Map<number, number>;
  /** Latencies in ms by status. */
  latencies: Map<number, number[]>;
  /** Connection errors and timeouts (no answer). */
  errors: number;
  timeouts: number;
  /** 503 answers without a Retry-After header. */
  noRetryAfter: number;
  /** 2xx latencies (ms) per window of `windowMs` from the start, in order. */
  windows: number[][];
}

type Run = (
  options: autocannon.Options,
  done: (error: unknown, result: autocannon.Result) => void,
) => EventEmitter;

interface RawHeaders {
  statusCode: number;
  headers: string[];
}

/** One autocannon run, recording into `stats` (windows counted from `started`). */
function run(
  options: LoadOptions,
  connections: number,
  rate: number | undefined,
  stats: LoadStats,
  started: number,
) {
  return new Promise<void>((resolve, reject) => {
    const instance = (autocannon as unknown as Run)(
      {
        url: options.url,
        method: (options.method ?? 'GET') as 'GET',
        headers: options.headers ?? {},
        ...(options.body === undefined ? {} : { body: options.body }),
        connections,
        pipelining: 1,
        duration: options.seconds,
        ...(rate === undefined ? {} : { overallRate: rate }),
        timeout: 10,
        sampleInt: 100,
        setupClient(client) {
          (client as unknown as EventEmitter).on('headers', (raw: RawHeaders) => {
            if (raw.statusCode !== 503) return;
            const names = raw.headers.filter((_, index) => index % 2 === 0);
            if (!names.some((name) => name.toLowerCase() === 'retry-after')) stats.noRetryAfter++;
          });
        },
      } as autocannon.Options & { sampleInt: number },
      (error, result) => {
        if (error) return reject(error);
        stats.errors += result.errors - result.timeouts;
        stats.timeouts += result.timeouts;
        resolve();
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      stats.answers++;
      bump(stats.statuses, status);
      const list = stats.latencies.get(status) ?? [];
      if (list.length === 0) stats.latencies.set(status, list);
      list.push(ms);
      if (options.windowMs && status >= 200 && status < 300) {
        const index = Math.floor((performance.now() - started) / options.windowMs);
        while (stats.windows.length <= index) stats.windows.push([]);
        stats.windows[index]?.push(ms);
      }
    });
  });
}

export async function load(options: LoadOptions): Promise<LoadStats> {
  const stats: LoadStats = {
    answers: 0,
    seconds: 0,
    rate: 0,
    statuses: new Map(),
    latencies: new Map(),
    errors: 0,
    timeouts: 0,
    noRetryAfter: 0,
    windows: [],
  };
  const runs = Math.max(1, Math.min(options.stagger ?? 1, options.connections));
  const started = performance.now();
  const ticker = options.onTick ? setInterval(options.onTick, 100) : undefined;
  try {
    await Promise.all(
      Array.from({ length: runs }, async (_, index) => {
        // This run's share of the connections and of the rate (autocannon treats a rate of 0 as none).
        const connections =
          Math.floor(options.connections / runs) + (index < options.connections % runs ? 1 : 0);
        const rate =
          options.overallRate === undefined
            ? undefined
            : Math.max(connections, Math.round((options.overallRate * connections) / options.connections));
        await sleep((index * 1000) / runs);
        await run(options, connections, rate, stats, started);
      }),
    );
  } finally {
    if (ticker) clearInterval(ticker);
  }
  stats.seconds = (performance.now() - started) / 1000;
  stats.rate = stats.answers / stats.seconds;
  return stats;
}

/** p99 of the answers with `status`, in ms. */
export function p99(stats: LoadStats, status: number): number {
  const values = stats.latencies.get(status) ?? [];
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
}
