import type { Dialect, DialectName, ParsedError } from './dialect.js';
import { errorDialect } from './error.js';
import { huaweiDialect } from './huawei.js';
import { problemDialect } from './problem.js';

export type { Dialect, DialectName, ErrorFields, ParsedError } from './dialect.js';
export { errorDialect, huaweiDialect, problemDialect };

export const dialects: { readonly [N in DialectName]: Dialect } = {
  error: errorDialect,
  huawei: huaweiDialect,
  problem: problemDialect,
};
export const dialectNames = Object.keys(dialects) as DialectName[];
export const defaultDialectName: DialectName = 'error';

/** A dialect by name. @example getDialect('problem').contentType // 'application/problem+json; charset=utf-8' */
export function getDialect(name: string = defaultDialectName): Dialect {
  const dialect = dialects[name as DialectName];
  if (!dialect) throw new RangeError(`unknown dialect "${name}" (known: ${dialectNames.join(', ')})`);
  return dialect;
}

/**
 * Reads an error body in any of the three dialects, as text or already parsed; `undefined` when
 * it is in none (HTML, plain text, another shape).
 * @example parseErrorBody('{"error_code":"NAT.0002","error_msg":"Invalid parameters."}')?.code // 'NAT.0002'
 */
export function parseErrorBody(body: unknown): ParsedError | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return problemDialect.parse(value) ?? errorDialect.parse(value) ?? huaweiDialect.parse(value);
}
