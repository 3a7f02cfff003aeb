import { util } from 'undici';
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
 * Node's server and undici give them. One pass.
 */
export function endToEnd(headers: Headers): Record<string, string | string[]> {
  const connection = headers.connection;
  // `keep-alive` and `close`, nearly every message's, name no field that is not already dropped.
  const named = namesNothing(connection) ? undefined : new Set(connectionOptions(connection));
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

/** Dropped on the way upstream besides the hop-by-hop fields: undici's to set, or answered already. */
const notForwarded = new Set([...hopByHop, 'host', 'content-length', 'expect']);

/** Whether a `Connection` value names no field beyond the hop-by-hop ones: nearly every message's. */
function namesNothing(connection: string | string[] | undefined): boolean {
  return connection === undefined || connection === 'keep-alive' || connection === 'close';
}

const [requestIdHeader, openstackRequestIdHeader] = requestIdHeaders;
const vias: Record<string, string> = { '1.1': '1.1 statuskit', '1.0': '1.0 statuskit' };

/**
 * The headers sent upstream (RFC 9110 §7.6): the client's end-to-end fields, the request id in
 * both its headers, `X-Forwarded-For` with the client appended (its last entry), `X-Forwarded-Proto` and
 * `X-Forwarded-Host` as the client used them, and `Via` naming the gateway. `Host` is the
 * upstream's (undici sets it), and `Content-Length` is undici's to compute from the body.
 * `Expect` was already answered by the gateway's server.
 */
export function upstreamRequestHeaders(headers: Headers, forwarding: Forwarding): Record<string, string> {
  return forwardedHeaders(
    headers,
    forwarding.requestId,
    forwarding.clientIp,
    forwarding.protocol,
    forwarding.httpVersion,
  );
}

/** `upstreamRequestHeaders` with its fields as arguments: one object per request, in one pass. */
export function forwardedHeaders(
  headers: Headers,
  requestId: string,
  clientIp: string | undefined,
  protocol: string,
  httpVersion: string,
): Record<string, string> {
  const connection = headers.connection;
  const named = namesNothing(connection) ? undefined : new Set(connectionOptions(connection));
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || notForwarded.has(name) || named?.has(name)) continue;
    out[name] = typeof value === 'string' ? value : value.join(', ');
  }
  out[requestIdHeader] = requestId;
  out[openstackRequestIdHeader] = requestId;
  // The last entry is always the gateway's own, which an upstream trusting one hop relies on:
  // with no address to append, the client's own entries are not passed on as if they were it.
  if (clientIp) {
    const before = out['x-forwarded-for'];
    out['x-forwarded-for'] = before ? `${before}, ${clientIp}` : clientIp;
  } else if (out['x-forwarded-for'] !== undefined) {
    delete out['x-forwarded-for'];
  }
  out['x-forwarded-proto'] = protocol;
  const host = headers.host;
  if (typeof host === 'string') out['x-forwarded-host'] = host;
  const via = vias[httpVersion] ?? `${httpVersion} statuskit`;
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

/** Not relayed from an upstream's answer: the hop-by-hop fields, and its request ids (every answer carries the gateway's). */
const notRelayed = new Set<string>([...hopByHop, ...requestIdHeaders]);

/**
 * An upstream answer's raw header lines (undici's: name, value, name, value …) as the client
 * gets them: `clientReplyHeaders(util.parseHeaders(raw))` in one pass and one object. Returns
 * `undefined` when the answer's `Connection` names fields to drop, or comes twice: rare enough
 * to leave to those two.
 */
export function relayedHeaders(
  raw: readonly (Buffer | string | string[])[],
): Record<string, string | string[]> | undefined {
  const out: Record<string, string | string[]> = {};
  let connection = false;
  for (let index = 0; index < raw.length; index += 2) {
    const name = util.headerNameToString(raw[index] as Buffer | string);
    const line = raw[index + 1];
    if (line === undefined || Array.isArray(line)) return undefined;
    if (notRelayed.has(name)) {
      if (name !== 'connection') continue;
      if (connection || !namesNothing(typeof line === 'string' ? line : line.toString('latin1')))
        return undefined;
      connection = true;
      continue;
    }
    const value = typeof line === 'string' ? line : line.toString('latin1');
    const before = out[name];
    // As parseHeaders: a name Object.prototype has (`constructor`, `__proto__`) is a field of its own.
    if (before === undefined || !Object.hasOwn(out, name)) {
      if (name === '__proto__')
        Object.defineProperty(out, name, { value, enumerable: true, configurable: true, writable: true });
      else out[name] = value;
    } else if (typeof before === 'string') out[name] = [before, value];
    else before.push(value);
  }
  return out;
}
