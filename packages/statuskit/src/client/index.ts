/**
 * statuskit/client: a fetch-based client for APIs that keep the contract. It returns parsed
 * bodies, waits for 202 operations, throws the catalog's error classes (the server's own) from any
 * body dialect, and retries what may be retried, with full-jitter backoff and `Retry-After`.
 */
export {
  type Client,
  type ClientOptions,
  createClient,
  type GetToken,
  type Reply,
  type RequestOptions,
  type RetryEvent,
  targetUrl,
} from './client.js';
export {
  type JobReport,
  OperationFailedError,
  type RequestInfo,
  type ResponseInfo,
  responseOf,
  StatuskitNetworkError,
  StatuskitTimeoutError,
} from './errors.js';
export {
  type CatalogEntry,
  type Keystone,
  type KeystoneOptions,
  type KeystoneToken,
  keystone,
  passwordAuthBody,
} from './keystone.js';
export { Operation, type ReadJob, type WaitOptions } from './operation.js';
export { catalogText, errorFromResponse, errorStatusFor, parseBody, type Received } from './response.js';
export {
  backoffDelay,
  decideRetry,
  type Failure,
  idempotentMethods,
  isIdempotent,
  isRetryableStatus,
  type PollOptions,
  parseRetryAfter,
  pollDefaults,
  pollDelay,
  type RetryDecision,
  type RetryInput,
  type RetryOptions,
  retryDefaults,
  retryStatuses,
} from './retry.js';
export {
  type AccessKey,
  ambiguousEscapes,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  emptyBodyHash,
  type PathEscapes,
  parseAuthorization,
  parseSdkDate,
  type SignableRequest,
  type SignedAuthorization,
  sdkDate,
  sha256Hex,
  signature,
  signingAlgorithm,
  signRequest,
  stringToSign,
} from './signer.js';
export { sleep } from './sleep.js';
export type { ProxyOption } from './transport.js';
