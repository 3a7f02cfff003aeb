import type { NatCode } from './errors.js';
import { natError } from './errors.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID as the pages compare them (lower case), or the page's error for that field. */
export function uuid(value: string, code: NatCode): string {
  if (!uuidPattern.test(value)) throw natError(code, { value });
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
