import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { send } from './exchange.js';

/**
 * Reading an OpenAPI document (3.x, or Swagger 2 for paths and responses): where it is, the
 * operations it describes, the statuses each documents and the schemas of their bodies. Only
 * local `$ref`s (`#/…`) are followed: a document served by an API describes itself.
 */
export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where services usually serve their document: Fastify, NestJS and most OpenAPI tooling; `@fastify/swagger-ui`; Swagger 2; springdoc. */
export const usualLocations = [
  '/openapi.json',
  '/openapi.yaml',
  '/documentation/json',
  '/swagger.json',
  '/v3/api-docs',
];

/** The text as JSON, or else as YAML (a superset of JSON); undefined when it is neither. */
function parseDocument(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    try {
      return parseYaml(text);
    } catch {
      return undefined;
    }
  }
}

/** An OpenAPI 3 or Swagger 2 document: says which, and has paths. */
export function isOpenApi(document: unknown): document is Json {
  return (
    isObject(document) &&
    (typeof document.openapi === 'string' || typeof document.swagger === 'string') &&
    isObject(document.paths)
  );
}

/** The document could not be read: a missing file, a URL that does not answer 200, not OpenAPI. */
export class OpenApiError extends Error {
  override readonly name = 'OpenApiError';
}

/** Reads an OpenAPI document (JSON or YAML) from a file or a URL. */
export async function loadOpenApi(
  location: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<Json> {
  let text: string;
  if (/^https?:\/\//.test(location)) {
    const response = await send({ method: 'GET', url: location, headers, timeoutMs });
    if (response.status !== 200)
      throw new OpenApiError(
        `the OpenAPI document at ${location} answered ${response.status || `nothing (${response.body})`}`,
      );
    text = response.body;
  } else {
    try {
      text = await readFile(location, 'utf8');
    } catch (error) {
      throw new OpenApiError(
        `cannot read the OpenAPI document ${location}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  const document = parseDocument(text);
  if (!isOpenApi(document))
    throw new OpenApiError(
      `${location} is not an OpenAPI document (no "openapi" or "swagger", or no "paths")`,
    );
  return document;
}

/** Looks for the document at the usual places under `baseUrl`; the first OpenAPI document found wins. */
export async function discoverOpenApi(
  baseUrl: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<{ location: string; document: Json } | undefined> {
  for (const path of usualLocations) {
    const location = `${baseUrl}${path}`;
    try {
      return { location, document: await loadOpenApi(location, timeoutMs, headers) };
    } catch {
      // Not there: try the next place.
    }
  }
  return undefined;
}

/** Follows a local `$ref` (RFC 6901 pointer), a few levels deep, so that cycles end. */
export function resolve(document: Json, node: unknown, depth = 0): unknown {
  if (!isObject(node) || typeof node.$ref !== 'string' || depth > 8) return node;
  const ref = node.$ref;
  if (!ref.startsWith('#/')) return node;
  let target: unknown = document;
  for (const token of ref.slice(2).split('/')) {
    const key = decodeURIComponent(token).replaceAll('~1', '/').replaceAll('~0', '~');
    target = isObject(target) ? target[key] : undefined;
  }
  return resolve(document, target, depth + 1);
}

/** The operation for a method on a path template, `$ref`s resolved. */
export function operationOf(document: Json, path: string, method: string): Json | undefined {
  const paths = isObject(document.paths) ? document.paths : {};
  const item = resolve(document, paths[path]);
  const operation = isObject(item) ? resolve(document, item[method.toLowerCase()]) : undefined;
  return isObject(operation) ? operation : undefined;
}

/**
 * The statuses an operation documents, as numbers; a class key (`4XX`) stands for every status
 * of its class. Undefined when the operation documents no error status: nothing to go by.
 */
export function documentedStatuses(operation: Json | undefined): number[] | undefined {
  if (!operation || !isObject(operation.responses)) return undefined;
  const statuses: number[] = [];
  for (const key of Object.keys(operation.responses)) {
    if (/^\d{3}$/.test(key)) statuses.push(Number(key));
    const range = /^([1-5])XX$/i.exec(key);
    if (range) for (let code = 0; code < 100; code++) statuses.push(Number(range[1]) * 100 + code);
  }
  return statuses.some((status) => status >= 400) ? statuses : undefined;
}

/** The JSON request body's media type object of an operation (OpenAPI 3), or Swagger 2's body parameter. */
export function requestMedia(document: Json, operation: Json | undefined): Json | undefined {
  if (!operation) return undefined;
  const body = resolve(document, operation.requestBody);
  if (isObject(body) && isObject(body.content)) {
    const media = body.content['application/json'] ?? Object.values(body.content)[0];
    return isObject(media) ? media : undefined;
  }
  if (Array.isArray(operation.parameters)) {
    const parameter = operation.parameters
      .map((candidate) => resolve(document, candidate))
      .find((candidate) => isObject(candidate) && candidate.in === 'body');
    if (isObject(parameter)) return { schema: parameter.schema };
  }
  return undefined;
}
