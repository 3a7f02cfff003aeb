import type { FastifyRequest } from 'fastify';
import type { DialectName, Profile, ProfileName } from '../index.js';

/**
 * The options of the plugin. `Principal` is what `auth.authenticate` finds: name it
 * (`StatuskitOptions<Caller>`) and `authenticate` is checked to return it while `authorize`
 * gets it typed. Fastify's `register()` takes a plugin's options type as the plugin declares
 * it and cannot infer it from options written inline, hence a name rather than inference.
 */
export interface StatuskitOptions<Principal = unknown> {
  /** The page whose codes this service may send: a built-in profile's name or a `Profile` (default `nat`). */
  profile?: ProfileName | (string & {}) | Profile;
  /** The error-body dialect (default `error`). */
  dialect?: DialectName;
  /** The service's own error code per status, for errors the plugin raises (e.g. `{ 400: 'NAT.0002' }`). */
  errorCodes?: Readonly<Partial<Record<number, string>>>;
  /** Media types routes produce unless their `config.produces` says otherwise (default JSON). */
  produces?: readonly string[];
  /** Authentication and authorization; routes opt out with `config: { auth: false }`. */
  auth?: AuthOptions<Principal>;
  /**
   * In milliseconds: when a slow client gets 408 (`headers`, `request`, checked every
   * `checkInterval`), how long a closing server leaves open keep-alive connections for their
   * clients to find it closing before it cuts the idle ones (`drain`), and how long a connection
   * ended by an answer with `Connection: close` is kept, half-closed, for its client to end its
   * side before it is destroyed (`linger`, nginx's `lingering_timeout`).
   */
  timeouts?: { headers?: number; request?: number; checkInterval?: number; drain?: number; linger?: number };
  /** When requests are turned away with 503. */
  overload?: OverloadOptions;
  /** 202 jobs: where their status is served, and where they are kept; `false`: no job route. */
  jobs?: false | { prefix?: string; store?: import('./jobs.js').JobStore };
}

export interface AuthOptions<Principal = unknown> {
  /**
   * Finds who is calling. Return the principal, or nothing for a 401; throw a contract error to
   * answer with your own code and message (an expired token, say).
   */
  authenticate(request: FastifyRequest): Principal | null | undefined | Promise<Principal | null | undefined>;
  /** Whether the principal (never nothing: that was a 401) may do this request; false gives 403. */
  authorize?(principal: Principal, request: FastifyRequest): boolean | Promise<boolean>;
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
   * Requests of one connection served at once (0: no limit). Default 16. A client pipelining more
   * has the others wait their turn, unread: one connection cannot take the capacity of all.
   */
  maxInFlightPerConnection?: number;
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
  timeouts: { headers: 10_000, request: 30_000, checkInterval: 1_000, drain: 1_000, linger: 5_000 },
  overload: {
    maxInFlight: 1024,
    maxInFlightPerConnection: 16,
    maxEventLoopDelay: 1_000,
    maxHeapUsedBytes: 0,
    retryAfter: 1,
  },
} as const;
