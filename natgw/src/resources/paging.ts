import { natError } from '../errors.js';
import { integer, text } from '../validate.js';

/**
 * The v3 pages' `page_info`: the page's first and last ids (`previous_marker` and `next_marker`,
 * to page back with `page_reverse` or on) and how many it holds; an empty page has only the count.
 */
export const pageInfo = {
  type: 'object',
  required: ['current_count'],
  properties: { previous_marker: text, next_marker: text, current_count: integer },
} as const;

export function pageInfoOf(found: { id: string }[]) {
  const first = found[0];
  const last = found.at(-1);
  return first && last
    ? { previous_marker: first.id, next_marker: last.id, current_count: found.length }
    : { current_count: 0 };
}

/** `page_reverse` as the SDKs send it (`true`, Python's `True`); anything but a boolean is NAT.0002. */
export function reversed(value: string | undefined): boolean {
  if (value === undefined) return false;
  const lower = value.toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw natError('NAT.0002');
  return lower === 'true';
}
