/** A percent-encoded `/` or `\`: decoded upstream, a separator the gateway never saw. */
const encodedSeparator = /%2f|%5c/i;

/**
 * The path and query to send upstream, from the request target, normalised before the
 * upstream's prefix is put in front of it: an absolute-form target (`GET http://h/p`) loses its
 * origin; a percent-encoded dot is decoded (it is unreserved, RFC 3986 §6.2.2.2) and dot-segments
 * are removed (§5.2.4, as nginx and Envoy's `normalize_path` do), so that no path climbs out of
 * the prefix. `undefined` for a path with a percent-encoded slash or backslash: refused (400).
 * @example upstreamPath('/a/../%2e%2e/admin?x=1') // '/admin?x=1'
 */
export function upstreamPath(target: string): string | undefined {
  const query = target.indexOf('?');
  let path = query < 0 ? target : target.slice(0, query);
  const search = query < 0 ? '' : target.slice(query);
  if (!path.startsWith('/')) {
    const origin = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/.exec(path);
    path = origin ? path.slice(origin[0].length) || '/' : `/${path}`;
  }
  if (!path.includes('%') && !path.includes('/.')) return path + search;
  if (encodedSeparator.test(path)) return undefined;
  return removeDotSegments(path.replace(/%2e/gi, '.')) + search;
}

/**
 * RFC 3986 §5.2.4 for an absolute path: `.` segments go, `..` takes the segment before it
 * away (none above the root), and a path ending in either keeps its final slash.
 * @example removeDotSegments('/a/b/../c/./d/..') // '/a/c/'
 */
export function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  const last = segments.length - 1;
  for (let index = 1; index <= last; index++) {
    const segment = segments[index] as string;
    if (segment === '.' || segment === '..') {
      if (segment === '..') out.pop();
      if (index === last) out.push('');
      continue;
    }
    out.push(segment);
  }
  return `/${out.join('/')}`;
}
