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
import { Deadlines, type Due } from './deadlines.js';
import { type BodyPlan, Exchange, type ExchangeOwner, type UpstreamReply } from './exchange.js';
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
 * One client request on its way upstream: the request as it is sent, the upstreams tried, the
 * exchange in progress, cancelled by the deadline (one for all the upstreams tried) or by the
 * client leaving, and the request's log. Its owner gets the outcome through `arrive`, once.
 */
export abstract class Trip implements ExchangeOwner, Due {
  readonly method: string;
  /** The path and query, normalised, before an upstream's prefix. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | null;
  exchange: Exchange | undefined;
  /** The upstream the exchange in progress went to. */
  upstream: Upstream | undefined;
  /** What the last upstream that failed leaves the client with, when no other one answers. */
  failure: 502 | 504 | undefined;
  cancelled: Error | undefined;
  /** The deadline's place in the forwarder's list (deadlines.ts). */
  dueAt = 0;
  previousDue: Due | undefined;
  nextDue: Due | undefined;
  forwarder: Forwarder | undefined;
  /** The upstreams tried: the first, and a set for the others (most requests try one). */
  #first = -1;
  #others: Set<number> | undefined;
  readonly #parentLog: FastifyBaseLogger;
  readonly #requestId: string | undefined;
  #logger: FastifyBaseLogger | undefined;

  /** `requestId`: the request's logger is a child of `log` with it; without, `log` itself. */
  constructor(
    log: FastifyBaseLogger,
    requestId: string | undefined,
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Buffer | null,
  ) {
    this.#parentLog = log;
    this.#requestId = requestId;
    this.method = method;
    this.path = path;
    this.headers = headers;
    this.body = body;
  }

  /** The request's logger, made on first use: most requests log nothing. */
  get log(): FastifyBaseLogger {
    this.#logger ??=
      this.#requestId === undefined ? this.#parentLog : this.#parentLog.child({ reqId: this.#requestId });
    return this.#logger;
  }

  /** What the client gets, the upstream's answer or an error: the owner's to send. */
  abstract arrive(outcome: Outcome): void;

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

  /** Whether upstream `index` was tried for this request. */
  has(index: number): boolean {
    return index === this.#first || (this.#others?.has(index) ?? false);
  }

  tried(index: number): void {
    if (this.#first < 0) {
      this.#first = index;
      return;
    }
    this.#others ??= new Set();
    this.#others.add(index);
  }

  plan(status: number, fields: Headers): BodyPlan {
    return (this.forwarder as Forwarder).plan(this, status, fields);
  }

  replied(exchange: Exchange, reply: UpstreamReply): void {
    if (exchange === this.exchange) (this.forwarder as Forwarder).replied(this, reply);
  }

  failed(exchange: Exchange, error: unknown): void {
    if (exchange === this.exchange) (this.forwarder as Forwarder).failed(this, exchange, error);
  }
}

/** A trip whose outcome is awaited: the Fastify route's. */
export class AwaitedTrip extends Trip {
  #resolve: ((outcome: Outcome) => void) | undefined;
  readonly outcome = new Promise<Outcome>((resolve) => {
    this.#resolve = resolve;
  });

