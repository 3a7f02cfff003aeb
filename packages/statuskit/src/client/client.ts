import { type Dispatcher, fetch } from 'undici';
import {
  getProfile,
  type Language,
  newRequestId,
  type Profile,
  type ProfileName,
  requestIdHeaders,
} from '../index.js';
import { StatuskitNetworkError, StatuskitTimeoutError } from './errors.js';
import { Operation } from './operation.js';
import { errorFromResponse, parseBody, plainHeaders, type Received } from './response.js';
import {
  decideRetry,
  type Failure,
  parseRetryAfter,
  type RetryDecision,
  type RetryOptions,
  retryDefaults,
} from './retry.js';
import { type AccessKey, signRequest } from './signer.js';
import { abortable, sleep } from './sleep.js';
import { createTransport, type ProxyAuthAnswer, type ProxyOption, watch407 } from './transport.js';

/** Gives the token to send; `renew: true` after a 401, when the one given last was refused. */
export type GetToken = (context: { renew: boolean }) => string | Promise<string>;

/** What the client reports before each retry (to `onRetry`, and to `logger.warn`). */
export interface RetryEvent {
  method: string;
  url: string;
  requestId: string;
  /** The attempt about to be made: 2 for the first retry. */
  attempt: number;
  /** Milliseconds the client waits before it. */
  delay: number;
  /** Where the wait comes from: the backoff, the answer's `Retry-After`, or a token renewal after a 401 (no wait). */
  basis: 'backoff' | 'retry-after' | 'token';
  /** What failed: the status, `network` or `timeout`. */
  failure: Failure;
  /** The error the attempt ended with, thrown if no retry follows. */
  error: Error;
}

export interface ClientOptions {
  /** The API's root; request paths are appended to it (`/v2.0/nat_gateways` under `http://host/nat`). */
  baseUrl: string | URL;
  /** A fixed token, sent in `tokenHeader`. */
  token?: string;
  /** Gives the token for each request; asked again with `renew: true` once after a 401. See `keystone()`. */
  getToken?: GetToken;
  /** The header the token goes in (default `X-Auth-Token`; `Authorization` sends `Bearer <token>`). */
  tokenHeader?: string;
  /**
   * Signs every request with an access key instead of sending a token: Huawei Cloud's
   * `SDK-HMAC-SHA256` (`X-Sdk-Date`, `Authorization`), signed again for each attempt; with
   * `projectId`, sent as `X-Project-Id` (signed too).
   */
  accessKey?: AccessKey & { projectId?: string };
  /** The page whose classes and texts errors take, for codes the catalog has no class for (default `nat`). */
  profile?: ProfileName | (string & {}) | Profile;
  /** Sent as `Accept-Language`; the catalog's texts for bodies in no dialect are in it too. */
  language?: Language;
  /** Retry settings, merged over `retryDefaults`; `false` for none. */
  retry?: Partial<RetryOptions> | false;
  /** Milliseconds each attempt has, headers and body; `false` for no limit. Default 30 000. */
  timeout?: number | false;
  /** An HTTP proxy: `http://user:password@host:port`, or `{ url, token }` with a `Proxy-Authorization` value. */
  proxy?: ProxyOption;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Called before each retry. */
  onRetry?: (event: RetryEvent) => void;
  /** Told of each retry with `warn(details, message)` (pino, or anything of that shape). */
  logger?: { warn(details: object, message: string): void };
  /** The jitter's random source, in [0, 1) (default `Math.random`). */
  random?: () => number;
  /** An undici dispatcher of your own (then `proxy` is not used, and `close()` leaves it open). */
  dispatcher?: Dispatcher;
}

export interface RequestOptions {
  /** Appended to the URL's query; `undefined` and `null` values are left out. */
  query?: URLSearchParams | Record<string, string | number | boolean | null | undefined>;
  /** Sent as JSON, unless a string or bytes (sent as they are). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Cancels the request: the attempt in flight and any wait between attempts. */
  signal?: AbortSignal;
  /** Milliseconds for each attempt; overrides the client's. */
  timeout?: number | false;
  /** Lets a method that is not idempotent (POST, PATCH) be retried. */
  idempotent?: boolean;
  /** Sent as `Idempotency-Key`, and makes the request retryable like `idempotent: true`. */
  idempotencyKey?: string;
  /** The `X-Request-Id` to send (to carry on an id from the request being served); default a new `req-<uuid>`. */
  requestId?: string;
  /** Retry settings for this request, merged over the client's; `false` for none. */
  retry?: Partial<RetryOptions> | false;
}

