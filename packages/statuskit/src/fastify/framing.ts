import type { IncomingMessage } from 'node:http';
import { type ContractError, createError } from '../errors/index.js';
import { BadRequestError } from '../index.js';
import { messages } from '../texts/index.js';

/** Whether a body follows the request's headers (RFC 9112 §6.3). */
export function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** `uri-host [ ":" port ]` (RFC 9112 §3.2, RFC 3986 §3.2.2): a reg-name or IPv4 address, or an IP literal. */
const hostValue = /^(?:\[[0-9A-Za-z:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/**
 * RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, for more than one Host line, and for
 * a Host that is not a host. Node would answer the first with a bare 400 (see serverOptions:
 * requireHostHeader), keeps only the first of several, and takes any value.
 */
export function hostProblem(request: IncomingMessage): ContractError | undefined {
  const host = request.headers.host;
  if (host === undefined) {
    return request.httpVersionMajor === 1 && request.httpVersionMinor === 1
      ? new BadRequestError(messages.hostRequired())
      : undefined;
  }
  const raw = request.rawHeaders;
  let lines = 0;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index] as string;
    // Clients write it `Host`; lowering only the other names of four letters allocates nothing per request.
    if (name.length === 4 && (name === 'Host' || name.toLowerCase() === 'host')) lines++;
  }
  if (lines > 1) return new BadRequestError(messages.hostRepeated());
  // A server is asked under one or two names: the last one found good is not tested again.
  if (host === goodHost) return undefined;
  if (!hostValue.test(host)) return new BadRequestError(messages.hostInvalid());
  goodHost = host;
  return undefined;
}

let goodHost: string | undefined;

/**
 * RFC 9112 §6.1: a transfer coding the server does not understand gets 501. Node decodes only
 * `chunked`; anything on top of it (`gzip, chunked`) would reach the app still encoded.
 */
export function transferCodingProblem(request: IncomingMessage): ContractError | undefined {
  const coding = request.headers['transfer-encoding'];
  if (coding === undefined || coding.trim().toLowerCase() === 'chunked') return undefined;
  return createError(501, messages.transferCodingNotImplemented({ coding }));
}
