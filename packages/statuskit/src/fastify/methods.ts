import FindMyWay from 'find-my-way';

type Options = { ignoreTrailingSlash?: boolean; ignoreDuplicateSlashes?: boolean; caseSensitive?: boolean };

/** One path shape: the methods its routes serve, and its `Allow` value once asked for. */
interface Served {
  methods: Set<string>;
  allow?: string | undefined;
}

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
  #allowAll: string | undefined;
  #lastPath: string | undefined;
  #lastServed: Served | undefined;

  constructor(options: Options = {}) {
    this.#router = FindMyWay(options);
  }

  add(methods: string | readonly string[], url: string): void {
    // `/items/:id` and `/items/:itemId` are one path: the router finds a route by its shape,
    // whatever its parameters are named.
    let served: Served;
    if (this.#router.hasRoute('GET', url)) {
      served = this.#router.find('GET', url)?.store as Served;
    } else {
      served = { methods: new Set() };
      this.#router.on('GET', url, noop, served);
    }
    served.allow = undefined;
    this.#allowAll = undefined;
    this.#lastPath = undefined;
    for (const method of typeof methods === 'string' ? [methods] : methods) {
      this.#methods.add(method);
      served.methods.add(method);
      if (method === 'GET') served.methods.add('HEAD');
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
    const served = this.#router.find('GET', path)?.store as Served | undefined;
    return served ? allowedOf(served) : [];
  }

  /**
   * The `Allow` value for the server as a whole (`OPTIONS *`): every method some route serves,
   * HEAD if any serves GET, and OPTIONS.
   */
  allowAll(): string {
    if (this.#allowAll === undefined) {
      const methods = new Set(this.#methods);
      if (methods.has('GET')) methods.add('HEAD');
      this.#allowAll = allowedOf({ methods }).join(', ');
    }
    return this.#allowAll;
  }

  /** Whether a route serves `method` at `path` (HEAD wherever GET is). */
  serves(path: string, method: string): boolean {
    return this.#find(path)?.methods.has(method) ?? false;
  }

  /**
   * The `Allow` value for `path` (the methods of `allowed()`, comma-separated), or undefined when
   * no route has the path. Made once per path shape: a 405 sends it on every answer.
   */
  allow(path: string): string | undefined {
    const served = this.#find(path);
    if (!served) return undefined;
    served.allow ??= allowedOf(served).join(', ');
    return served.allow;
  }

  /** The path's entry; the last one found is kept, as a 405 asks allow() and then serves() of one path. */
  #find(path: string): Served | undefined {
    if (path !== this.#lastPath) {
      this.#lastServed = this.#router.find('GET', path)?.store as Served | undefined;
      this.#lastPath = path;
    }
    return this.#lastServed;
  }
}

function allowedOf({ methods }: Served): string[] {
  const allowed = [...methods].filter((method) => method !== 'HEAD');
  if (methods.has('HEAD')) allowed.push('HEAD');
  if (!allowed.includes('OPTIONS')) allowed.push('OPTIONS');
  return allowed;
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
