import { type IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { type ContractError, isContractError, ServiceUnavailableError } from '../errors/index.js';
import { acceptable } from '../fastify/accept.js';
import type { Contract } from '../fastify/contract.js';
import { inTurn } from '../fastify/pipeline.js';
import { negotiateLanguage, requestIdFrom, requestIdHeaders } from '../index.js';
import { messages } from '../texts/index.js';
import { type Forwarder, type Outcome, type ReplyHeaders, Trip } from './forward.js';
import { forwardedHeaders } from './headers.js';
import { upstreamPath } from './path.js';
import type { ProxyAuth } from './proxy-auth.js';

export interface LaneOptions {
  forwarder: Forwarder;
  proxyAuth: ProxyAuth | undefined;
  maxInFlight: number;
  /** The methods the gateway's route serves. */
  methods: ReadonlySet<string>;
}

const anything = ['*/*'];
const [requestIdHeader, openstackRequestIdHeader] = requestIdHeaders;

/** pino's loggers say which levels they write; Fastify's type leaves it out. */
type Leveled = { isLevelEnabled?(level: string): boolean };

/**
 * The gateway server's responses, each with room for the lane's request it answers: the lane's
 * `close` listener is then one function for every response, not a closure for each.
 */
export class GatewayResponse<
  Request extends IncomingMessage = IncomingMessage,
> extends ServerResponse<Request> {
  trip: LaneTrip | undefined = undefined;
}

/** A request on the fast lane: its trip upstream, and what its answer needs. */
class LaneTrip extends Trip {
  readonly lane: Lane;
  readonly request: IncomingMessage;
  readonly response: GatewayResponse;
  readonly requestId: string;
  /** Counted in flight: from when it is forwarded (a pipelined request waiting its turn takes no slot). */
  counted = false;
  /** Whether the access log is written, and when the request came. */
  logged = false;
  started = 0;

  constructor(
    lane: Lane,
    request: IncomingMessage,
    response: GatewayResponse,
    requestId: string,
    path: string,
    headers: Record<string, string>,
  ) {
    super(lane.log, requestId, request.method as string, path, headers, null);
    this.lane = lane;
    this.request = request;
    this.response = response;
    this.requestId = requestId;
  }

  arrive(outcome: Outcome): void {
    try {
      this.lane.send(this, outcome);
    } catch (error) {
      // Called back from undici, which would swallow it: the client is not left waiting.
      this.log.error({ err: error }, 'answer not sent');
      this.response.destroy();
    }
  }

  /** Its turn came (it waited for pipelined requests before it on its connection). */
  afterTurn(): void {
    this.lane.afterTurn(this);
  }
}

/** The `close` listener of every response the lane took. */
function closed(this: GatewayResponse): void {
  const trip = this.trip;
  // Once: a response left open when its connection went is closed by the turns' watcher too.
  if (trip === undefined) return;
  this.trip = undefined;
  trip.lane.closed(trip);
}

/**
 * The gateway's way through for the common request, below Fastify's request lifecycle: one
 * without a body that nothing turns away. It keeps what the lifecycle would do for it (the
 * request id on both sides, the in-flight count, pipelined requests in order, the access log
 * at `info`) and answers errors in the contract as the plugin does. Anything else (a body, a
 * refusal to give: 400, 406, 407, 503, a path Fastify would reject) goes through Fastify, which
 * answers it with the plugin. Cutting the lifecycle, its hooks, its reply and its child logger
 * out of every proxied request halves what the gateway costs beside the upstream.
 *
 * Returns the server's request listener for the requests it takes: false for the others. The
 * server's responses must be `GatewayResponse`s (http.createServer's `ServerResponse` option);
 * the lane leaves any other to Fastify.
 */
export function fastLane(app: FastifyInstance, options: LaneOptions) {
  const lane = new Lane(app, options);
  return (request: IncomingMessage, response: ServerResponse): boolean => lane.take(request, response);
}

/** The fast lane's state and steps: one object for the server, methods rather than closures per request. */
class Lane {
  readonly #app: FastifyInstance;
  readonly #contract: Contract;
  readonly #forwarder: Forwarder;
  readonly #proxyAuth: ProxyAuth | undefined;
  readonly #maxInFlight: number;
  readonly #methods: ReadonlySet<string>;

  constructor(app: FastifyInstance, options: LaneOptions) {
    this.#app = app;
    this.#contract = app.statuskit;
    this.#forwarder = options.forwarder;
    this.#proxyAuth = options.proxyAuth;
    this.#maxInFlight = options.maxInFlight;
    this.#methods = options.methods;
  }

  /** The app's logger, whose children are the requests' (as it may be replaced, read each time). */
  get log() {
    return this.#app.log;
  }

  /** Whether the request is one the lane answers: nothing the plugin or Fastify would refuse. */
  #takes(request: IncomingMessage): boolean {
    const headers = request.headers;
    const url = request.url as string;
    if (!this.#methods.has(request.method as string) || url.charCodeAt(0) !== 47 /* / */) return false;
    if (headers['transfer-encoding'] !== undefined) return false;
    const length = headers['content-length'];
    if (length !== undefined && length !== '0') return false;
    // A malformed escape in the path is Fastify's 400; a dot or slash escape, upstreamPath's.
    const percent = url.indexOf('%');
    if (percent >= 0) {
      const query = url.indexOf('?');
      if (query < 0 || percent < query) return false;
    }
    const contract = this.#contract;
    if (this.#maxInFlight > 0 && contract.inFlight >= this.#maxInFlight) return false;
    // A proxy accepts any media type unless every range the client sent has q=0 (406).
    const accept = headers.accept;
    if (accept?.includes('=0') && !acceptable(accept, anything)) return false;
    if (this.#proxyAuth && !this.#proxyAuth.allows(headers['proxy-authorization'])) return false;
    return contract.turnedAway(request) === undefined;
  }

  take(request: IncomingMessage, response: ServerResponse): boolean {
    if (!(response instanceof GatewayResponse) || !this.#takes(request)) return false;
    const method = request.method as string;
    const requestId = requestIdFrom(request.headers[requestIdHeader]);
    const socket = request.socket;
    const headers = forwardedHeaders(
      request.headers,
      requestId,
      socket.remoteAddress,
      (socket as { encrypted?: boolean }).encrypted ? 'https' : 'http',
      request.httpVersion,
    );
    const path = upstreamPath(request.url as string) as string;
    const trip = new LaneTrip(this, request, response, requestId, path, headers);
    if ((this.#app.log as Leveled).isLevelEnabled?.('info') === true) {
      trip.logged = true;
      trip.started = performance.now();
      trip.log.info({ req: described(request) }, 'incoming request');
    }
    response.trip = trip;
    response.on('close', closed);

    const waiting = inTurn(socket, response, method, this.#contract.perConnection);
    if (waiting) waiting.then(trip.afterTurn.bind(trip));
    else this.#go(trip);
    return true;
  }

  #go(trip: LaneTrip): void {
    this.#contract.inFlight++;
    trip.counted = true;
    this.#forwarder.send(trip);
  }

  /** The response closed: its slot given back, the upstream request cancelled if unfinished, the access log. */
  closed(trip: LaneTrip): void {
    const response = trip.response;
    if (trip.counted) this.#contract.inFlight--;
    if (!response.writableFinished) trip.leave();
    if (trip.logged) {
      trip.log.info({ res: response, responseTime: performance.now() - trip.started }, 'request completed');
    }
  }

  /**
   * A request that waited its turn: nothing if its client is gone, else forwarded, unless the
   * slots were all taken meanwhile (503, as Fastify's way through would answer it).
   */
  afterTurn(trip: LaneTrip): void {
    if (trip.request.socket.destroyed) return;
    if (this.#maxInFlight > 0 && this.#contract.inFlight >= this.#maxInFlight) {
      const busy = new ServiceUnavailableError(messages.tooManyInFlight(), {
        retryAfter: this.#contract.retryAfter,
      });
      this.#sendError(trip, busy, undefined);
      return;
    }
    this.#go(trip);
  }

  send(trip: LaneTrip, outcome: Outcome): void {
    const response = trip.response;
    if (response.closed || response.headersSent) return;
    if (outcome.error) {
      this.#sendError(trip, outcome.error, outcome.headers);
      return;
    }
    const headers: Record<string, string | string[] | number> = outcome.headers;
    headers[requestIdHeader] = trip.requestId;
    headers[openstackRequestIdHeader] = trip.requestId;
    // While closing, every answer ends its connection: an idle keep-alive one would hold the close.
    if (this.#contract.draining) headers.connection = 'close';
    const body = outcome.body;
    if (body === undefined || Buffer.isBuffer(body)) {
      if (body !== undefined && trip.method !== 'HEAD') headers['content-length'] = body.length;
      response.writeHead(outcome.status, headers);
      response.end(body);
      return;
    }
    response.writeHead(outcome.status, headers);
    pipeline(body, response, (error) => {
      if (error) trip.log.warn({ err: error }, 'upstream body cut short');
    });
  }

  /** The contract's answer for an error, as the plugin's error handler gives it. */
  #sendError(trip: LaneTrip, error: ContractError, kept: ReplyHeaders | undefined): void {
    const { request, response, requestId } = trip;
    const contract = this.#contract;
    const answer = contract.answer(error, negotiateLanguage(request.headers['accept-language']), requestId);
    if (!isContractError(error) || answer.status >= 500) {
      trip.log.error({ err: error }, isContractError(error) ? 'server error' : 'unhandled error');
    }
    const headers: Record<string, string | string[] | number> = { ...kept, ...answer.headers };
    if (answer.status === 401 && !headers['www-authenticate'])
      headers['www-authenticate'] = contract.challenge;
    headers[requestIdHeader] = requestId;
    headers[openstackRequestIdHeader] = requestId;
    headers['content-length'] = Buffer.byteLength(answer.body);
    if (contract.draining) headers.connection = 'close';
    response.writeHead(answer.status, headers);
    response.end(answer.body);
  }
}

/** The request as Fastify's log serialiser describes it. */
function described(request: IncomingMessage) {
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    host: request.headers.host,
    ip: request.socket.remoteAddress,
    socket: request.socket,
  };
}
