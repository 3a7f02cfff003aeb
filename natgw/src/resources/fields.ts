import { boolean, text } from '../validate.js';

/** A stored time as the v3 pages show it: `2019-04-29T02:16:09`, seconds, no zone. */
const v3Time = (stored: string) => stored.slice(0, 19).replace(' ', 'T');

/**
 * What every v3 resource shows beside its own columns: its project as `project_id`, and its times
 * in the v3 form (`updated_at` is `created_at` for a kind that is never changed).
 */
export function v3Fields(row: Record<string, unknown>) {
  const created = v3Time(String(row.created_at));
  return {
    project_id: row.tenant_id,
    created_at: created,
    updated_at: typeof row.updated_at === 'string' ? v3Time(row.updated_at) : created,
  };
}

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
