import type { FastifyInstance, FastifyRequest } from 'fastify';
import { documented, natError } from '../errors.js';
import type { ResourceKind } from '../resources/kind.js';
import { tenantOf } from '../resources/routes.js';
import type { ResourceStore } from '../resources/store.js';
import { integer, isUuid, listOf, schemas, sent, success, text, uuid } from '../validate.js';
import { type ResourceQuery, type Tag, type TagFilter, TagStore, tagLimit } from './store.js';

/** Whether text holds a character a tag may not (the pages: ASCII 0-31 and `=*<>\,|/`). */
const forbidden = (text: string) =>
  [...text].some((character) => character < ' ' || '=*<>\\,|/'.includes(character));

/** Length in Unicode characters (code points), as the pages count them. */
const length = (text: string) => [...text].length;

/**
 * The page's NAT.1015 ("Tags parameter is illegal."), whose template names nothing: the field
 * and what is wrong with it go in the details, as a schema violation's do.
 */
function illegal(field: string, message: string) {
  return natError('NAT.1015', {}, { details: [{ field, rule: 'tag', message }] });
}

/** What a tag may be: v2.0's pages bound its key and value and forbid characters; v3's allow longer ones, any character. */
interface TagRules {
  key: number;
  value: number;
  forbidden: boolean;
}

const v2Rules: TagRules = { key: 36, value: 43, forbidden: true };
const v3Rules: TagRules = { key: 128, value: 255, forbidden: false };
const rulesOf = (kind: ResourceKind): TagRules => (kind.v3 ? v3Rules : v2Rules);

/** A tag as the add pages allow it: by v2.0's rules a key of 1-36 characters, a value of 0-43, no forbidden character. */
function legalTag(
  tag: { key?: string | undefined; value?: string | undefined },
  field = 'tag',
  rules: TagRules = v2Rules,
): Tag {
  const { key, value } = tag;
  if (key === undefined) throw illegal(`${field}.key`, 'is required');
  if (value === undefined) throw illegal(`${field}.value`, 'is required');
  if (key.trim() === '') throw illegal(`${field}.key`, 'must not be empty');
  if (length(key) > rules.key)
    throw illegal(`${field}.key`, `must NOT have more than ${rules.key} characters`);
  if (rules.forbidden && forbidden(key))
    throw illegal(`${field}.key`, 'must not contain ASCII 0-31 or =*<>\\,|/');
  if (length(value) > rules.value)
    throw illegal(`${field}.value`, `must NOT have more than ${rules.value} characters`);
  if (rules.forbidden && forbidden(value))
    throw illegal(`${field}.value`, 'must not contain ASCII 0-31 or =*<>\\,|/');
  return { key, value };
}

/**
 * Tags given to a resource of `kind` as it is created (`field` names them): each legal, no key
 * twice (NAT.1015), at most `tagLimit` (NAT.1016).
 */
export function legalTags(
  kind: ResourceKind,
  tags: { key?: string; value?: string }[],
  field: string,
): Tag[] {
  const legal = tags.map((tag, index) => legalTag(tag, `${field}[${index}]`, rulesOf(kind)));
  if (new Set(legal.map((tag) => tag.key)).size !== legal.length)
    throw illegal(field, 'must not repeat a key');
  if (legal.length > tagLimit) throw natError('NAT.1016', String(tagLimit));
  return legal;
}

/** A tag to delete in a batch: not checked for characters; a key of 1-127, a value of at most 255. */
function deletableTag(tag: { key?: string | undefined; value?: string | undefined }, index: number) {
  const { key, value } = tag;
  const field = `tags[${index}]`;
  if (key === undefined || key.trim() === '') throw illegal(`${field}.key`, 'must not be empty');
  if (length(key) > 127) throw illegal(`${field}.key`, 'must NOT have more than 127 characters');
  if (value !== undefined && length(value) > 255)
    throw illegal(`${field}.value`, 'must NOT have more than 255 characters');
  return value === undefined ? { key } : { key, value };
}

/**
 * A filter list of resource_instances/action: at most 20 keys, each unique and 1-127 characters,
 * with at most 10 unique values of at most 255 characters; spaces around keys and values are dropped.
 */
function filters(name: string, list: { key: string; values?: string[] | null }[] | undefined): TagFilter[] {
  if (list === undefined) return [];
  if (list.length > 20) throw illegal(name, 'must NOT have more than 20 items');
  const keys = new Set<string>();
  return list.map((entry, index) => {
    const field = `${name}[${index}]`;
    const key = entry.key.trim();
    if (key === '') throw illegal(`${field}.key`, 'must not be empty');
    if (length(key) > 127) throw illegal(`${field}.key`, 'must NOT have more than 127 characters');
    if (keys.has(key)) throw illegal(`${field}.key`, 'must not repeat a key');
    keys.add(key);
    const values = (entry.values ?? []).map((value) => value.trim());
    if (values.length > 10) throw illegal(`${field}.values`, 'must NOT have more than 10 items');
    if (new Set(values).size !== values.length) throw illegal(`${field}.values`, 'must not repeat a value');
    if (values.some((value) => length(value) > 255))
      throw illegal(`${field}.values`, 'must NOT have values of more than 255 characters');
    return { key, values };
  });
}

