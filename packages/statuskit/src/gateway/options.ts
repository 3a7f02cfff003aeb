import type { FastifyServerOptions } from 'fastify';
import { connectionCap, descriptorLimit } from '../fastify/connections.js';
import type { StatuskitOptions } from '../fastify/index.js';
import type { DialectName, Profile, ProfileName } from '../index.js';

export interface GatewayOptions {
  /** The services behind the gateway: `http(s)://host:port`, optionally with a path prefix. At least one. */
  upstreams: readonly string[];
  /** The page whose codes the gateway and its upstreams may send (default `nat`). */
  profile?: ProfileName | (string & {}) | Profile;
  /** The error-body dialect of the gateway's own answers and of rewritten replies (default `error`). */
  dialect?: DialectName;
  /** Milliseconds an upstream has to answer (status line and headers) before the client gets 504; also the longest silence inside a streamed body. Default 30 000. */
  timeout?: number;
  /** `user:password`: clients must send them as `Proxy-Authorization: Basic …` or get 407. */
  proxyAuth?: string;
  /** The realm named in `Proxy-Authenticate` (default `statuskit`). */
  realm?: string;
  /** Requests proxied at once before the next gets 503 with `Retry-After` (0: no limit). Default 1024. */
  maxInFlight?: number;
  /** Largest request body, in bytes, the gateway takes (bodies are held so that a request can be retried on another upstream). Default 1 MiB. */
  bodyLimit?: number;
  /** Bytes of request bodies held at once, all requests together; a request whose body does not fit gets 503 with `Retry-After` before it is read. Default 64 MiB (at least `bodyLimit`). */
  bodyBudget?: number;
  /**
   * Client connections held open at once; one past it is closed as soon as it is accepted (0: no
   * cap). The upstream connections are capped at the same number. Default: from the descriptor
   * limit (RLIMIT_NOFILE, Linux): half of it less an eighth kept for everything else, the other
   * half for the upstream connections.
   */
  maxConnections?: number;
  /** Passive health: how long an upstream that refused, reset or spoke garbage stays out before it is tried again. */
  health?: { downFor?: number; maxDownFor?: number };
  /** When a slow client gets 408, how long a closing gateway leaves keep-alive connections open, and how long a connection it has ended waits for its client, in milliseconds, as in the `statuskit` plugin. */
  clientTimeouts?: StatuskitOptions['timeouts'];
  /** Largest upstream error body, in bytes, read to check it is a contract body; a larger one is rewritten. Default 64 KiB. */
  maxErrorBody?: number;
  /**
   * Headers set on every request sent upstream, replacing any a client sent under the same names:
   * e.g. a secret by which an upstream tells the gateway's requests (and its `X-Forwarded-For`)
   * from those of anyone else who can reach it.
   */
  upstreamHeaders?: Record<string, string>;
  /** Fastify's `logger` option (pino); every line of a request carries its id as `reqId`. */
  logger?: FastifyServerOptions['logger'];
}

export const gatewayDefaults = {
  timeout: 30_000,
  realm: 'statuskit',
  maxInFlight: 1024,
  bodyLimit: 1024 * 1024,
  bodyBudget: 64 * 1024 * 1024,
  health: { downFor: 1_000, maxDownFor: 30_000 },
  maxErrorBody: 64 * 1024,
} as const;

/** The keys a config file may hold: the options, plus where the CLI listens. */
export interface GatewayConfig extends Partial<Omit<GatewayOptions, 'logger'>> {
  port?: number;
  host?: string;
  /** pino level of the CLI's log on standard error (`silent` for none). */
  logLevel?: string;
}

const configKeys: Record<keyof GatewayConfig | 'upstream', 'string' | 'strings' | 'number' | 'object'> = {
  upstream: 'strings',
  upstreams: 'strings',
  profile: 'string',
  dialect: 'string',
  timeout: 'number',
  proxyAuth: 'string',
  realm: 'string',
  maxInFlight: 'number',
  bodyLimit: 'number',
  bodyBudget: 'number',
  maxConnections: 'number',
  health: 'object',
  clientTimeouts: 'object',
  maxErrorBody: 'number',
  upstreamHeaders: 'object',
  port: 'number',
  host: 'string',
  logLevel: 'string',
};