/** A successful answer. */
export interface Reply<T = unknown> {
  status: number;
  /** Lower-case names; repeated fields joined with `, `. */
  headers: Record<string, string>;
  /** The URL requested. */
  url: string;
  /** The answer's `X-Request-Id` (or `X-Openstack-Request-Id`), else the one sent. */
  requestId: string;
  /** The parsed body: JSON, else text; `undefined` for 204 and HEAD. */
  body: T;
  /** `Location`, made absolute (201 names the new resource, 202 the job). */
  location?: string;
  /** 202 only: the accepted operation, to `wait()` for. */
  operation?: Operation;
  /** Attempts made, the first included. */
  attempts: number;
}

export interface Client {
  readonly baseUrl: string;
  readonly profile: Profile;
  /**
   * Any method. Resolves with the reply for a 2xx; throws the catalog's error class for an error
   * answer, `StatuskitTimeoutError`, `StatuskitNetworkError`, or the signal's reason on abort.
   */
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<Reply<T>>;
  /** GET: resolves with the parsed body. */
  get<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
  /** HEAD: resolves with the reply (headers, no body). */
  head(path: string, options?: RequestOptions): Promise<Reply<undefined>>;
  /** POST: resolves with the reply (201: body and `location`; 202: `operation`; 204: no body). Not retried unless marked idempotent. */
  post<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<Reply<T>>;
  /** PUT: resolves with the reply. */
  put<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<Reply<T>>;
  /** PATCH: resolves with the reply. Not retried unless marked idempotent, as POST. */
  patch<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<Reply<T>>;
  /** DELETE: resolves with the reply (204: no body; 202: `operation`). */
  delete<T = unknown>(path: string, options?: RequestOptions): Promise<Reply<T>>;
  /** Closes the client's connections. */
  close(): Promise<void>;
}

const defaultTimeout = 30_000;

/**
 * The URL for `path`: an absolute URL as it is, else appended to the base URL's path (so a base
 * of `http://h/v3` and `/auth/tokens` give `http://h/v3/auth/tokens`), with `query` added.
 * @example targetUrl(new URL('http://h/v3'), '/auth/tokens').href // 'http://h/v3/auth/tokens'
 */
export function targetUrl(base: URL, path: string, query?: RequestOptions['query']): URL {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(path)
    ? new URL(path)
    : new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
  if (query) {
    const entries = query instanceof URLSearchParams ? [...query] : Object.entries(query);
    for (const [name, value] of entries) {
      if (value !== undefined && value !== null) url.searchParams.append(name, String(value));
    }
  }
  return url;
}

function retrySettings(...layers: (Partial<RetryOptions> | false | undefined)[]): RetryOptions {
  let settings = retryDefaults;
  for (const layer of layers) {
    if (layer === false) settings = { ...settings, limit: 0 };
    else if (layer !== undefined) settings = { ...settings, ...layer };
  }
  return settings;
}

function encodeBody(body: unknown): { payload: string | Uint8Array | undefined; json: boolean } {
  if (body === undefined) return { payload: undefined, json: false };
  if (typeof body === 'string' || body instanceof Uint8Array) return { payload: body, json: false };
  return { payload: JSON.stringify(body), json: true };
}

/** Messages along an error's cause chain. */
function messagesOf(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    parts.push(current.message);
    current = current.cause;
  }
  return parts.join(' | ');
}

type Outcome =
  | { kind: 'answer'; received: Received }
  | { kind: 'network'; error: unknown }
  | { kind: 'timeout'; error: unknown };

/**
 * A client for an API that keeps the contract: parsed bodies for 200 and 201, nothing for 204, an
 * operation to wait for on 202, and the catalog's error class for every error answer, whatever its
 * body's dialect. Idempotent requests are retried on 408, 502, 503, 504 and network failures, with
 * full-jitter backoff or the answer's `Retry-After`, within a time budget.
 * @example
 * const nat = createClient({ baseUrl: 'http://127.0.0.1:8080', token });
 * const { nat_gateways } = await nat.get<{ nat_gateways: unknown[] }>('/v2.0/nat_gateways', { query: { limit: 10 } });
 */
