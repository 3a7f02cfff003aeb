import type { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { type ContractError, type ContractErrorOptions, createError } from '../errors/index.js';
import {
  BadGatewayError,
  type Dialect,
  GatewayTimeoutError,
  negotiateLanguage,
  type Profile,
  ServiceUnavailableError,
} from '../index.js';
import { messages } from '../texts/index.js';
import { type BodyPlan, Exchange, type UpstreamReply } from './exchange.js';
import { failureOf, mayRetry } from './failures.js';
import { clientReplyHeaders, type Headers } from './headers.js';
import { judgeBody, judgeStatus } from './rewrite.js';
import type { Upstream, Upstreams } from './upstreams.js';

/** Why a request to an upstream was cancelled. */
const timedOut = new Error('the upstream did not answer in time');
const clientGone = new Error('the client closed the connection');

export type ReplyHeaders = Record<string, string | string[]>;

/** What the client gets: the upstream's answer, judged, or an error of the contract. */
export type Outcome =
  | { status: number; headers: ReplyHeaders; body: Buffer | Readable | undefined; error?: undefined }
  /** `headers`: the upstream's own fields kept on a rewritten answer. */
  | { error: ContractError; headers?: ReplyHeaders };

/**
 * One client request on its way upstream: the exchange in progress, cancelled by the deadline
 * (one for all the upstreams tried) or by the client leaving, and the request's log.
 */
export class Trip {
  exchange: Exchange | undefined;
  cancelled: Error | undefined;
  deadline: NodeJS.Timeout | undefined;
  readonly #log: () => FastifyBaseLogger;
  #logger: FastifyBaseLogger | undefined;

  constructor(log: () => FastifyBaseLogger) {
    this.#log = log;
  }

  /** The request's logger, made on first use: most requests log nothing. */
  get log(): FastifyBaseLogger {
    this.#logger ??= this.#log();
    return this.#logger;
  }

  /** The client closed the connection before its answer was done. */
  leave(): void {
    this.#cancel(clientGone);
  }

  #cancel(reason: Error): void {
    this.cancelled ??= reason;
    this.exchange?.abort(reason);
  }

  static expire(trip: Trip): void {
    trip.#cancel(timedOut);
  }
}

export interface ForwardSettings {
  upstreams: Upstreams;
  profile: Profile;
  dialect: Dialect;
  timeout: number;
  maxErrorBody: number;
  /** Set on every request sent upstream, over the client's fields of the same names. */
  upstreamHeaders?: Record<string, string> | undefined;
}

export interface Forwarded {
  method: string;
  /** The path and query, normalised, before an upstream's prefix. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

/**
 * Sends a request to the healthy upstreams in turn until one answers, and judges the answer:
 * inside the contract it goes on as it is (small bodies read whole, large ones streamed),
 * outside it is rewritten into it. Failures become the gateway's own 502, 503 and 504.
 */
export class Forwarder {
  readonly #settings: ForwardSettings;

  constructor(settings: ForwardSettings) {
    this.#settings = settings;
  }

