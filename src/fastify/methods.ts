import FindMyWay from 'find-my-way';

type HTTPMethod = FindMyWay.HTTPMethod;

/**
 * Which methods each path of the app serves, for the answers the router alone cannot give:
 * 405 with `Allow` for a known path, 501 for a method served nowhere. It mirrors the app's
 * routes in a second router (the one Fastify itself uses), consulted only on a miss.
 */
export class MethodTable {
  readonly #router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
  readonly #methods = new Set<string>();

  constructor(
    options: {
      ignoreTrailingSlash?: boolean;
      ignoreDuplicateSlashes?: boolean;
      caseSensitive?: boolean;
    } = {},
  ) {
    this.#router = FindMyWay(options);
  }

  add(methods: string | readonly string[], url: string): void {
    for (const method of typeof methods === 'string' ? [methods] : methods) {
      this.#methods.add(method);
      if (method === 'GET') this.#methods.add('HEAD');
      if (!this.#router.hasRoute(method as HTTPMethod, url)) this.#router.on(method as HTTPMethod, url, noop);
    }
  }

  /** Whether some route of the app serves this method. */
  serves(method: string): boolean {
    return this.#methods.has(method) || method === 'OPTIONS';
  }

  /** The methods served at `path`, HEAD wherever GET is and OPTIONS (answered by the plugin); empty when none. */
  allowed(path: string): string[] {
    const allowed: string[] = [];
    for (const method of this.#methods) {
      if (method !== 'HEAD' && this.#router.find(method as HTTPMethod, path)) allowed.push(method);
    }
    if (allowed.length === 0) return allowed;
    if (allowed.includes('GET')) allowed.push('HEAD');
    if (!allowed.includes('OPTIONS')) allowed.push('OPTIONS');
    return allowed;
  }
}

function noop() {}
