import { natError } from '../errors.js';

/** A tag as the v3 pages give it. */
export interface Tag {
  key: string;
  value: string;
}

/** At most this many tags on a private NAT gateway (the tag pages: 20). */
export const privateTagLimit = 20;

/** Tags in a body: the pages' fields (their lengths are checked with the page's own code). */
export const tagSchema = {
  type: 'array',
  maxItems: 1000,
  items: {
    type: 'object',
    required: ['key', 'value'],
    properties: { key: { type: 'string', maxLength: 1024 }, value: { type: 'string', maxLength: 1024 } },
  },
} as const;

/**
 * The tags as given, or the page's error: more than 20 (NAT.1016), a blank key, a key over 128
 * or a value over 255 characters, or a key twice (NAT.1015).
 */
export function checkTags(tags: Tag[]): Tag[] {
  if (tags.length > privateTagLimit) throw natError('NAT.1016', { 0: privateTagLimit });
  const keys = new Set<string>();
  for (const { key, value } of tags) {
    if (key.trim() === '' || [...key].length > 128 || [...value].length > 255 || keys.has(key))
      throw natError('NAT.1015');
    keys.add(key);
  }
  return tags.map(({ key, value }) => ({ key, value }));
}