/** The most `matches` a resource query takes (documented in the README). */
export const maxMatches = 20;

const tagFields = { key: { type: 'string' }, value: { type: 'string' } } as const;
const tagList = sent({ tags: listOf(sent(tagFields)) });
const tags = ['Tags'];

const filterList = {
  type: 'array',
  items: {
    type: 'object',
    required: ['key', 'values'],
    properties: {
      key: { type: 'string' },
      values: { type: 'array', nullable: true, items: { type: 'string' } },
    },
  },
} as const;

const inProject = {
  type: 'object',
  properties: { project_id: schemas.id },
} as const;

/**
 * The six tag operations of the tag pages (apis_for_public_nat_gateways_v2.0/tags/) for a tagged
 * kind, under a project's prefix (the caller's project, checked for the scope: `projectScoped`).
 */
export function tagRoutes(app: FastifyInstance, resources: ResourceStore) {
  const { kind } = resources;
  const store = new TagStore(resources);
  const path = kind.tags?.path ?? kind.path;
  const param = kind.tags?.param ?? kind.idParam;
  const { one, many } = kind.names;
  const rules = rulesOf(kind);
  /** A body with what the kind's API adds to every one (v3: the request's id). */
  const v3 = kind.v3;
  const answer = <Body extends object>(request: FastifyRequest, body: Body) =>
    v3 ? { ...body, request_id: request.id } : body;
  const withId = <Schema extends { properties: object; required: readonly string[] }>(schema: Schema) =>
    v3
      ? {
          ...schema,
          required: [...schema.required, 'request_id'],
          properties: { ...schema.properties, request_id: text },
        }
      : schema;
  /** Errors every operation on one resource's tags can give. */
  const onOneResource = resources.documentedMissing();
  const onResource = {
    type: 'object',
    properties: { project_id: schemas.id, [param]: schemas.id },
  } as const;
  const idOf = (request: FastifyRequest) => {
    const value = (request.params as Record<string, string>)[param] ?? '';
    // The v3 pages' not-found names the resource: a malformed id is one more id not found.
    if (kind.v3 && !isUuid(value)) throw resources.missing(value);
    return uuid(value, kind.badId);
  };

  app.post<{ Params: Record<string, string>; Body: { tag: Partial<Tag> } }>(
    `${path}/:${param}/tags`,
    {
      config: { illegalText: 'NAT.1015' },
      schema: {
        summary: `Add a tag to ${one}`,
        tags,
        errors: documented(...onOneResource, 'NAT.1015', 'NAT.1016', 'NAT.0103'),
        response: success.noContent,
        params: onResource,
        body: {
          type: 'object',
          required: ['tag'],
          examples: [{ tag: { key: 'key1', value: 'value1' } }],
          properties: { tag: { type: 'object', properties: tagFields } },
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const id = idOf(request);
      await store.add(tenant, id, [legalTag(request.body.tag, 'tag', rules)]);
      return reply.noContent();
    },
  );

  app.delete<{ Params: Record<string, string> }>(
    `${path}/:${param}/tags/:key`,
    {
      config: { illegalText: 'NAT.1015' },
      schema: {
        summary: `Delete a tag of ${one}`,
        tags,
        errors: documented(...onOneResource, 'NAT.1015', 'NAT.1002', 'NAT.0103'),
        response: success.noContent,
        params: { ...onResource, properties: { ...onResource.properties, key: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const id = idOf(request);
      const key = request.params.key ?? '';
      if (key.trim() === '') throw illegal('key', 'must not be empty');
      await store.remove(tenant, id, key);
      return reply.noContent();
    },
  );

  app.get<{ Params: Record<string, string> }>(
    `${path}/:${param}/tags`,
    {
      schema: {
        summary: `List the tags of ${one}`,
        tags,
        errors: documented(...onOneResource),
        response: { 200: withId(tagList) },
        params: onResource,
      },
    },
    async (request) => answer(request, { tags: await store.list(tenantOf(request), idOf(request)) }),
  );

  app.post<{
    Params: Record<string, string>;
    Body: { action: 'create' | 'delete'; tags: Partial<Tag>[] };
  }>(
    `${path}/:${param}/tags/action`,
    {
      config: { illegalText: 'NAT.1015' },
      schema: {
        summary: `Add or delete tags of ${one} in a batch`,
        tags,
        errors: documented(...onOneResource, 'NAT.1015', 'NAT.1016', 'NAT.0103'),
        response: success.noContent,
        params: onResource,
        body: {
          type: 'object',
          required: ['action', 'tags'],
          examples: [
            {
              action: 'create',
              tags: [
                { key: 'key1', value: 'value1' },
                { key: 'key2', value: 'value2' },
              ],
            },
          ],
          properties: {
            action: { type: 'string', enum: ['create', 'delete'] },
            tags: { type: 'array', items: { type: 'object', properties: tagFields } },
          },
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const id = idOf(request);
      const { action, tags } = request.body;
      if (tags.length === 0) throw illegal('tags', 'must NOT have fewer than 1 items');
      if (action === 'create') {
        const legal = tags.map((tag, index) => legalTag(tag, `tags[${index}]`, rules));
        // Duplicate keys in one request are an error (the batch page).
        if (new Set(legal.map((tag) => tag.key)).size !== legal.length)
          throw illegal('tags', 'must not repeat a key');
        await store.add(tenant, id, legal);
      } else {
        await store.removeMany(tenant, id, tags.map(deletableTag));
      }
      return reply.noContent();
    },
  );

  app.get<{ Params: { project_id: string } }>(
    `${path}/tags`,
    {
      schema: {
        summary: `List the tags of the project's ${many}`,
        tags,
        response: { 200: withId(sent({ tags: listOf(sent({ key: text, values: listOf(text) })) })) },
        params: inProject,
      },
    },
    async (request) => answer(request, { tags: await store.projectTags(tenantOf(request)) }),
  );

  app.post<{
    Params: { project_id: string };
    Body: {
      action: 'filter' | 'count';
      limit?: string;
      offset?: string;
      matches?: ResourceQuery['matches'];
    } & Partial<Record<'tags' | 'tags_any' | 'not_tags' | 'not_tags_any', Parameters<typeof filters>[1]>>;
  }>(
    `${path}/resource_instances/action`,
    {
      // A query sent as POST: read-only users may run it.
      config: { readOnly: true, illegalText: 'NAT.1015' },
      schema: {
        summary: `Find or count ${many} by tag`,
        tags,
        errors: documented('NAT.1015'),
        response: {
          200: withId({
            type: 'object',
            description: '`resources` and `total_count` for filter, `total_count` alone for count.',
            required: ['total_count'],
            properties: {
              resources: listOf(
                sent({
                  resource_id: text,
                  resource_detail: { type: 'object', description: 'Empty: the page sends nothing here.' },
                  tags: listOf(sent(tagFields)),
                  resource_name: text,
                }),
              ),
              total_count: integer,
            },
          }),
        },
        params: inProject,
        body: {
          type: 'object',
          required: ['action'],
          examples: [
            {
              offset: '0',
              limit: '100',
              action: 'filter',
              matches: [{ key: 'resource_name', value: 'nat_001' }],
              tags: [{ key: 'key1', values: ['*value1', 'value2'] }],
            },
          ],
          properties: {
            action: { type: 'string', enum: ['filter', 'count'] },
            // Strings on the page ("100"); numbers are taken too. limit 1-1000, offset 0 or more.
            limit: { type: 'string', pattern: '^\\s*(?:[1-9][0-9]{0,2}|1000)\\s*$' },
            offset: { type: 'string', pattern: '^\\s*[0-9]{1,9}\\s*$' },
            tags: filterList,
            tags_any: filterList,
            not_tags: filterList,
            not_tags_any: filterList,
            // The page sets no maximum; a fixed dictionary of two keys needs few. Unbounded, each
            // match is one more condition, and a thousand overflow the engines' expression trees.
            matches: {
              type: 'array',
              maxItems: maxMatches,
              items: {
                type: 'object',
                required: ['key', 'value'],
                properties: {
                  key: { type: 'string', enum: ['resource_name', 'resource_id'] },
                  value: { type: 'string', maxLength: 255 },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const body = request.body;
      const query: ResourceQuery = {
        tags: filters('tags', body.tags),
        tags_any: filters('tags_any', body.tags_any),
        not_tags: filters('not_tags', body.not_tags),
        not_tags_any: filters('not_tags_any', body.not_tags_any),
        matches: body.matches ?? [],
      };
      if (body.action === 'count') return answer(request, { total_count: await store.count(tenant, query) });
      const found = await store.find(tenant, query, {
        limit: body.limit === undefined ? 1000 : Number(body.limit),
        offset: body.offset === undefined ? 0 : Number(body.offset),
      });
      return answer(request, found);
    },
  );
}
