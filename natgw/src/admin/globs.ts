/**
 * Path patterns of faults: a glob in which `*` stands for any run of characters, `/` included,
 * and every other character for itself; it matches a whole request path (without the query).
 * @example globMatcher('/v2.0/nat_gateways*')('/v2.0/nat_gateways/abc') // true
 */
export function globMatcher(glob: string): (path: string) => boolean {
  const source = glob
    .split('*')
    .map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, '\\$&'))
    .join('.*');
  const pattern = new RegExp(`^${source}$`, 's');
  return (path) => pattern.test(path);
}

/** A token of a pattern: a character, any run (the glob's `*`), or a route parameter (`:id`: one or more characters but `/`). */
const anyRun: unique symbol = Symbol('*');
const parameter: unique symbol = Symbol(':param');
type Token = string | typeof anyRun | typeof parameter;

const globTokens = (glob: string): Token[] => [...glob].map((char) => (char === '*' ? anyRun : char));
const routeTokens = (route: string): Token[] =>
  route.split(/:\w+/).flatMap((part, index): Token[] => (index === 0 ? [...part] : [parameter, ...part]));

/**
 * Whether some path matches both the glob and the route (Fastify's form, `/v2/:project_id/x`):
 * the two patterns, read as automata, walked side by side over the characters either names and
 * one that neither does.
 * @example globMeetsRoute('/v3/*', '/v3/:project_id/private-nat/transit-ips') // true
 * @example globMeetsRoute('/v2.0/snat_rules', '/v2.0/nat_gateways') // false
 */
export function globMeetsRoute(glob: string, route: string): boolean {
  const g = globTokens(glob);
  const r = routeTokens(route);
  const other = '\u0000';
  const alphabet = new Set<string>([other, '/']);
  for (const token of [...g, ...r]) if (typeof token === 'string') alphabet.add(token);
  // A state: the position in the glob, in the route, and whether inside a parameter that has a character.
  const key = (i: number, j: number, inside: boolean) => `${i},${j},${inside}`;
  const seen = new Set<string>();
  const queue: [number, number, boolean][] = [];
  const visit = (i: number, j: number, inside: boolean) => {
    const id = key(i, j, inside);
    if (seen.has(id)) return;
    seen.add(id);
    queue.push([i, j, inside]);
    // Moves that read nothing: past a `*`, out of a parameter.
    if (g[i] === anyRun) visit(i + 1, j, inside);
    if (inside) visit(i, j + 1, false);
  };
  visit(0, 0, false);
  while (queue.length > 0) {
    const [i, j, inside] = queue.shift() as [number, number, boolean];
    if (i === g.length && j === r.length && !inside) return true;
    for (const char of alphabet) {
      const globNext = g[i] === anyRun ? i : g[i] === char ? i + 1 : undefined;
      if (globNext === undefined) continue;
      if (inside || r[j] === parameter) {
        if (char !== '/') visit(globNext, j, true);
      } else if (r[j] === char) {
        visit(globNext, j + 1, false);
      }
    }
  }
  return false;
}
