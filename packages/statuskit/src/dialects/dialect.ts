/** The fields every error body carries, whatever its dialect. */
export interface ErrorFields {
  status: number;
  /** The service's error code, e.g. `NAT.0002`. */
  code: string;
  /** The status's reason phrase, from the catalog. */
  title: string;
  message: string;
  requestId: string;
  details?: unknown;
}

/** What a body gave back: a dialect may not carry every field (huawei has no title or status). */
export type ParsedError = Partial<ErrorFields> & { dialect: DialectName };

export type DialectName = 'error' | 'huawei' | 'problem';

export interface Dialect {
  readonly name: DialectName;
  readonly contentType: string;
  serialize(fields: ErrorFields): string;
  /** The fields, when `body` is in this dialect. */
  parse(body: unknown): ParsedError | undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** Copies the defined entries only, so parsed fields never hold `undefined`. */
export function defined(fields: { [K in keyof ParsedError]: ParsedError[K] | undefined }): ParsedError {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as ParsedError;
}
