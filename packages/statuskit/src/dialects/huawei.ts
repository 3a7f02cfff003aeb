import { type Dialect, defined, isObject, stringOf } from './dialect.js';

/** `{"error_code", "error_msg", "request_id"}`: the flat shape of Huawei Cloud services. */
export const huaweiDialect: Dialect = {
  name: 'huawei',
  contentType: 'application/json; charset=utf-8',
  serialize({ code, message, requestId, details }) {
    return JSON.stringify({ error_code: code, error_msg: message, request_id: requestId, details });
  },
  parse(body) {
    if (!isObject(body) || (body.error_code === undefined && body.error_msg === undefined)) return undefined;
    return defined({
      dialect: 'huawei' as const,
      code: stringOf(body.error_code),
      message: stringOf(body.error_msg),
      requestId: stringOf(body.request_id),
      details: body.details,
    });
  },
};