  arrive(outcome: Outcome): void {
    this.#resolve?.(outcome);
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

const streamed: BodyPlan = { read: 'stream' };
const unused: BodyPlan = { read: 'none' };

/**
 * Sends a request to the healthy upstreams in turn until one answers, and judges the answer:
 * inside the contract it goes on as it is (small bodies read whole, large ones streamed),
 * outside it is rewritten into it. Failures become the gateway's own 502, 503 and 504.
 *
 * Driven by the exchanges' callbacks, without a promise: `send` starts a trip and its `arrive`
 * gets the outcome, on the tick the upstream's answer completes.
 */
export class Forwarder {
  readonly #settings: ForwardSettings;
  readonly #whole: BodyPlan;
  readonly #deadlines: Deadlines<Trip>;

  constructor(settings: ForwardSettings) {
    this.#settings = settings;
    this.#whole = { read: 'whole', limit: settings.maxErrorBody };
    this.#deadlines = new Deadlines(settings.timeout, Trip.expire);
  }

  /** Starts a trip: its `arrive` gets the outcome. */
  send(trip: Trip): void {
    const upstreamHeaders = this.#settings.upstreamHeaders;
    if (upstreamHeaders) Object.assign(trip.headers, upstreamHeaders);
    trip.forwarder = this;
    this.#deadlines.add(trip);
    this.#next(trip);
  }

  /** The next upstream for the trip, or its end when none is left or it was cancelled. */
  #next(trip: Trip): void {
    const upstream = this.#settings.upstreams.next(trip);
    if (!upstream || trip.cancelled) {
      this.#end(trip, this.#noAnswer(trip));
      return;
    }
    trip.tried(upstream.index);
    trip.upstream = upstream;
    const exchange = new Exchange(trip);
    trip.exchange = exchange;
    const timeout = this.#settings.timeout;
    exchange.start(upstream.pool, {
      method: trip.method,
      path: upstream.prefix === '' ? trip.path : upstream.prefix + trip.path,
      headers: trip.headers,
      body: trip.body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  }

  /** The trip is over: the deadline is cleared and the owner gets the outcome. */
  #end(trip: Trip, outcome: Outcome): void {
    this.#deadlines.remove(trip);
    trip.exchange = undefined;
    trip.arrive(outcome);
  }

  /** Why no upstream answered: the trip cancelled, the last failure, or none healthy. */
  #noAnswer(trip: Trip): Outcome {
    if (trip.cancelled === timedOut) return { error: this.#late(trip, undefined) };
    if (trip.cancelled === clientGone) return { error: createError(400, messages.clientGone()) };
    if (trip.failure === 504) return { error: new GatewayTimeoutError(messages.upstreamLate()) };
    if (trip.failure === 502) return { error: new BadGatewayError(messages.upstreamFailed()) };
    return {
      error: new ServiceUnavailableError(messages.noUpstream(), {
        retryAfter: this.#settings.upstreams.retryAfter(),
      }),
    };
  }

  /** An upstream answered: a 503 sends the trip on, anything else is relayed. */
  replied(trip: Trip, reply: UpstreamReply): void {
    const upstream = trip.upstream as Upstream;
    this.#settings.upstreams.succeeded(upstream);
    // A 503 is a refusal before any work (RFC 9110 §15.6.4), as a draining or overloaded
    // upstream sends it: another upstream may take the request, whatever its method.
    if (reply.read === 'none') {
      trip.log.info({ upstream: upstream.url }, 'upstream unavailable (503), trying the next');
      this.#next(trip);
      return;
    }
    let outcome: Outcome;
    try {
      outcome = this.#relay(trip, upstream, trip.method, reply);
    } catch (error) {
      // What a throw inside the relay's promise was before: the owner answers it as a 500.
      outcome = { error: error as ContractError };
    }
    this.#end(trip, outcome);
  }

  /** An exchange failed: the trip goes on to the next upstream where it may, else ends. */
  failed(trip: Trip, exchange: Exchange, error: unknown): void {
    const ended = this.#failedFor(trip, exchange, error);
    if (ended) this.#end(trip, ended);
    else this.#next(trip);
  }

  /** What a failed exchange leaves the client with, or `undefined` when another upstream may answer. */
  #failedFor(trip: Trip, exchange: Exchange, error: unknown): Outcome | undefined {
    const upstream = trip.upstream as Upstream;
    if (error === clientGone) return { error: createError(400, messages.clientGone()) };
    if (exchange.answered) return { error: this.#bodyFailure(trip, upstream, error) };
    if (error === timedOut) return { error: this.#late(trip, upstream) };
    const failure = failureOf(error);
    const downFor = failure.down ? this.#settings.upstreams.failed(upstream) : 0;
    trip.log.warn(
      { upstream: upstream.url, err: error, failure: failure.kind, downFor },
      failure.down ? 'upstream failed and is taken out' : 'upstream failed',
    );
    trip.failure = failure.status;
    return mayRetry(failure, trip.method) ? undefined : this.#noAnswer(trip);
  }

  /**
   * What to read of an upstream's answer, decided on its status and headers. The deadline ends
   * here, unless the answer is a 503 that sends the request on to the next upstream; a body
   * then has `timeout` for each silence, as undici counts it.
   */
  plan(trip: Trip, status: number, fields: Headers): BodyPlan {
    const { upstreams, profile, maxErrorBody } = this.#settings;
    if (status === 503 && upstreams.hasUntried(trip)) return unused;
    this.#deadlines.remove(trip);
    const method = trip.method;
    const verdict = judgeStatus(status, profile, method);
    // A success of known, small size is read whole and sent as one buffer: cheaper than a
    // stream, and an upstream failing halfway gets a 502 rather than a cut answer. Errors are
    // read (bounded) to be judged.
    const small =
      verdict.action === 'inspect' ||
      status >= 400 ||
      method === 'HEAD' ||
      status === 204 ||
      Number(fields['content-length']) <= maxErrorBody;
    return small ? this.#whole : streamed;
  }

  /** The answer as the client gets it: as it is when inside the contract, else rewritten into it. */
  #relay(trip: Trip, upstream: Upstream, method: string, reply: UpstreamReply): Outcome {
    const { profile, dialect } = this.#settings;
    const { status, fields, body } = reply;
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
      // The reply goes on as the outcome: its headers are already the client's.
      reply.status = sent;
      if (sent === 204) reply.body = undefined;
      return reply;
    }

    const read = body as Buffer | undefined;
    const judged =
      verdict.action === 'pass'
        ? { action: 'pass' as const }
        : judgeBody(status, fields['content-type'], read, profile, dialect);
    if (judged.action === 'pass') {
      const passed = reply.headers;
      if (method !== 'HEAD') delete passed['content-length'];
      return { status, headers: passed, body: read };
    }

    trip.log.warn(
      {
        upstream: upstream.url,
        from: status,
        to: judged.status,
        contentType: fields['content-type'],
        tooLarge: read === undefined,
      },
      'upstream reply rewritten into the contract',
    );
    const options: ContractErrorOptions = {};
    if (judged.code !== undefined) options.code = judged.code;
    if (judged.details !== undefined) options.details = judged.details;
    const challenge = fields['www-authenticate'];
    if (typeof challenge === 'string') options.headers = { 'www-authenticate': challenge };
    if (judged.status === 503) options.retryAfter = retryAfterOf(fields['retry-after']);
    // The upstream's message is kept in the language its Content-Language names (English if none).
    const said =
      judged.message === undefined
        ? undefined
        : { [negotiateLanguage(String(fields['content-language'] ?? 'en'))]: judged.message };
    return {
      error: createError(judged.status, said, options),
      headers: clientReplyHeaders(reply.headers, 'replaced'),
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
