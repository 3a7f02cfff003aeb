import type { NatCode } from './errors.js';
import { natError } from './errors.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A UUID as the pages compare them (lower case), or the page's error for that field: a
 * malformed value (`{value}` in its text) or, for a resource's own id, no such resource (`{id}`).
 */
export function uuid(value: string, code: NatCode): string {
  if (!uuidPattern.test(value)) throw natError(code, { value, id: value });
  return value.toLowerCase();
}

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/** JSON-schema pieces shared by the routes. */
export const schemas = {
  name: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
  description: { type: 'string', maxLength: 255 },
  id: { type: 'string', maxLength: 64 },
  limit: { type: 'integer', minimum: 1, maximum: 2000 },
  marker: { type: 'string', maxLength: 64 },
} as const;

/**
 * The query string of a list operation: paging, the project, the filters every resource has
 * (id, description, status, admin_state_up, created_at) and the resource's own.
 */
export function listQuery<Own extends Record<string, object>>(own: Own) {
  return {
    type: 'object',
    properties: {
      limit: schemas.limit,
      marker: schemas.marker,
      id: schemas.id,
      tenant_id: schemas.id,
      description: schemas.description,
      status: { type: 'string', maxLength: 32 },
      admin_state_up: { type: 'boolean' },
      created_at: { type: 'string', maxLength: 32 },
      ...own,
    },
  } as const;
}

/**
 * The schema of a body the API sends: an object whose properties are all always there. As a
 * response schema it is also what Fastify serializes with, so it must name every field sent.
 */
export function sent<Properties extends Record<string, object>>(
  properties: Properties,
  description?: string,
) {
  return {
    type: 'object',
    ...(description === undefined ? {} : { description }),
    required: Object.keys(properties),
    properties,
  } as const;
}

/** A list of `item`. */
export function listOf<Item extends object>(item: Item) {
  return { type: 'array', items: item } as const;
}

/** Response schemas of the usual successes: 201 with `Location`, 204 without a body. */
export const success = {
  created: <Body extends object>(body: Body) => ({
    201: {
      ...body,
      headers: { Location: { type: 'string', format: 'uri', description: 'The URL of the new resource.' } },
    },
  }),
  noContent: { 204: { type: 'null' } },
} as const;

export const text = { type: 'string' } as const;
export const integer = { type: 'integer' } as const;
export const boolean = { type: 'boolean' } as const;
