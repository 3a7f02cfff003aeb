/**
 * The client's own errors, for what no status code says: an attempt that ran out of time, a
 * request that never got an answer, and a 202 operation that failed. They are not contract
 * errors (`isContractError` is false for them): no server sent them.
 */

/** Where a request went, for the errors about it. */
export interface RequestInfo {
  method: string;
  url: string;
  /** The `X-Request-Id` the client sent. */
  requestId: string;
  /** Attempts made, the first included. */
  attempts: number;
}

/**
 * The client gave up waiting for an answer: the request's `timeout` elapsed. Not a 408, which is
 * the server giving up on the client (that one is a `RequestTimeoutError`).
 */
export class StatuskitTimeoutError extends Error {
  readonly method: string;
  readonly url: string;
  readonly requestId: string;
  readonly attempts: number;
  /** Milliseconds each attempt had. */
  readonly timeout: number;

  constructor(info: RequestInfo & { timeout: number }, options?: { cause?: unknown }) {
    super(`${info.method} ${info.url} got no answer within ${info.timeout} ms`, options);
    this.method = info.method;
    this.url = info.url;
    this.requestId = info.requestId;
    this.attempts = info.attempts;
    this.timeout = info.timeout;
  }

  override get name(): string {
    return 'StatuskitTimeoutError';
  }
}

/**
 * No answer came: the connection was refused or reset, the name did not resolve, the answer was
 * not HTTP. `code` is the system's or undici's (`ECONNREFUSED`, `UND_ERR_SOCKET`…); `cause` the
 * original error.
 */
export class StatuskitNetworkError extends Error {
  readonly method: string;
  readonly url: string;
  readonly requestId: string;
  readonly attempts: number;
  readonly code: string | undefined;

  constructor(info: RequestInfo, cause: unknown) {
    const code = errorCodeOf(cause);
    super(`${info.method} ${info.url} failed${code ? ` (${code})` : ''}: ${deepestMessage(cause)}`, {
      cause,
    });
    this.method = info.method;
    this.url = info.url;
    this.requestId = info.requestId;
    this.attempts = info.attempts;
    this.code = code;
  }

  override get name(): string {
    return 'StatuskitNetworkError';
  }
}

/** A job as its resource reports it (`GET /jobs/<id>` → `{"job": …}`). */
export interface JobReport {
  job_id: string;
  status: 'RUNNING' | 'SUCCESS' | 'FAILED' | (string & {});
  progress?: number;
  result?: unknown;
  error?: { code?: string; message?: string };
  [field: string]: unknown;
}

/** A 202 operation ended FAILED: `code` and `message` are the job's error. */
export class OperationFailedError extends Error {
  readonly jobId: string;
  readonly code: string;
  readonly job: JobReport;
  readonly requestId: string | undefined;

  constructor(job: JobReport, requestId?: string) {
    super(job.error?.message ?? `Job ${job.job_id} failed.`);
    this.jobId = job.job_id;
    this.code = job.error?.code ?? 'SK.0500';
    this.job = job;
    this.requestId = requestId;
  }

  override get name(): string {
    return 'OperationFailedError';
  }
}

/** The answer behind a contract error the client threw: what came on the wire. */
export interface ResponseInfo extends RequestInfo {
  /** The status received, which differs from `error.status` for a code the catalog has no class for. */
  status: number;
  statusText: string;
  /** Lower-case names; repeated fields joined with `, `. */
  headers: Record<string, string>;
  /** The body as text (empty for HEAD or when none was sent). */
  body: string;
}

const responses = new WeakMap<object, ResponseInfo>();

/** Records the answer behind an error (the client does this for every contract error it throws). */
export function recordResponse<E extends object>(error: E, info: ResponseInfo): E {
  responses.set(error, info);
  return error;
}

/**
 * The answer behind a contract error the client threw: the status as received, headers, body
 * and attempts. A 429 throws a `ServiceUnavailableError` (the profile's class for it), and
 * `responseOf(error).status` is 429.
 * @example
 * catch (error) { if (isContractError(error)) console.log(responseOf(error)?.status, error.status) }
 */
export function responseOf(error: unknown): ResponseInfo | undefined {
  // A WeakMap holds no primitive key and answers `undefined` for one: no type check is needed.
  return responses.get(error as object);
}

/** The first `code` along an error's cause chain (`ECONNREFUSED`, `UND_ERR_SOCKET`…). */
export function errorCodeOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

function deepestMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message;
}
