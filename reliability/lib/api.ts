/**
 * A small client for the NAT Gateway API as the scenarios use it: tokens of the development
 * users, and requests that never throw (a network failure is an answer with status 0 and the
 * error's code), each with a timeout.
 */
import { randomBytes } from 'node:crypto';
import { passwordAuthBody } from 'statuskit/client';
import { Pool } from 'undici';

export const projects = {
  demo: '9ad601814ac94c80bf7bb9073ded66fc',
  alt: '27e25061336f4af590faeabeb7fcd9a3',
} as const;

export type User = 'demo' | 'viewer' | 'alt' | 'admin';

/** The demo project's default network (the pages' example ids) and its numbered extras. */
export const demoNet = {
  router: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
  internalNetwork: '89d66639-aacb-4929-969d-07080b0f9fd9',
  /** Numbered subnets 1-64 of the demo project's VPC. */
  subnet: (n: number) => `b0000100-0000-4000-8000-${String(n).padStart(12, '0')}`,
  /** Numbered ports 1-64 (port n is on subnet n, IP 10.0.n.10). */
  port: (n: number) => `c0000100-0000-4000-8000-${String(n).padStart(12, '0')}`,
  /** Numbered EIPs 1-256. */
  eip: (n: number) => `e0000100-0000-4000-8000-${String(n).padStart(12, '0')}`,
};

/** The alt project's default network: numbered ids only. */
export const altNet = {
  router: 'a0000200-0000-4000-8000-000000000000',
  subnet: (n: number) => `b0000200-0000-4000-8000-${String(n).padStart(12, '0')}`,
  port: (n: number) => `c0000200-0000-4000-8000-${String(n).padStart(12, '0')}`,
  eip: (n: number) => `e0000200-0000-4000-8000-${String(n).padStart(12, '0')}`,
};

/**
 * A project's networks for private NAT (project 0 is demo, 1 is alt): numbered subnets 1-16 of
 * the VPC its private gateways serve (subnet n is 10.(100+p).n.0/24, its port on .10), and of
 * its transit VPC, which transit IP addresses are assigned from (subnet n is 172.(16+n%16).p.0/24).
 */
export function privateNet(project: 'demo' | 'alt') {
  const p = project === 'demo' ? 0 : 1;
  const id = (prefix: string, n: number) =>
    `${prefix}${String(p + 1).padStart(4, '0')}00-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    servedSubnet: (n: number) => id('b1', n),
    /** Address `host` of served subnet n. */
    servedAddress: (n: number, host: number) => `10.${100 + p}.${n}.${host}`,
    transitSubnet: (n: number) => id('b2', n),
    /** Address `host` of transit subnet n. */
    transitAddress: (n: number, host: number) => `172.${16 + (n % 16)}.${p}.${host}`,
  };
}

export function tokenBody(user: User, project: string = user === 'alt' ? 'alt' : 'demo') {
  return passwordAuthBody({ username: user, password: `${user}-password`, project });
}

export interface Answer {
  /** 0 when no answer came (the error says why). */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** A network error's code (ECONNRESET, UND_ERR_SOCKET, …) or `timeout`. */
  error?: string;
  /** Milliseconds from sending to the whole answer. */
  ms: number;
}

export function json<T = Record<string, unknown>>(answer: Answer): T {
  return JSON.parse(answer.body) as T;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Milliseconds for the whole exchange (default 20 000). */
  timeout?: number;
}

export interface Api {
  readonly base: string;
  request(method: string, path: string, options?: RequestOptions): Promise<Answer>;
  token(user?: User): Promise<string>;
  close(): Promise<void>;
}

/** A keep-alive pool of `connections` to `base`, from `localAddress` if given; nothing is retried. */
export function api(base: string, connections = 16, localAddress?: string): Api {
  const pool = new Pool(base, { connections, pipelining: 1, ...(localAddress ? { localAddress } : {}) });
  const tokens = new Map<string, string>();
  const self: Api = {
    base,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token !== undefined) headers['x-auth-token'] = options.token;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const started = performance.now();
      const signal = AbortSignal.timeout(options.timeout ?? 20_000);
      try {
        const response = await pool.request({
          method: method as 'GET',
          path,
          headers,
          body: body ?? null,
          signal,
        });
        const text = await response.body.text();
        return {
          status: response.statusCode,
          headers: response.headers,
          body: text,
          ms: performance.now() - started,
        };
      } catch (error) {
        const e = error as { code?: string; name?: string; cause?: { code?: string } };
        const code =
          e.name === 'TimeoutError' || e.name === 'AbortError'
            ? 'timeout'
            : (e.code ?? e.cause?.code ?? 'error');
        // A failure can come at once (a closed pool): let the event loop turn, so that a loop of
        // failing requests cannot starve timers.
        await new Promise((resolve) => setImmediate(resolve));
        return { status: 0, headers: {}, body: '', error: code, ms: performance.now() - started };
      }
    },
    async token(user = 'demo') {
      const cached = tokens.get(user);
      if (cached) return cached;
      // A fresh system under a loaded machine may shed the first login (503 with Retry-After):
      // retried as a client would, a few times, before the scenario gives up.
      let answer = await self.request('POST', '/v3/auth/tokens', { body: tokenBody(user) });
      for (let tries = 1; tries < 5 && (answer.status === 503 || answer.status === 0); tries++) {
        const after = Number(answer.headers['retry-after'] ?? 1);
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(Number.isFinite(after) ? after : 1, 2) * 1000),
        );
        answer = await self.request('POST', '/v3/auth/tokens', { body: tokenBody(user) });
      }
      const token = answer.headers['x-subject-token'];
      if (answer.status !== 201 || typeof token !== 'string')
        throw new Error(`no token for ${user}: ${answer.status} ${answer.error ?? answer.body}`);
      tokens.set(user, token);
      return token;
    },
    close: () => pool.close(),
  };
  return self;
}

/** A name no other request of this run uses. */
export function uniqueName(prefix = 'r'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** The body of a NAT gateway create in the demo project (or alt, with its own network). */
export function gatewayBody(name: string, project: 'demo' | 'alt' = 'demo') {
  return {
    nat_gateway: {
      name,
      spec: '1',
      router_id: project === 'demo' ? demoNet.router : altNet.router,
      internal_network_id: project === 'demo' ? demoNet.internalNetwork : altNet.subnet(1),
    },
  };
}

/** Quantile `q` (0-1) of `values`, NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? Number.NaN;
}

/** Counts of `keys`, as `200:5 503:7`. */
export function tally(counts: ReadonlyMap<string | number, number>): string {
  return [...counts.entries()]
    .sort(([a], [b]) => String(a).localeCompare(String(b)))
    .map(([key, count]) => `${key}:${count}`)
    .join(' ');
}

export function bump<K>(counts: Map<K, number>, key: K, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}
