import { type Dialect, defined, isObject, stringOf } from './dialect.js';

/**
 * `{"error": {"code", "title", "message", "request_id"}}`: the default, and the one shape that
 * both OpenStack's keystoneauth1 and the Huawei Cloud SDK read in full.
 */
export const errorDialect: Dialect = {
  name: 'error',
  contentType: 'application/json; charset=utf-8',
  serialize({ code, title, message, requestId, details }) {
    return JSON.stringify({ error: { code, title, message, request_id: requestId, details } });
  },
  parse(body) {
    if (!isObject(body) || !isObject(body.error)) return undefined;
    const { code, title, message, request_id, details } = body.error;
    if (code === undefined && message === undefined) return undefined;
    return defined({
      dialect: 'error' as const,
      code: stringOf(code),
      title: stringOf(title),
      message: stringOf(message),
      requestId: stringOf(request_id),
      details,
    });
  },
};
