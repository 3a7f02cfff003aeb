import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { DialectName, Profile, ProfileName } from '../index.js';
import { negotiateLanguage, requestIdFrom, requestIdHeaders } from '../index.js';
import { answerClientError } from './client-error.js';
import { Contract } from './contract.js';
import { frameworkError } from './request-errors.js';

export interface StatuskitOptions {
  /** The page whose codes this service may send: a built-in profile's name or a `Profile` (default `nat`). */
  profile?: ProfileName | (string & {}) | Profile;
  /** The error-body dialect (default `error`). */
  dialect?: DialectName;
  /** The service's own error code per status, for errors the plugin raises (e.g. `{ 400: 'NAT.0002' }`). */
  errorCodes?: Readonly<Partial<Record<number, string>>>;
  /** Media types routes produce unless their `config.produces` says otherwise (default JSON). */
  produces?: readonly string[];
  /** Authentication and authorization; routes opt out with `config: { auth: false }`. */
  auth?: AuthOptions;
  /**
   * In milliseconds: when a slow client gets 408 (`headers`, `request`, checked every
   * `checkInterval`), and how long a closing server leaves open keep-alive connections for their
   * clients to find it closing before it cuts the idle ones (`drain`).
   */
  timeouts?: { headers?: number; request?: number; checkInterval?: number; drain?: number };
  /** When requests are turned away with 503. */
  overload?: OverloadOptions;
  /** 202 jobs: where their status is served, and where they are kept; `false`: no job route. */
  jobs?: false | { prefix?: string; store?: import('./jobs.js').JobStore };
}

export interface AuthOptions {
  /**
   * Finds who is calling. Return the principal, or nothing for a 401; throw a contract error to
   * answer with your own code and message (an expired token, say).
   */
  authenticate(request: FastifyRequest): unknown | Promise<unknown>;
  /** Whether the principal may do this request; false gives 403. */
  authorize?(principal: unknown, request: FastifyRequest): boolean | Promise<boolean>;
  /** The `WWW-Authenticate` challenge sent with every 401 (RFC 9110 §11.6.1). */
  challenge?: string;
}

export interface OverloadOptions {
  /**
   * Requests served at once before the next gets 503 (0: no limit). Default 1024. A request with
   * a body counts once its body is in: clients still sending take a connection, not this.
   */
  maxInFlight?: number;
  /**
   * Connections held open at once; one past it is closed as soon as it is accepted (0: no cap).
   * Default: derived from the process's descriptor limit (RLIMIT_NOFILE) where it can be read
   * (Linux): the limit less an eighth (at least 64) kept for everything else.
   */
  maxConnections?: number;
  /** Event-loop delay, in ms, above which requests get 503 (0: off). Default 1000. */
  maxEventLoopDelay?: number;
  /** Heap in use, in bytes, above which requests get 503 (0: off). */
  maxHeapUsedBytes?: number;
  /** Seconds sent in `Retry-After`. Default 1. */
  retryAfter?: number;
}

export const defaults = {
  produces: ['application/json'],
  timeouts: { headers: 10_000, request: 30_000, checkInterval: 1_000, drain: 1_000 },
  overload: { maxInFlight: 1024, maxEventLoopDelay: 1_000, maxHeapUsedBytes: 0, retryAfter: 1 },
} as const;

declare module 'fastify' {
  interface FastifyInstance {
    statuskit: Contract;
  }
}

/**
 * The Fastify constructor options the contract needs, for what happens before any plugin runs:
 * request ids from `X-Request-Id`, framework errors (a bad URL) and parser errors (an unknown
 * method, a slow client) answered in the contract, and no framework 503 while closing.
 * @example const app = Fastify(serverOptions({ logger: true })); await app.register(statuskit, { profile: 'nat' });
 */
export function serverOptions<O extends FastifyServerOptions>(options: O = {} as O): O {
  return {
    ...options,
    // A request without Host gets the contract's 400 from the plugin rather than Node's bare one.
    http: { ...(options as { http?: object }).http, requireHostHeader: false },
    requestIdHeader: false,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) =>
      requestIdFrom(request.headers[requestIdHeaders[0]]),
    return503OnClosing: false,
    // A bad URL is answered before routing, so no hook or error handler of the app runs for it.
    frameworkErrors(error, request, reply) {
      const contract = (reply.server.statuskit as Contract | undefined) ?? new Contract({}, reply.log);
      const answer = contract.answer(
        frameworkError(contract, error, request),
        negotiateLanguage(request.headers['accept-language']),
        request.id,
      );
      for (const name of requestIdHeaders) answer.headers[name] = request.id;
      (reply as unknown as FastifyReply).code(answer.status).headers(answer.headers).send(answer.body);
    },
    clientErrorHandler(this: { statuskit?: Contract; log: Contract['log'] }, error, socket) {
      answerClientError(this.statuskit ?? new Contract({}, this.log), error, socket);
    },
  };
}
