import { requestIdHeaders } from '../index.js';

export type Headers = Record<string, string | string[] | undefined>;

/**
 * Fields that describe one connection, not the message (RFC 9110 §7.6.1): never forwarded, in
 * either direction, together with every field the `Connection` header names. `Proxy-*` fields
 * are for the gateway itself (§11.7), and `Trailer` announces trailers the gateway does not relay.
 */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-authentication-info',
]);

/** The field names `Connection` lists, lower-cased. @example connectionOptions('close, X-Foo') // ['close', 'x-foo'] */
export function connectionOptions(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return [value]
    .flat()
    .flatMap((item) => item.split(','))
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * The headers less the hop-by-hop ones and those `Connection` names. Names are lower case, as
 * Node's server and undici give them. One pass: it runs twice for every request.
 */
export function endToEnd(headers: Headers): Record<string, string | string[]> {
  const connection = headers.connection;
  // `keep-alive` and `close`, nearly every message's, name no field that is not already dropped.
  const named =
    connection === undefined || connection === 'keep-alive' || connection === 'close'
      ? undefined
      : new Set(connectionOptions(connection));
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || hopByHop.has(name) || named?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

export interface Forwarding {
  requestId: string;
  /** The client's address, as the gateway's socket saw it. */
  clientIp: string | undefined;
  /** `http` or `https`, as the client reached the gateway. */
  protocol: string;
  /** The request's HTTP version, for `Via`. */
  httpVersion: string;
}

/**
 * The headers sent upstream (RFC 9110 §7.6): the client's end-to-end fields, the request id in
 * both its headers, `X-Forwarded-For` with the client appended (its last entry), `X-Forwarded-Proto` and
 * `X-Forwarded-Host` as the client used them, and `Via` naming the gateway. `Host` is the
 * upstream's (undici sets it), and `Content-Length` is undici's to compute from the body.
 * `Expect` was already answered by the gateway's server.
 */
export function upstreamRequestHeaders(headers: Headers, forwarding: Forwarding): Record<string, string> {
  const out: Record<string, string> = {};
  const passed = endToEnd(headers);
  for (const name in passed) {
    const value = passed[name] as string | string[];
    if (name === 'host' || name === 'content-length' || name === 'expect') continue;
    out[name] = typeof value === 'string' ? value : value.join(', ');
  }
  for (const name of requestIdHeaders) out[name] = forwarding.requestId;
  // The last entry is always the gateway's own, which an upstream trusting one hop relies on:
  // with no address to append, the client's own entries are not passed on as if they were it.
  if (forwarding.clientIp) {
    out['x-forwarded-for'] = out['x-forwarded-for']
      ? `${out['x-forwarded-for']}, ${forwarding.clientIp}`
      : forwarding.clientIp;
  } else {
    delete out['x-forwarded-for'];
  }
  out['x-forwarded-proto'] = forwarding.protocol;
  const host = headers.host;
  if (typeof host === 'string') out['x-forwarded-host'] = host;
  const via = `${forwarding.httpVersion} statuskit`;
  out.via = out.via ? `${out.via}, ${via}` : via;
  return out;
}

/** Fields that describe the body: dropped when the gateway replaces the body with its own. */
const representation = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-range',
  'content-location',
  'content-disposition',
  'content-md5',
  'digest',
  'content-digest',
  'etag',
  'last-modified',
]);

/**
 * The upstream's reply headers as the client gets them: end-to-end only, and without its
 * request-id headers (every answer carries the gateway's, which the upstream was sent).
 * With `body: 'replaced'`, the fields describing the upstream's body go too.
 */
export function clientReplyHeaders(
  headers: Headers,
  body: 'kept' | 'replaced' = 'kept',
): Record<string, string | string[]> {
  const out = endToEnd(headers);
  for (const name of requestIdHeaders) delete out[name];
  if (body === 'replaced') for (const name of representation) delete out[name];
  return out;
}
