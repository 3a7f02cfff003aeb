/**
 * statuskit/gateway: a reverse proxy that keeps every reply inside the contract. It answers 407,
 * 408, 502, 503 and 504 from their real conditions, spreads requests over healthy upstreams, and
 * rewrites upstream replies outside the contract into it.
 */
export { createGateway } from './app.js';
export { type Failure, failureOf, idempotentMethods, mayRetry } from './failures.js';
export { clientReplyHeaders, connectionOptions, endToEnd, upstreamRequestHeaders } from './headers.js';
export {
  checkOptions,
  configFrom,
  type GatewayConfig,
  type GatewayOptions,
  gatewayDefaults,
} from './options.js';
export { type Credentials, ProxyAuth, parseCredentials, proxyChallenge } from './proxy-auth.js';
export { type BodyVerdict, judgeBody, judgeStatus, mediaType, type StatusVerdict } from './rewrite.js';
export { downTime, type Health, nextUpstream, retryAfterSeconds } from './upstreams.js';