export function createClient(options: ClientOptions): Client {
  const base = new URL(String(options.baseUrl));
  const profile = typeof options.profile === 'object' ? options.profile : getProfile(options.profile);
  const transport = options.dispatcher
    ? { dispatcher: options.dispatcher, close: async () => {} }
    : createTransport(options.proxy);
  const tokenHeader = (options.tokenHeader ?? 'x-auth-token').toLowerCase();
  const random = options.random ?? Math.random;
  const clientTimeout = options.timeout ?? defaultTimeout;
  const lang = options.language ?? 'en';

  /** The token to send; waiting for it ends when the request is aborted. */
  async function currentToken(renew: boolean, signal: AbortSignal | undefined): Promise<string | undefined> {
    if (options.getToken) return abortable(Promise.resolve(options.getToken({ renew })), signal);
    return options.token;
  }

  function headersFor(
    requestOptions: RequestOptions,
    requestId: string,
    token: string | undefined,
    json: boolean,
  ): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.language) headers['accept-language'] = options.language;
    if (json) headers['content-type'] = 'application/json';
    for (const extra of [options.headers, requestOptions.headers]) {
      for (const [name, value] of Object.entries(extra ?? {})) headers[name.toLowerCase()] = value;
    }
    headers[requestIdHeaders[0]] = requestId;
    if (requestOptions.idempotencyKey !== undefined)
      headers['idempotency-key'] = requestOptions.idempotencyKey;
    if (token !== undefined) {
      headers[tokenHeader] = tokenHeader === 'authorization' ? `Bearer ${token}` : token;
    }
    return headers;
  }

  /** The headers with the access key's signature, made now (its date must be fresh on every retry). */
  function signed(
    method: string,
    url: URL,
    headers: Record<string, string>,
    payload: string | Uint8Array | undefined,
  ): Record<string, string> {
    const key = options.accessKey;
    if (!key) return headers;
    if (key.projectId !== undefined) headers['x-project-id'] = key.projectId;
    // fetch sends the URL's host itself; the rest of what is signed is what says where and as what.
    const toSign: Record<string, string> = { host: url.host };
    for (const name of ['content-type', 'x-project-id']) {
      const value = headers[name];
      if (value !== undefined) toSign[name] = value;
    }
    const request = { method, url: `${url.pathname}${url.search}`, headers: toSign };
    return {
      ...headers,
      ...signRequest(payload === undefined ? request : { ...request, body: payload }, key),
    };
  }

  async function attempt(
    method: string,
    url: URL,
    init: { headers: Record<string, string>; payload: string | Uint8Array | undefined },
    signal: AbortSignal | undefined,
    timeout: number | false,
  ): Promise<Outcome> {
    const timer = timeout === false ? undefined : AbortSignal.timeout(timeout);
    const signals = [signal, timer].filter((one): one is AbortSignal => one !== undefined);
    const combined = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    let proxyAuth: ProxyAuthAnswer | undefined;
    const dispatcher = transport.dispatcher.compose(
      watch407((answer) => {
        proxyAuth = answer;
      }),
    );
    try {
      const response = await fetch(url, {
        method,
        headers: init.headers,
        ...(init.payload === undefined ? {} : { body: init.payload }),
        ...(combined ? { signal: combined } : {}),
        dispatcher,
        redirect: 'manual',
      });
      const body = method === 'HEAD' ? '' : await response.text();
      return {
        kind: 'answer',
        received: {
          status: response.status,
          statusText: response.statusText,
          headers: plainHeaders(response.headers),
          body,
        },
      };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timer?.aborted) return { kind: 'timeout', error };
      const seen = proxyAuth as ProxyAuthAnswer | undefined;
      if (seen) {
        // fetch fails a 407 at its head; the body is read below it, and is usually in by now.
        const give = new AbortController();
        const body = await Promise.race([seen.body, sleep(1_000, give.signal).then(() => '')]);
        give.abort();
        return {
          kind: 'answer',
          received: { status: 407, statusText: seen.statusText, headers: seen.headers, body },
        };
      }
      // A proxy that refused the CONNECT of an https: tunnel: undici keeps only its status.
      const tunnel = /Proxy response \((\d{3})\) !== 200/.exec(messagesOf(error));
      if (tunnel?.[1]) {
        return {
          kind: 'answer',
          received: { status: Number(tunnel[1]), statusText: '', headers: {}, body: '' },
        };
      }
      if (error instanceof TypeError && error.cause !== undefined) return { kind: 'network', error };
      if (error instanceof TypeError && /fetch failed|terminated/.test(error.message)) {
        return { kind: 'network', error };
      }
      throw error;
    }
  }

  function success<T>(
    received: Received,
    url: URL,
    requestId: string,
    attempts: number,
    method: string,
  ): Reply<T> {
    const { status, headers } = received;
    const empty = method === 'HEAD' || status === 204 || status === 205;
    let body: unknown;
    try {
      body = empty ? undefined : parseBody(headers, received.body);
    } catch (error) {
      const what = `${method} ${url.href} answered ${status} with a body that is not the JSON it claims`;
      throw new TypeError(what, { cause: error });
    }
    const location = headers.location === undefined ? undefined : new URL(headers.location, url).href;
    const reply: Reply<T> = {
      status,
      headers,
      url: url.href,
      requestId: headers[requestIdHeaders[0]] ?? headers[requestIdHeaders[1]] ?? requestId,
      body: body as T,
      attempts,
      ...(location === undefined ? {} : { location }),
    };
    if (status === 202) {
      const jobId =
        typeof body === 'object' && body !== null && typeof (body as { job_id?: unknown }).job_id === 'string'
          ? (body as { job_id: string }).job_id
          : undefined;
      const jobUrl = location ?? (jobId === undefined ? undefined : targetUrl(base, `/jobs/${jobId}`).href);
      if (jobUrl !== undefined) {
        reply.operation = new Operation({
          jobId,
          location: jobUrl,
          requestId,
          read: (where, readOptions) => client.get(where, readOptions),
        });
      }
    }
    return reply;
  }

  function report(event: RetryEvent): void {
    options.onRetry?.(event);
    options.logger?.warn(
      {
        method: event.method,
        url: event.url,
        requestId: event.requestId,
        attempt: event.attempt,
        delay: event.delay,
        basis: event.basis,
        failure: event.failure,
        err: event.error,
      },
      'statuskit client: retrying',
    );
  }

  async function request<T>(
    methodName: string,
    path: string,
    requestOptions: RequestOptions = {},
  ): Promise<Reply<T>> {
    const method = methodName.toUpperCase();
    const url = targetUrl(base, path, requestOptions.query);
    const requestId = requestOptions.requestId ?? newRequestId();
    const settings = retrySettings(options.retry, requestOptions.retry);
    const idempotent = requestOptions.idempotent ?? requestOptions.idempotencyKey !== undefined;
    const timeout = requestOptions.timeout ?? clientTimeout;
    const { signal } = requestOptions;
    const { payload, json } = encodeBody(requestOptions.body);
    const started = performance.now();
    signal?.throwIfAborted();
    let token = await currentToken(false, signal);
    let renewed = false;
    let retries = 0;
    for (let attempts = 1; ; attempts++) {
      signal?.throwIfAborted();
      const headers = signed(method, url, headersFor(requestOptions, requestId, token, json), payload);
      const outcome = await attempt(method, url, { headers, payload }, signal, timeout);
      const info = { method, url: url.href, requestId, attempts };
      let error: Error;
      let failure: Failure;
      if (outcome.kind === 'answer') {
        const { received } = outcome;
        if (received.status >= 200 && received.status < 300) {
          return success<T>(received, url, requestId, attempts, method);
        }
        error = errorFromResponse(received, info, profile, lang);
        const retryAfter = parseRetryAfter(received.headers['retry-after'], Date.now());
        failure = {
          kind: 'status',
          status: received.status,
          ...(retryAfter === undefined ? {} : { retryAfter }),
        };
        if (received.status === 401 && options.getToken && !renewed) {
          renewed = true;
          report({ ...info, attempt: attempts + 1, delay: 0, basis: 'token', failure, error });
          token = await currentToken(true, signal);
          continue;
        }
      } else if (outcome.kind === 'timeout') {
        error = new StatuskitTimeoutError({ ...info, timeout: Number(timeout) }, { cause: outcome.error });
        failure = { kind: 'timeout' };
      } else {
        error = new StatuskitNetworkError(info, outcome.error);
        failure = { kind: 'network' };
      }
      const decision: RetryDecision = decideRetry(
        { method, idempotent, retries, elapsed: performance.now() - started, failure },
        settings,
        random,
      );
      if (!decision.retry) throw error;
      retries++;
      report({
        ...info,
        attempt: attempts + 1,
        delay: decision.delay,
        basis: decision.basis,
        failure,
        error,
      });
      await sleep(decision.delay, signal);
    }
  }

  const client: Client = {
    baseUrl: base.href,
    profile,
    request,
    get: async <T>(path: string, requestOptions?: RequestOptions) =>
      (await request<T>('GET', path, requestOptions)).body,
    head: (path, requestOptions) => request<undefined>('HEAD', path, requestOptions),
    post: <T>(path: string, body?: unknown, requestOptions?: RequestOptions) =>
      request<T>('POST', path, { ...requestOptions, body }),
    put: <T>(path: string, body?: unknown, requestOptions?: RequestOptions) =>
      request<T>('PUT', path, { ...requestOptions, body }),
    patch: <T>(path: string, body?: unknown, requestOptions?: RequestOptions) =>
      request<T>('PATCH', path, { ...requestOptions, body }),
    delete: <T>(path: string, requestOptions?: RequestOptions) => request<T>('DELETE', path, requestOptions),
    close: () => transport.close(),
  };
  return client;
}