  async forward(trip: Trip, request: Forwarded): Promise<Outcome> {
    const { upstreams, timeout, upstreamHeaders } = this.#settings;
    const { method } = request;
    const headers = upstreamHeaders ? { ...request.headers, ...upstreamHeaders } : request.headers;
    const tried = new Set<number>();
    let failed: 502 | 504 | undefined;
    trip.deadline = setTimeout(Trip.expire, timeout, trip);
    try {
      for (let upstream = upstreams.next(tried); upstream; upstream = upstreams.next(tried)) {
        if (trip.cancelled) break;
        tried.add(upstream.index);
        const exchange = new Exchange(
          upstream.pool,
          { ...request, headers, path: upstream.prefix + request.path, timeout },
          (status, headers) => this.#plan(trip, method, status, headers, tried),
        );
        trip.exchange = exchange;
        let reply: UpstreamReply;
        try {
          reply = await exchange.done;
        } catch (error) {
          if (error === clientGone) return { error: createError(400, messages.clientGone()) };
          if (exchange.answered) return { error: this.#bodyFailure(trip, upstream, error) };
          if (error === timedOut) return { error: this.#late(trip, upstream) };
          const failure = failureOf(error);
          const downFor = failure.down ? upstreams.failed(upstream) : 0;
          trip.log.warn(
            { upstream: upstream.url, err: error, failure: failure.kind, downFor },
            failure.down ? 'upstream failed and is taken out' : 'upstream failed',
          );
          failed = failure.status;
          if (mayRetry(failure, method)) continue;
          break;
        }
        upstreams.succeeded(upstream);
        // A 503 is a refusal before any work (RFC 9110 §15.6.4), as a draining or overloaded
        // upstream sends it: another upstream may take the request, whatever its method.
        if (reply.read === 'none') {
          trip.log.info({ upstream: upstream.url }, 'upstream unavailable (503), trying the next');
          continue;
        }
        return this.#relay(trip, upstream, method, reply);
      }
    } finally {
      clearTimeout(trip.deadline);
      trip.exchange = undefined;
    }
    if (trip.cancelled === timedOut) return { error: this.#late(trip, undefined) };
    if (trip.cancelled === clientGone) return { error: createError(400, messages.clientGone()) };
    if (failed === 504) return { error: new GatewayTimeoutError(messages.upstreamLate()) };
    if (failed === 502) return { error: new BadGatewayError(messages.upstreamFailed()) };
    return {
      error: new ServiceUnavailableError(messages.noUpstream(), { retryAfter: upstreams.retryAfter() }),
    };
  }

  /**
   * What to read of an upstream's answer, decided on its status and headers. The deadline ends
   * here, unless the answer is a 503 that sends the request on to the next upstream; a body
   * then has `timeout` for each silence, as undici counts it.
   */
  #plan(trip: Trip, method: string, status: number, headers: Headers, tried: ReadonlySet<number>): BodyPlan {
    const { upstreams, profile, maxErrorBody } = this.#settings;
    if (status === 503 && upstreams.hasUntried(tried)) return { read: 'none' };
    clearTimeout(trip.deadline);
    const verdict = judgeStatus(status, profile, method);
    // A success of known, small size is read whole and sent as one buffer: cheaper than a
    // stream, and an upstream failing halfway gets a 502 rather than a cut answer. Errors are
    // read (bounded) to be judged.
    const small =
      verdict.action === 'inspect' ||
      status >= 400 ||
      method === 'HEAD' ||
      status === 204 ||
      Number(headers['content-length']) <= maxErrorBody;
    return small ? { read: 'whole', limit: maxErrorBody } : { read: 'stream' };
  }

  /** The answer as the client gets it: as it is when inside the contract, else rewritten into it. */
  #relay(trip: Trip, upstream: Upstream, method: string, reply: UpstreamReply): Outcome {
    const { profile, dialect } = this.#settings;
    const { status, headers, body } = reply;
    const verdict = judgeStatus(status, profile, method);
    if (verdict.action !== 'inspect' && status < 400) {
      const sent = verdict.action === 'status' ? verdict.status : status;
      if (sent !== status) {
        trip.log.warn(
          { upstream: upstream.url, from: status, to: sent },
          'upstream status outside the profile',
        );
      } else if (!profile.has(status)) {
        trip.log.warn(
          { upstream: upstream.url, status, profile: profile.name },
          'upstream success outside the profile passed unchanged: a fallback would change its meaning (start the gateway with the upstream profile)',
        );
      }
      return { status: sent, headers: clientReplyHeaders(headers), body: sent === 204 ? undefined : body };
    }

    const read = body as Buffer | undefined;
    const judged =
      verdict.action === 'pass'
        ? { action: 'pass' as const }
        : judgeBody(status, headers['content-type'], read, profile, dialect);
    if (judged.action === 'pass') {
      const passed = clientReplyHeaders(headers);
      if (method !== 'HEAD') delete passed['content-length'];
      return { status, headers: passed, body: read };
    }

    trip.log.warn(
      {
        upstream: upstream.url,
        from: status,
        to: judged.status,
        contentType: headers['content-type'],
        tooLarge: read === undefined,
      },
      'upstream reply rewritten into the contract',
    );
    const options: ContractErrorOptions = {};
    if (judged.code !== undefined) options.code = judged.code;
    if (judged.details !== undefined) options.details = judged.details;
    const challenge = headers['www-authenticate'];
    if (typeof challenge === 'string') options.headers = { 'www-authenticate': challenge };
    if (judged.status === 503) options.retryAfter = retryAfterOf(headers['retry-after']);
    // The upstream's message is kept in the language its Content-Language names (English if none).
    const said =
      judged.message === undefined
        ? undefined
        : { [negotiateLanguage(String(headers['content-language'] ?? 'en'))]: judged.message };
    return {
      error: createError(judged.status, said, options),
      headers: clientReplyHeaders(headers, 'replaced'),
    };
  }

  #late(trip: Trip, upstream: Upstream | undefined): ContractError {
    const { timeout } = this.#settings;
    trip.log.warn({ upstream: upstream?.url, timeout }, 'upstream did not answer in time');
    return new GatewayTimeoutError(messages.upstreamTimedOut({ ms: timeout }));
  }

  /** A body read whole that failed on the way: 504 when it went silent, else 502. */
  #bodyFailure(trip: Trip, upstream: Upstream, error: unknown): ContractError {
    const failure = failureOf(error);
    if (failure.down) this.#settings.upstreams.failed(upstream);
    trip.log.warn({ upstream: upstream.url, err: error }, 'upstream body could not be read');
    return failure.status === 504
      ? new GatewayTimeoutError(messages.upstreamBodyLate())
      : new BadGatewayError(messages.upstreamBodyFailed());
  }
}

/** Seconds from a `Retry-After` (seconds or an HTTP date); 1 when there is none. */
function retryAfterOf(value: string | string[] | undefined): number {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return 1;
  const seconds = /^\d+$/.test(text.trim()) ? Number(text) : (Date.parse(text) - Date.now()) / 1000;
  return Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : 1;
}
