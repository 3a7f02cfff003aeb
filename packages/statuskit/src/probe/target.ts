import { readFile } from 'node:fs/promises';

/** What the probe needs to know of an API beyond its URL: a resource to create, change and delete. */
export interface Target {
  /** The collection path, e.g. `/v2.0/nat_gateways`. */
  resource?: string;
  createBody?: unknown;
  updateBody?: unknown;
  source: 'flags' | 'openapi' | 'none';
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first example a media type or schema gives: `example`, `examples` as a list or as a map of `{ value }`. */
function exampleOf(media: unknown): unknown {
  if (!isObject(media)) return undefined;
  if (media.example !== undefined) return media.example;
  const { examples } = media;
  if (Array.isArray(examples)) return examples[0];
  if (isObject(examples)) {
    const first = Object.values(examples)[0];
    return isObject(first) ? first.value : undefined;
  }
  return exampleOf(media.schema);
}

function jsonBody(operation: unknown): unknown {
  if (!isObject(operation) || !isObject(operation.requestBody) || !isObject(operation.requestBody.content))
    return undefined;
  const content = operation.requestBody.content;
  return exampleOf(content['application/json'] ?? Object.values(content)[0]);
}

/**
 * Finds a resource in an OpenAPI 3 document: a path with POST whose body has an example, beside
 * an item path `<path>/{id}` with GET. The update body is the item's PUT example, if any.
 */
export function targetFromOpenApi(document: unknown): Target {
  const paths = isObject(document) && isObject(document.paths) ? document.paths : {};
  for (const [path, operations] of Object.entries(paths)) {
    if (!isObject(operations) || path.includes('{')) continue;
    const createBody = jsonBody(operations.post);
    if (createBody === undefined) continue;
    const item = Object.entries(paths).find(([candidate]) =>
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\{[^/]+\\}$`).test(candidate),
    );
    if (!item) continue;
    const updateBody = jsonBody(isObject(item[1]) ? item[1].put : undefined);
    return {
      resource: path,
      createBody,
      ...(updateBody === undefined ? {} : { updateBody }),
      source: 'openapi',
    };
  }
  return { source: 'none' };
}

/** Reads an OpenAPI document from a file or a URL. */
export async function loadOpenApi(location: string, timeoutMs: number): Promise<unknown> {
  if (/^https?:\/\//.test(location)) {
    const response = await fetch(location, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`the OpenAPI document at ${location} answered ${response.status}`);
    return response.json();
  }
  return JSON.parse(await readFile(location, 'utf8'));
}

/** The body with every `name` made unique for this run, so that creates do not collide with earlier runs. */
export function withUniqueNames(body: unknown, suffix: string): unknown {
  if (Array.isArray(body)) return body.map((item) => withUniqueNames(item, suffix));
  if (!isObject(body)) return body;
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [
      key,
      key === 'name' && typeof value === 'string' ? `probe_${suffix}` : withUniqueNames(value, suffix),
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
