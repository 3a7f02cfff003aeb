import { boolean, text } from '../validate.js';

/** The fields every resource shows first: its id and its project. */
export const owned = { id: text, tenant_id: text } as const;

/**
 * The fields of a resource's lifecycle, in the pages' order: its status (PENDING_UPDATE only for
 * a kind that can be updated), admin_state_up, and created_at (`createdAt` its schema).
 */
export function lifecycle(updatable: boolean, createdAt: object = text) {
  const statuses = ['ACTIVE', 'PENDING_CREATE', ...(updatable ? ['PENDING_UPDATE'] : []), 'PENDING_DELETE'];
  return {
    status: { type: 'string', enum: statuses },
    admin_state_up: boolean,
    created_at: createdAt,
  } as const;
}
