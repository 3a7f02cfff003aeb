/**
 * Whether an `Accept` header allows one of the media types a route produces (RFC 9110 §12.5.1):
 * for each type, the most specific matching range decides, and `q=0` rules it out. A missing or
 * empty header accepts anything. A produced type is matched by its media type, without its parameters.
 * @example acceptable('application/xml', ['application/json']) // false
 */
export function acceptable(accept: string | undefined, produces: readonly string[]): boolean {
  if (!accept || accept === '*/*' || accept === produces[0]) return true;
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return true;
  return produces.some((type) => {
    // A produced type's parameters (`charset=utf-8`) say nothing of whether the client takes it.
    const [major = '', minor = ''] = (type.split(';', 1)[0] as string).trim().toLowerCase().split('/');
    // A route that produces anything (a proxy) suits any range the client has not ruled out.
    if (major === '*') return ranges.some((range) => range.q > 0);
    let best: { specificity: number; q: number } | undefined;
    for (const range of ranges) {
      const specificity =
        range.type === major && range.subtype === minor
          ? 2
          : range.type === major && range.subtype === '*'
            ? 1
            : range.type === '*'
              ? 0
              : -1;
      if (specificity >= 0 && (!best || specificity > best.specificity)) best = { specificity, q: range.q };
    }
    return best !== undefined && best.q > 0;
  });
}

function parseAccept(accept: string) {
  return accept.split(',').flatMap((part) => {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const [type, subtype] = range.trim().split('/');
    if (!type || !subtype) return [];
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    return [{ type, subtype, q: Number.isNaN(weight) ? 1 : weight }];
  });
}
