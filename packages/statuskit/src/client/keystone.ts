import { type ClientOptions, createClient } from './client.js';

export interface KeystoneOptions {
  /** The identity API, as keystoneauth's `auth_url`: `http://host:5000/v3` (`/v3` is added when missing). */
  authUrl: string | URL;
  username: string;
  password: string;
  /** The project (by name) the token is scoped to. */
  project: string;
  /** The domain of the user and of the project (default `Default`). */
  domain?: string;
  /** Milliseconds before its `expires_at` that a token is replaced (default 60 000). */
  renewBefore?: number;
  /** How to reach the identity API: proxy, timeout, retry, headers… */
  client?: Omit<ClientOptions, 'baseUrl' | 'token' | 'getToken'>;
}

/** One entry of the token's service catalog. */
export interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
}

export interface KeystoneToken {
  /** The `X-Subject-Token`. */
  token: string;
  /** Epoch milliseconds, from `expires_at`; `undefined` when the body gives none. */
  expiresAt: number | undefined;
  catalog: CatalogEntry[];
  /** The token body as it came. */
  body: unknown;
}

export interface Keystone {
  /** For `createClient({ getToken })`: the cached token, a new one when it is near its end or on `renew`. */
  getToken: (context: { renew: boolean }) => Promise<string>;
  /** The current token with its catalog, issued if need be. */
  token(): Promise<KeystoneToken>;
  /**
   * The URL of a service from the token's catalog.
   * @example await auth.endpoint('nat') // 'http://127.0.0.1:8080'
   */
  endpoint(type: string, options?: { interface?: string; region?: string }): Promise<string>;
  /** Closes the connections to the identity API. */
  close(): Promise<void>;
}

function identityRoot(authUrl: string | URL): string {
  const url = new URL(String(authUrl));
  if (!/\/v3\/?$/.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/+$/, '')}/v3`;
  return url.href;
}

/**
 * The body of a Keystone v3 password authentication scoped to a project, for `POST /v3/auth/tokens`.
 * @example passwordAuthBody({ username: 'demo', password: 'demo-password', project: 'demo' }).auth.scope.project.name // 'demo'
 */
export function passwordAuthBody(credentials: {
  username: string;
  password: string;
  project: string;
  /** The domain of the user and the project (default `Default`). */
  domain?: string;
}) {
  const domain = { name: credentials.domain ?? 'Default' };
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: credentials.username, password: credentials.password, domain } },
      },
      scope: { project: { name: credentials.project, domain } },
    },
  };
}

/**
 * A Keystone v3 password login, scoped to a project: `POST /v3/auth/tokens` gives the token in
 * `X-Subject-Token`. The token is kept until shortly before it expires; `getToken({ renew: true })`,
 * which the client calls once after a 401, replaces it. Requests for a token are retried like
 * idempotent ones (a second token does no harm), and fail with the catalog's error classes.
 * @example
 * const auth = keystone({ authUrl: 'http://127.0.0.1:8080/v3', username: 'demo', password: 'demo-password', project: 'demo' });
 * const nat = createClient({ baseUrl: await auth.endpoint('nat'), getToken: auth.getToken });
 */
export function keystone(options: KeystoneOptions): Keystone {
  const identity = createClient({ ...options.client, baseUrl: identityRoot(options.authUrl) });
  const renewBefore = options.renewBefore ?? 60_000;
  let current: KeystoneToken | undefined;
  let pending: Promise<KeystoneToken> | undefined;

  async function issue(): Promise<KeystoneToken> {
    const reply = await identity.post<{
      token?: { expires_at?: string; catalog?: CatalogEntry[] };
    }>('/auth/tokens', passwordAuthBody(options), { idempotent: true });
    const token = reply.headers['x-subject-token'];
    if (!token) throw new TypeError(`${reply.url} answered ${reply.status} without X-Subject-Token`);
    const expires = Date.parse(reply.body?.token?.expires_at ?? '');
    return {
      token,
      expiresAt: Number.isFinite(expires) ? expires : undefined,
      catalog: reply.body?.token?.catalog ?? [],
      body: reply.body,
    };
  }

  function fresh(renew: boolean): Promise<KeystoneToken> {
    const usable =
      current !== undefined &&
      !renew &&
      (current.expiresAt === undefined || current.expiresAt - Date.now() > renewBefore);
    if (usable && current) return Promise.resolve(current);
    // Requests that find the token stale at the same time share one login.
    pending ??= issue()
      .then((issued) => {
        current = issued;
        return issued;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  return {
    getToken: async ({ renew }) => (await fresh(renew)).token,
    token: () => fresh(false),
    async endpoint(type, { interface: kind = 'public', region } = {}) {
      const { catalog } = await fresh(false);
      const service = catalog.find((entry) => entry.type === type);
      const endpoint = service?.endpoints.find(
        (one) =>
          one.interface === kind &&
          (region === undefined || one.region === region || one.region_id === region),
      );
      if (!endpoint) throw new RangeError(`the token's catalog has no ${kind} endpoint of type "${type}"`);
      return endpoint.url;
    },
    close: () => identity.close(),
  };
}
