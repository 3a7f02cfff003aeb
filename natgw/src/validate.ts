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
