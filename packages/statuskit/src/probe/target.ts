import { randomBytes } from 'node:crypto';
import { documentedStatuses, isObject, type Json, operationOf, requestMedia, resolve } from './openapi.js';

/** What a name field of the API accepts, from its schema. */
export interface NameRule {
  minLength?: number;
  maxLength?: number;
  patterns?: string[];
}

/** What the probe needs to know of an API beyond its URL: a resource to create, change and delete. */
export interface Target {
  /** The collection path, e.g. `/v2.0/nat_gateways`. */
  resource?: string;
  /** The item path template the document gives, e.g. `/v2.0/nat_gateways/{nat_gateway_id}`. */
  item?: string;
  createBody?: unknown;
  updateBody?: unknown;
  /** PATCH where the document updates the item with PATCH and not PUT; PUT otherwise. */
  updateMethod?: 'PUT' | 'PATCH';
  /** What the schemas allow for the bodies' `name` fields. */
  names?: NameRule;
  /** The statuses the document gives per operation, where it gives error statuses. */
  statuses?: Partial<Record<'create' | 'read' | 'update' | 'delete', number[]>>;
  source: 'flags' | 'openapi' | 'none';
  /** Where the OpenAPI document came from, and whether it was found by looking at the usual places. */
  openapi?: { location: string; discovered: boolean };
}

/** The first example a media type or schema gives: `example`, `examples` as a list or as a map of `{ value }`. */
function exampleOf(document: Json, media: unknown): unknown {
  const node = resolve(document, media);
  if (!isObject(node)) return undefined;
  if (node.example !== undefined) return node.example;
  const { examples } = node;
  if (Array.isArray(examples)) return examples[0];
  if (isObject(examples)) {
    const first = resolve(document, Object.values(examples)[0]);
    return isObject(first) ? first.value : undefined;
  }
  return exampleOf(document, node.schema);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The item path `<collection>/{id}` of a collection, if the document has one. */
function itemPath(paths: Json, collection: string): string | undefined {
  const item = new RegExp(`^${escapeRegExp(collection)}/\\{[^/]+\\}$`);
  return Object.keys(paths).find((candidate) => item.test(candidate));
}

/** Merges the constraints of every `name` property the schema gives along the body's own fields. */
function nameRule(document: Json, schema: unknown, body: unknown, rule: NameRule = {}): NameRule {
  const node = resolve(document, schema);
  if (!isObject(node)) return rule;
  for (const part of Array.isArray(node.allOf) ? node.allOf : []) nameRule(document, part, body, rule);
  if (Array.isArray(body)) return nameRule(document, node.items, body[0], rule);
  if (!isObject(body) || !isObject(node.properties)) return rule;
  for (const [key, value] of Object.entries(body)) {
    const property = resolve(document, node.properties[key]);
    if (key === 'name' && typeof value === 'string' && isObject(property)) {
      if (typeof property.maxLength === 'number')
        rule.maxLength = Math.min(rule.maxLength ?? Number.POSITIVE_INFINITY, property.maxLength);
      if (typeof property.minLength === 'number')
        rule.minLength = Math.max(rule.minLength ?? 0, property.minLength);
      if (typeof property.pattern === 'string' && !rule.patterns?.includes(property.pattern))
        rule.patterns = [...(rule.patterns ?? []), property.pattern];
    } else nameRule(document, property, value, rule);
  }
  return rule;
}

/**
 * Finds a resource in an OpenAPI document: `resource` when given, else the first path with POST
 * whose body has an example, beside an item path `<path>/{id}` with GET. The update body is the
 * item's PUT example (or PATCH, where it has no PUT), if any. With them come the statuses each operation documents and what the
 * schemas allow for names.
 */
export function targetFromOpenApi(document: Json, resource?: string): Target {
  const paths = isObject(document.paths) ? document.paths : {};
  const candidates = resource === undefined ? Object.keys(paths) : [resource];
  for (const path of candidates) {
    if (path.includes('{')) continue;
    const create = operationOf(document, path, 'post');
    const createBody = exampleOf(document, requestMedia(document, create));
    const item = itemPath(paths, path);
    if (resource === undefined && (createBody === undefined || !item)) continue;
    const put = item ? operationOf(document, item, 'put') : undefined;
    const patch = item && !put ? operationOf(document, item, 'patch') : undefined;
    const update = put ?? patch;
    const updateBody = exampleOf(document, requestMedia(document, update));
    const names = nameRule(document, requestMedia(document, create)?.schema, createBody);
    nameRule(document, requestMedia(document, update)?.schema, updateBody, names);
    const statuses = Object.fromEntries(
      (
        [
          ['create', create],
          ['read', item ? operationOf(document, item, 'get') : undefined],
          ['update', update],
          ['delete', item ? operationOf(document, item, 'delete') : undefined],
        ] as const
      ).flatMap(([name, operation]) => {
        const documented = documentedStatuses(operation);
        return documented ? [[name, documented]] : [];
      }),
    );
    return {
      resource: path,
      ...(item === undefined ? {} : { item }),
      ...(createBody === undefined ? {} : { createBody }),
      ...(updateBody === undefined ? {} : { updateBody }),
      ...(patch ? { updateMethod: 'PATCH' as const } : {}),
      ...(Object.keys(names).length > 0 ? { names } : {}),
      ...(Object.keys(statuses).length > 0 ? { statuses } : {}),
      source: 'openapi',
    };
  }
  return { source: 'none' };
}

/**
 * The statuses that stand for a usual one on an operation. A service may document its conflicts
 * as 400 (the NAT error-code page does: `400 NAT.0103` "not ACTIVE", `400 NAT.0012` a second
 * gateway on a network), and its clients are written against that. So: the usual status when the
 * document gives no error status, or gives it and not 400; 400 when it gives 400 in its place;
 * both when it gives both, as a document listing a whole profile's statuses on every operation does.
 */
export function expectedStatuses(usual: number, documented: number[] | undefined): number[] {
  if (!documented?.includes(400) || usual === 400) return [usual];
  return documented.includes(usual) ? [usual, 400] : [400];
}

/**
 * A name no earlier run used that the rule allows: `probe_<8 hex>` where it fits, else shorter
 * forms down to the allowed length, in hex or in letters where a pattern wants letters. Without a
 * rule the name has at most 8 characters, or the length of the example's own name if that is
 * longer: the example fits whatever limit the schema sets, and few name limits are under 8.
 */
export function uniqueName(rule: NameRule | undefined, example = ''): string {
  const bytes = randomBytes(16);
  const hex = bytes.toString('hex');
  const letters = [...hex].map((digit) => String.fromCharCode(97 + Number.parseInt(digit, 16))).join('');
  const min = rule?.minLength ?? 0;
  const max = rule ? (rule.maxLength ?? 64) : Math.max(8, example.length);
  const patterns = (rule?.patterns ?? []).map((pattern) => new RegExp(pattern, 'u'));
  for (const alphabet of [hex, letters, hex.toUpperCase(), letters.toUpperCase()]) {
    for (const prefix of ['probe_', 'probe-', 'probe', 'p', '']) {
      const length = Math.min(8, max - prefix.length);
      if (length < Math.min(4, max)) continue;
      const name = `${prefix}${alphabet.slice(0, Math.max(length, min - prefix.length))}`;
      if (name.length <= max && patterns.every((pattern) => pattern.test(name))) return name;
    }
  }
  return `probe_${hex.slice(0, 8)}`;
}

/** The body with every `name` made unique for this run, so that creates do not collide with earlier runs. */
export function withUniqueNames(body: unknown, rule: NameRule | undefined): unknown {
  if (Array.isArray(body)) return body.map((item) => withUniqueNames(item, rule));
  if (!isObject(body)) return body;
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [
      key,
      key === 'name' && typeof value === 'string' ? uniqueName(rule, value) : withUniqueNames(value, rule),
    ]),
  );
}