/**
 * Reads a config file's JSON: the CLI's options under their camelCase names (`upstream` or
 * `upstreams`, a string or a list), plus `port`, `host` and `logLevel`. Unknown keys and wrong types throw.
 * @example configFrom({ upstreams: ['http://127.0.0.1:3000'], timeout: 5000 })
 */
export function configFrom(json: unknown): GatewayConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TypeError('the config must be a JSON object');
  }
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const type = configKeys[key as keyof typeof configKeys];
    if (type === undefined) throw new TypeError(`unknown config key "${key}"`);
    const ok =
      type === 'strings'
        ? typeof value === 'string' ||
          (Array.isArray(value) && value.every((item) => typeof item === 'string'))
        : type === 'object'
          ? typeof value === 'object' && value !== null && !Array.isArray(value)
          : typeof value === type;
    if (!ok) throw new TypeError(`config key "${key}" must be ${describe(type)}`);
    if (type === 'strings') {
      config.upstreams = [...((config.upstreams as string[]) ?? []), ...[value as string | string[]].flat()];
    } else {
      config[key] = value;
    }
  }
  return config as GatewayConfig;
}

function describe(type: string): string {
  return type === 'strings' ? 'a string or a list of strings' : type === 'object' ? 'an object' : `a ${type}`;
}

/**
 * Checks the options and fills in the defaults; throws a `RangeError` naming the first bad one.
 * @example checkOptions({ upstreams: ['http://127.0.0.1:3000'] }).timeout // 30000
 */
export function checkOptions(options: GatewayOptions) {
  if (options.upstreams.length === 0) throw new RangeError('at least one upstream is needed');
  const upstreams = options.upstreams.map(upstreamUrl);
  const positive = (name: string, value: number | undefined, fallback: number, zero = false): number => {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value < (zero ? 0 : 1) || !Number.isInteger(value)) {
      throw new RangeError(`${name} must be a ${zero ? 'non-negative' : 'positive'} integer, not ${value}`);
    }
    return value;
  };
  const bodyLimit = positive('bodyLimit', options.bodyLimit, gatewayDefaults.bodyLimit);
  const bodyBudget = positive(
    'bodyBudget',
    options.bodyBudget,
    Math.max(gatewayDefaults.bodyBudget, bodyLimit),
  );
  if (bodyBudget < bodyLimit) {
    throw new RangeError(`bodyBudget (${bodyBudget}) must be at least bodyLimit (${bodyLimit})`);
  }
  return {
    upstreams,
    timeout: positive('timeout', options.timeout, gatewayDefaults.timeout),
    realm: options.realm ?? gatewayDefaults.realm,
    maxInFlight: positive('maxInFlight', options.maxInFlight, gatewayDefaults.maxInFlight, true),
    bodyLimit,
    bodyBudget,
    maxConnections: positive(
      'maxConnections',
      options.maxConnections,
      connectionCap(descriptorLimit(), 0.5),
      true,
    ),
    health: {
      downFor: positive('health.downFor', options.health?.downFor, gatewayDefaults.health.downFor),
      maxDownFor: positive(
        'health.maxDownFor',
        options.health?.maxDownFor,
        gatewayDefaults.health.maxDownFor,
      ),
    },
    maxErrorBody: positive('maxErrorBody', options.maxErrorBody, gatewayDefaults.maxErrorBody, true),
    upstreamHeaders: upstreamHeaders(options.upstreamHeaders),
  };
}

/** The headers set on upstream requests, names lower-cased as the client's are; one HTTP cannot carry throws. */
function upstreamHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new RangeError(`upstreamHeaders: "${name}" is not a header name`);
    }
    if (typeof value !== 'string' || /[\0\r\n]/.test(value)) {
      throw new RangeError(`upstreamHeaders: ${name} must be a string of one line`);
    }
    out[name.toLowerCase()] = value;
  }
  return out;
}

/** An upstream's URL, checked: http or https, no query, no credentials. */
export function upstreamUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(`upstream "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`upstream "${text}" must be http: or https:`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new RangeError(`upstream "${text}" must have no query, fragment or credentials`);
  }
  return url;
}
