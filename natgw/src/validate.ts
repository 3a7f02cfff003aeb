import type { NatCode } from './errors.js';
import { natError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The page's code for text no database stores (a NUL, a lone surrogate); NAT.0002 if unset. */
    illegalText?: NatCode;
  }
}

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
 * A NUL (PostgreSQL's text cannot hold it, and SQLite would store a different string) or a lone
 * UTF-16 surrogate (no Unicode character: each engine would store a replacement character in its
 * place, so the length the service checked is not what is kept).
 */
const unstorable = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses text no database stores as given, anywhere in a request's parsed path parameters,
 * query or body, with 400 naming the field as schema errors do: `nat_gateway.description`,
 * `query.marker`, `params.key`.
 */
export function storableText(
  request: { params: unknown; query: unknown; body: unknown },
  code: NatCode = 'NAT.0002',
): void {
  const pending: [string, unknown][] = [
    ['params', request.params],
    ['query', request.query],
    ['', request.body],
  ];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [field, value] = next;
    if (typeof value === 'string') {
      if (unstorable.test(value)) {
        const message = 'must not contain a NUL character or a lone UTF-16 surrogate';
        throw natError(code, {}, [{ field, rule: 'text', message }]);
      }
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value))
        pending.push([field ? `${field}.${key}` : key, inner]);
    }
  }
}