/** The path to the body's first leaf field and a value of the wrong type for it. */
export function schemaViolation(body: unknown): { body: unknown; field: string } | undefined {
  if (!isObject(body)) return undefined;
  for (const [key, value] of Object.entries(body)) {
    if (isObject(value)) {
      const inner = schemaViolation(value);
      if (inner) return { body: { ...body, [key]: inner.body }, field: inner.field };
      continue;
    }
    // An object where a scalar belongs: no validator coerces that into the right type.
    return { body: { ...body, [key]: { statuskit: 'probe' } }, field: key };
  }
  return undefined;
}

/**
 * Where a created resource lives when the answer has no `Location`: the link to itself the body
 * gives (`links.self`, `self`, `href`), else the collection path and its `id`. The body is the
 * resource or wraps it in one member (`{"project": {…}}`).
 */
export function itemFromBody(text: string, collectionUrl: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const members = isObject(body) ? Object.values(body) : [];
  const resource = isObject(body) && members.length === 1 && isObject(members[0]) ? members[0] : body;
  if (!isObject(resource)) return undefined;
  const links = isObject(resource.links) ? resource.links : {};
  const self = [links.self, resource.self, resource.href].find((link) => typeof link === 'string');
  if (typeof self === 'string') return new URL(self, collectionUrl).toString();
  if (typeof resource.id === 'string' || typeof resource.id === 'number')
    return `${collectionUrl.replace(/\/$/, '')}/${encodeURIComponent(String(resource.id))}`;
  return undefined;
}
