import { type Dialect, defined, isObject, stringOf } from './dialect.js';

/**
 * RFC 9457 problem details, with the contract's `error_code` and `request_id` as extension
 * members (§3.2). `type` stays `about:blank`, so `title` is the status's phrase (§4.2.1).
 */
export const problemDialect: Dialect = {
  name: 'problem',
  contentType: 'application/problem+json; charset=utf-8',
  serialize({ status, code, title, message, requestId, details }) {
    return JSON.stringify({
      type: 'about:blank',
      title,
      status,
      detail: message,
      error_code: code,
      request_id: requestId,
      details,
    });
  },
  parse(body) {
    if (
      !isObject(body) ||
      typeof body.status !== 'number' ||
      (body.title === undefined && body.detail === undefined)
    ) {
      return undefined;
    }
    return defined({
      dialect: 'problem' as const,
      status: body.status,
      code: stringOf(body.error_code),
      title: stringOf(body.title),
      message: stringOf(body.detail),
      requestId: stringOf(body.request_id),
      details: body.details,
    });
  },
};
