/** What went wrong between the gateway and an upstream, and what follows from it. */
export interface Failure {
  kind: 'refused' | 'reset' | 'invalid' | 'timeout' | 'other';
  /** The status the client gets: 502, or 504 for a timeout. */
  status: 502 | 504;
  /** Whether the upstream is taken out for a while (passive health). */
  down: boolean;
  /**
   * Whether the request may go to another upstream: `any` when nothing reached the upstream
   * (the connection was never made), `idempotent` when it may have, `never` when it did and the
   * upstream may still be working on it (a timeout).
   */
  retry: 'any' | 'idempotent' | 'never';
}

const refused = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const reset = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const timedOut = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The code of an error, or of its cause (undici wraps some system errors). */
function codeOf(error: unknown): string | undefined {
  const value = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof value?.code === 'string') return value.code;
  if (typeof value?.cause?.code === 'string') return value.cause.code;
  return undefined;
}

/**
 * Sorts an error of undici's `request` (before any response came) into what the client gets.
 * Refused and reset connections and replies that are not HTTP are 502 and take the upstream
 * out; a timeout is 504 and does not (slow is not dead).
 * @example failureOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).status // 502
 */
export function failureOf(error: unknown): Failure {
  const code = codeOf(error);
  const name = (error as { name?: unknown } | undefined)?.name;
  if (code !== undefined && refused.has(code))
    return { kind: 'refused', status: 502, down: true, retry: 'any' };
  if (code !== undefined && reset.has(code))
    return { kind: 'reset', status: 502, down: true, retry: 'idempotent' };
  if (name === 'HTTPParserError' || code?.startsWith('HPE_') || code === 'UND_ERR_INVALID_STATUS') {
    return { kind: 'invalid', status: 502, down: true, retry: 'idempotent' };
  }
  if (code !== undefined && timedOut.has(code))
    return { kind: 'timeout', status: 504, down: false, retry: 'never' };
  return { kind: 'other', status: 502, down: false, retry: 'never' };
}

/** The methods RFC 9110 §9.2.2 calls idempotent: safe to send twice. */
export const idempotentMethods: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'PUT',
  'DELETE',
]);

/** Whether a request that failed this way may be sent to another upstream. */
export function mayRetry(failure: Failure, method: string): boolean {
  return failure.retry === 'any' || (failure.retry === 'idempotent' && idempotentMethods.has(method));
}
