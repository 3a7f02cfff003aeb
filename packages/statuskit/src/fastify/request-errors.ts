import type { FastifyError, FastifyRequest } from 'fastify';
import type { ContractError, Messages } from '../index.js';
import { messages } from '../texts/index.js';
import type { Contract } from './contract.js';

/** The media type a request says its body is in, short enough to quote back. */
function mediaTypeOf(request: Pick<FastifyRequest, 'headers'>): string {
  const type =
    String(request.headers['content-type'] ?? '')
      .split(';', 1)[0]
      ?.trim() ?? '';
  return type === '' ? 'none' : type.slice(0, 100);
}

type Request = Pick<FastifyRequest, 'headers' | 'method'> & { routeOptions?: { bodyLimit?: number } };

/** Fastify's errors for a bad request, each in the contract's words and languages. */
const ownWords: Record<string, (request: Request) => Messages> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => messages.invalidJson(),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => messages.emptyJsonBody(),
  FST_ERR_CTP_BODY_TOO_LARGE: (request) =>
    messages.bodyTooLarge({ limit: request.routeOptions?.bodyLimit ?? '?' }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (request) => messages.unsupportedMediaType({ type: mediaTypeOf(request) }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => messages.contentLengthMismatch(),
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: (request) => messages.contentTypeRequired({ method: request.method }),
  FST_ERR_BAD_URL: () => messages.malformedUrl(),
  FST_ERR_MAX_PARAM_LENGTH: () => messages.parameterTooLong(),
};

/**
 * A 4xx error raised by Fastify or a library (a body over the limit, malformed JSON, a bad URL)
 * as the contract's error, at the profile's code for its status. Fastify's own are told in the
 * contract's words, in every language; another framework code the table lacks gets the page's
 * text for its status; anything else keeps its message, as English.
 */
export function frameworkError(contract: Contract, error: FastifyError, request: Request): ContractError {
  const status = error.statusCode ?? 400;
  const words = error.code === undefined ? undefined : ownWords[error.code];
  if (words) return contract.errorFor(status, words(request));
  return contract.errorFor(status, error.code?.startsWith('FST_') ? undefined : error.message);
}
