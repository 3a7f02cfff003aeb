import { Agent, DecoratorHandler, type Dispatcher, ProxyAgent } from 'undici';

/**
 * Where the client's requests go: straight to the server, or through an HTTP proxy.
 *
 * Two things of undici's `fetch` shape this file. First, the Fetch standard makes any 407 a network
 * error (HTTP-network-or-cache fetch, step 15: there is no window to ask for credentials), so
 * `fetch` never hands a 407 back, and its `Proxy-Authenticate` with it. The answer is seen here
 * instead, one level down, by an interceptor on the dispatcher (`watch407`). Second, undici's
 * `ProxyAgent` with `proxyTunnel: false` sends plain-http requests to the proxy in absolute-form,
 * but itself turns a 407 into an error before any handler sees its headers; so for an `http:`
 * target the client rewrites the request to absolute-form itself (`absoluteForm`), on an ordinary
 * `Agent`, where the 407 arrives as an answer. An `https:` target is tunnelled with CONNECT by
 * `ProxyAgent`; a 407 to the CONNECT comes back without its challenge.
 */

/** A proxy: its URL (credentials in it are sent as Basic), or the URL and a `Proxy-Authorization` value. */
export type ProxyOption = string | URL | { url: string | URL; token?: string };

/** The head of a 407 seen on the way, and its body once read (at most 64 KiB). */
export interface ProxyAuthAnswer {
  statusText: string;
  headers: Record<string, string>;
  body: Promise<string>;
}

type Handler = Dispatcher.DispatchHandler;
type Forward = Required<
  Pick<
    Handler,
    | 'onRequestStart'
    | 'onRequestUpgrade'
    | 'onResponseStart'
    | 'onResponseData'
    | 'onResponseEnd'
    | 'onResponseError'
  >
>;

const maxRecordedBody = 64 * 1024;

function headerObject(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * An interceptor that reports a 407 answer's head and body to `seen`, and passes everything on
 * unchanged (fetch then fails the request, as the standard says).
 */
export function watch407(seen: (answer: ProxyAuthAnswer) => void): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    // DecoratorHandler adapts fetch's handler (older callback names) to the current ones.
    const inner = new DecoratorHandler(handler) as unknown as Forward;
    let chunks: Buffer[] | undefined;
    let size = 0;
    let settle: ((body: string) => void) | undefined;
    const finish = () => {
      settle?.(Buffer.concat(chunks ?? []).toString('utf8'));
      settle = undefined;
    };
    const watching: Handler = {
      onRequestStart: (controller, context) => inner.onRequestStart(controller, context),
      onRequestUpgrade: (controller, status, headers, socket) =>
        inner.onRequestUpgrade(controller, status, headers, socket),
      onResponseStart(controller, status, headers, statusText) {
        if (status === 407) {
          chunks = [];
          seen({
            statusText: statusText ?? '',
            headers: headerObject(headers),
            body: new Promise((resolve) => {
              settle = resolve;
            }),
          });
        }
        return inner.onResponseStart(controller, status, headers, statusText);
      },
      onResponseData(controller, chunk) {
        if (chunks && size < maxRecordedBody) {
          chunks.push(chunk.subarray(0, maxRecordedBody - size));
          size += chunk.length;
        }
        return inner.onResponseData(controller, chunk);
      },
      onResponseEnd(controller, trailers) {
        finish();
        return inner.onResponseEnd(controller, trailers);
      },
      onResponseError(controller, error) {
        finish();
        return inner.onResponseError(controller, error);
      },
    };
    return dispatch(options, watching);
  };
}

/** Request headers in any of undici's shapes, as a plain object. */
function requestHeaders(headers: Dispatcher.DispatchOptions['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!headers) return out;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) out[String(headers[i])] = String(headers[i + 1]);
    return out;
  }
  const entries =
    Symbol.iterator in headers
      ? (headers as Iterable<[string, string | string[] | undefined]>)
      : Object.entries(headers as Record<string, string | string[] | undefined>);
  for (const [name, value] of entries) if (value !== undefined) out[name] = value;
  return out;
}

/** Basic credentials from a proxy URL's user info, as a `Proxy-Authorization` value. */
export function proxyAuthorization(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

/**
 * An interceptor that sends each `http:` request to the proxy in absolute-form
 * (`GET http://host/path HTTP/1.1`, RFC 9112 §3.2.2) with `Proxy-Authorization`, and hands
 * `https:` requests to `tunnel`, which opens a CONNECT tunnel.
 */
export function absoluteForm(
  proxy: URL,
  authorization: string | undefined,
  tunnel: Dispatcher,
): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    const target = new URL(String(options.origin));
    if (target.protocol !== 'http:') return tunnel.dispatch(options, handler);
    const headers = requestHeaders(options.headers);
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'host' || name.toLowerCase() === 'proxy-authorization') delete headers[name];
    }
    headers.host = target.host;
    if (authorization !== undefined) headers['proxy-authorization'] = authorization;
    return dispatch(
      { ...options, origin: proxy.origin, path: `${target.origin}${options.path}`, headers },
      handler,
    );
  };
}

/** The dispatcher of one client, and how to close it. */
export interface Transport {
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

/**
 * A keep-alive `Agent`, or, with `proxy`, an `Agent` that speaks absolute-form to the proxy for
 * `http:` targets and a `ProxyAgent` (CONNECT) for `https:` ones.
 * @example createTransport('http://user:secret@127.0.0.1:3128')
 */
export function createTransport(proxy?: ProxyOption): Transport {
  const agent = new Agent();
  if (proxy === undefined) return { dispatcher: agent, close: () => agent.close() };
  const url = new URL(String(typeof proxy === 'object' && 'url' in proxy ? proxy.url : proxy));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`proxy "${url.protocol}//${url.host}" must be http: or https:`);
  }
  const token = typeof proxy === 'object' && 'url' in proxy ? proxy.token : undefined;
  const authorization = token ?? proxyAuthorization(url);
  const bare = new URL(url.origin);
  // The tunnel is made on first use: most targets behind a test or corporate proxy are one kind.
  let tunnel: ProxyAgent | undefined;
  const tunnelOnce: Dispatcher = Object.assign(Object.create(null) as Dispatcher, {
    dispatch: (options: Dispatcher.DispatchOptions, handler: Handler) => {
      tunnel ??= new ProxyAgent({
        uri: bare.href,
        proxyTunnel: true,
        ...(authorization === undefined ? {} : { token: authorization }),
      });
      return tunnel.dispatch(options, handler);
    },
  });
  const dispatcher = agent.compose(absoluteForm(bare, authorization, tunnelOnce));
  return {
    dispatcher,
    close: async () => {
      await Promise.all([agent.close(), tunnel?.close()]);
    },
  };
}
