import FindMyWay from 'find-my-way';

type Options = { ignoreTrailingSlash?: boolean; ignoreDuplicateSlashes?: boolean; caseSensitive?: boolean };

/**
 * Which methods each path of the app serves, for the answers the router alone cannot give:
 * 405 with `Allow` for a known path, 501 for a method served nowhere. It mirrors the app's
 * routes in a second router (the one Fastify itself uses), consulted only on a miss: one entry
 * per path shape (parameter names made alike), holding the methods of every route of that shape.
 */
export class MethodTable {
  readonly #router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
  readonly #methods = new Set<string>();

  constructor(options: Options = {}) {
    this.#router = FindMyWay(options);
  }

  add(methods: string | readonly string[], url: string): void {
    // `/items/:id` and `/items/:itemId` are one path: name the parameters by position.
    let position = 0;
    const shape = url.replace(/:\w+/g, () => `:p${position++}`);
    let served: Set<string>;
    if (this.#router.hasRoute('GET', shape)) {
      served = this.#router.find('GET', shape)?.store as Set<string>;
    } else {
      served = new Set();
      this.#router.on('GET', shape, noop, served);
    }
    for (const method of typeof methods === 'string' ? [methods] : methods) {
      this.#methods.add(method);
      served.add(method);
      if (method === 'GET') served.add('HEAD');
    }
  }

  /** Whether some route of the app serves this method (OPTIONS is answered by the plugin). */
  serves(method: string): boolean {
    return (
      this.#methods.has(method) || method === 'OPTIONS' || (method === 'HEAD' && this.#methods.has('GET'))
    );
  }

  /** The methods served at `path`, HEAD wherever GET is and OPTIONS; empty when none. */
  allowed(path: string): string[] {
    const served = this.#router.find('GET', path)?.store as Set<string> | undefined;
    if (!served) return [];
    const allowed = [...served].filter((method) => method !== 'HEAD');
    if (served.has('HEAD')) allowed.push('HEAD');
    if (!allowed.includes('OPTIONS')) allowed.push('OPTIONS');
    return allowed;
  }
}

function noop() {}
