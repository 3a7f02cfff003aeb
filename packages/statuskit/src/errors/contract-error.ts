import type { ErrorStatus } from '../catalog/index.js';
import type { Messages } from './messages.js';

const brand = Symbol.for('statuskit.ContractError');

export interface ContractErrorOptions {
  /** The service's own error code, e.g. `NAT.0002`; defaults to `defaultErrorCode(status)`. */
  code?: string;
  /** Machine-readable detail: the field at fault, the conflicting id. Sent with 4xx only. */
  details?: unknown;
  requestId?: string;
  /** Seconds a client should wait before retrying (503, 429-as-503); sent as `Retry-After`. */
  retryAfter?: number;
  /** Headers the answer must carry (`Allow`, `WWW-Authenticate`, `Proxy-Authenticate`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The error code sent when a service names none: `SK.` and the status in four digits.
 * @example defaultErrorCode(404) // 'SK.0404'
 */
export function defaultErrorCode(status: number): string {
  return `SK.${String(status).padStart(4, '0')}`;
}

/**
 * The base of every error of the contract, on the server and in the client alike.
 * A 4xx error is expected and cheap: no stack is captured. Its message may reach the caller;
 * a 5xx message never does (the body gets the catalog's text instead).
 */
export class ContractError extends Error {
  readonly status: ErrorStatus;
  readonly code: string;
  readonly details?: unknown;
  readonly retryAfter?: number;
  readonly headers?: Record<string, string>;
  /** The message in each language it is written in; `message` is its English (for logs). */
  readonly messages?: Messages;
  requestId?: string;

  /**
   * `message` is English, or the message in several languages (`{ en, 'zh-CN' }`): the answer
   * is then in the language the request asks for, where the message has it.
   */
  constructor(status: ErrorStatus, message?: string | Messages, options: ContractErrorOptions = {}) {
    // Stacks cost more than the rest of a request; an expected error has no use for one.
    const limit = Error.stackTraceLimit;
    if (status < 500) Error.stackTraceLimit = 0;
    super(
      typeof message === 'object'
        ? (message.en ?? Object.values(message).find(Boolean) ?? '')
        : (message ?? ''),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    Error.stackTraceLimit = limit;
    this.status = status;
    if (typeof message === 'object') this.messages = message;
    this.code = options.code ?? defaultErrorCode(status);
    if (options.details !== undefined) this.details = options.details;
    if (options.requestId !== undefined) this.requestId = options.requestId;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    if (options.headers !== undefined) this.headers = options.headers;
  }

  override get name(): string {
    return 'ContractError';
  }

  /** Whether the message may be shown to the caller: true for 4xx, false for 5xx. */
  get expose(): boolean {
    return this.status < 500;
  }

  get [brand](): true {
    return true;
  }
}

/**
 * True for an error of the contract, also one made by another copy of this package.
 * @example if (isContractError(err) && err.status === 409) retryLater()
 */
export function isContractError(value: unknown): value is ContractError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[brand] === true &&
    typeof (value as ContractError).status === 'number' &&
    typeof (value as ContractError).code === 'string'
  );
}
