import FindMyWay from 'find-my-way';

type Options = { ignoreTrailingSlash?: boolean; ignoreDuplicateSlashes?: boolean; caseSensitive?: boolean };

/**
 * Which methods each path of the app serves, for the answers the router alone cannot give:
 * 405 with `Allow` for a known path, 501 for a method the server does not recognise. It
 * mirrors the app's routes in a second router (the one Fastify itself uses), consulted only on
 * a miss: one entry per path shape (parameter names made alike), holding the methods of every
 * route of that shape.
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

  /**
   * Whether the server recognises this method: one of HTTP's own (RFC 9110 §9, and PATCH, RFC
   * 5789), or one some route of the app serves. A path that exists but does not serve a method
   * the server knows gets 405; a method it does not know gets 501 everywhere.
   */
  knows(method: string): boolean {
    return standardMethods.has(method) || this.#methods.has(method);
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

/** The methods of HTTP itself: RFC 9110 §9 and PATCH (RFC 5789). */
const standardMethods = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

function noop() {}
