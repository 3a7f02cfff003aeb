import type { Expression, ExpressionBuilder, Kysely, SqlBool, Transaction } from 'kysely';
import { sql } from 'kysely';
import { alive } from '../db/lifecycle.js';
import type { Schema } from '../db/schema.js';
import { natError } from '../errors.js';
import type { ResourceStore } from '../resources/store.js';

/** At most this many tags on one resource (the tag pages: "a maximum of 20 tags"). */
export const tagLimit = 20;

export interface Tag {
  key: string;
  value: string;
}

/** One entry of `tags`, `tags_any`, `not_tags` or `not_tags_any`: no values means any value. */
export interface TagFilter {
  key: string;
  /** Exact values, or `*text` for the values containing `text`. */
  values: string[];
}

export interface ResourceQuery {
  tags: TagFilter[];
  tags_any: TagFilter[];
  not_tags: TagFilter[];
  not_tags_any: TagFilter[];
  matches: { key: 'resource_name' | 'resource_id'; value: string }[];
}

export interface TaggedResource {
  resource_id: string;
  resource_detail: Record<string, never>;
  tags: Tag[];
  resource_name: string;
}

/**
 * The tables as these queries see them: the tagged kind's (`resources`) and its tags'
 * (`tags`), whose column naming the resource is `resource` here. The kind's declaration gives
 * their real names, which the queries use.
 */
interface Tables {
  resources: { id: string; tenant_id: string; name: string; created_at: string };
  tags: { resource: string; tenant_id: string; key: string; value: string; position: number };
}

type Resources = ExpressionBuilder<Tables & { g: Tables['resources'] }, 'g'>;

/**
 * The tags of one project's resources of a tagged kind. Every query is scoped by tenant and sees
 * only living resources; every write runs in a transaction that holds the resource's row (its
 * store's `find` with `lock`), so that concurrent writers cannot take a resource past `tagLimit`.
 */
export class TagStore {
  readonly #db: Kysely<Tables>;
  readonly #store: ResourceStore;
  /** The real names, typed as `Tables` names them. */
  readonly #resources: 'resources';
  readonly #tags: 'tags';
  readonly #resource: 'resource';
  /** Whether the kind's resources have names (`resource_name`; '' for a kind without). */
  readonly #named: boolean;

  constructor(store: ResourceStore) {
    const { kind, services } = store;
    if (!kind.tags) throw new Error(`${kind.one} has no tags`);
    this.#store = store;
    this.#db = services.database.db as unknown as Kysely<Tables>;
    this.#resources = kind.table as 'resources';
    this.#tags = kind.tags.table as 'tags';
    this.#resource = kind.tags.column as 'resource';
    this.#named = 'name' in kind.schema.properties;
  }

  #now() {
    return this.#store.services.clock.now();
  }

  /** A resource's tags, oldest first. */
  async list(tenant: string, id: string): Promise<Tag[]> {
    await this.#store.find(this.#store.services.database.db, tenant, id, this.#now());
    return this.#db
      .selectFrom(this.#tags)
      .select(['key', 'value'])
      .where('tenant_id', '=', tenant)
      .where(this.#resource, '=', id)
      .orderBy('position')
      .orderBy('key')
      .execute();
  }

  /**
   * Adds tags, all or none; a tag whose key the resource has replaces that tag (and counts as
   * created now). More than `tagLimit` keys on the resource afterwards is NAT.1016.
   */
  async add(tenant: string, id: string, tags: Tag[]): Promise<void> {
    await this.#write(tenant, id, (trx) => this.addIn(trx, tenant, id, tags));
  }

  /** `add`, in a transaction that holds the resource's row (its creation's, for the tags it is created with). */
  async addIn(
    transaction: Transaction<Tables> | Transaction<Schema>,
    tenant: string,
    id: string,
    tags: Tag[],
  ): Promise<void> {
    const trx = transaction as unknown as Transaction<Tables>;
    const existing = await trx
      .selectFrom(this.#tags)
      .select(['key', 'position'])
      .where(this.#resource, '=', id)
      .execute();
    const keys = new Set(existing.map((row) => row.key));
    const added = new Set(tags.map((tag) => tag.key).filter((key) => !keys.has(key)));
    if (keys.size + added.size > tagLimit) throw natError('NAT.1016', String(tagLimit));
    let position = existing.reduce((max, row) => Math.max(max, Number(row.position)), 0);
    for (const tag of tags) {
      position += 1;
      await trx
        .insertInto(this.#tags)
        .values({
          [this.#resource]: id,
          tenant_id: tenant,
          key: tag.key,
          value: tag.value,
          position,
        } as never)
        .onConflict((conflict) =>
          conflict.columns([this.#resource, 'key']).doUpdateSet({ value: tag.value, position }),
        )
        .execute();
    }
  }

  /** Deletes the tag with `key`; NAT.1002 (404) when the resource has none. */
  async remove(tenant: string, id: string, key: string): Promise<void> {
    await this.#write(tenant, id, async (trx) => {
      const result = await trx
        .deleteFrom(this.#tags)
        .where(this.#resource, '=', id)
        .where('key', '=', key)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw natError('NAT.1002', { 0: 'Tag', 1: key });
    });
  }

  /** Deletes tags by key, or by key and value where a value is given; missing tags are no error. */
  async removeMany(tenant: string, id: string, tags: { key: string; value?: string }[]) {
    await this.#write(tenant, id, async (trx) => {
      for (const tag of tags) {
        let query = trx.deleteFrom(this.#tags).where(this.#resource, '=', id).where('key', '=', tag.key);
        if (tag.value !== undefined) query = query.where('value', '=', tag.value);
        await query.execute();
      }
    });
  }

  /** Every key used on the project's resources, with the values it has. */
  async projectTags(tenant: string): Promise<{ key: string; values: string[] }[]> {
    const now = this.#now();
    const rows = await this.#db
      .selectFrom(`${this.#tags} as t` as 'tags as t')
      .innerJoin(`${this.#resources} as g` as 'resources as g', 'g.id', `t.${this.#resource}` as 't.resource')
      .select(['t.key', 't.value'])
      .distinct()
      .where('t.tenant_id', '=', tenant)
      .where('g.tenant_id', '=', tenant)
      .where(alive(now))
      .orderBy('t.key')
      .orderBy('t.value')
      .execute();
    const byKey = new Map<string, string[]>();
    for (const row of rows) {
      const values = byKey.get(row.key) ?? [];
      values.push(row.value);
      byKey.set(row.key, values);
    }
    return [...byKey].map(([key, values]) => ({ key, values }));
  }

  /** The project's resources that the query selects, newest first, with their tags (newest first). */
  async find(
    tenant: string,
    query: ResourceQuery,
    page: { limit: number; offset: number },
  ): Promise<{ resources: TaggedResource[]; total_count: number }> {
    const now = this.#now();
    const total_count = await this.count(tenant, query, now);
    const resources = await this.#selected(tenant, query, now)
      .select(['g.id', this.#named ? 'g.name' : sql<string>`''`.as('name')])
      .orderBy('g.created_at', 'desc')
      .orderBy('g.id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    const tags = new Map<string, Tag[]>(resources.map((resource) => [resource.id, []]));
    if (resources.length > 0) {
      const rows = await this.#db
        .selectFrom(this.#tags)
        .select([`${this.#resource} as resource` as 'resource', 'key', 'value'])
        .where('tenant_id', '=', tenant)
        .where(
          this.#resource,
          'in',
          resources.map((resource) => resource.id),
        )
        .orderBy('position', 'desc')
        .orderBy('key')
        .execute();
      for (const row of rows) tags.get(row.resource)?.push({ key: row.key, value: row.value });
    }
    return {
      resources: resources.map((resource) => ({
        resource_id: resource.id,
        resource_detail: {},
        tags: tags.get(resource.id) ?? [],
        resource_name: resource.name,
      })),
      total_count,
    };
  }

  /** How many of the project's resources the query selects. */
  async count(tenant: string, query: ResourceQuery, now = this.#now()): Promise<number> {
    const row = await this.#selected(tenant, query, now)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  #selected(tenant: string, query: ResourceQuery, now: number) {
    const contains = (haystack: Expression<string>, needle: string) =>
      this.#store.services.database.engine === 'postgres'
        ? sql<SqlBool>`strpos(${haystack}, ${needle}) > 0`
        : sql<SqlBool>`instr(${haystack}, ${needle}) > 0`;
    // Whether resource g has a tag with the filter's key and one of its values (any, when none).
    const has = (eb: Resources, filter: TagFilter) =>
      eb.exists(
        eb
          .selectFrom(`${this.#tags} as t` as 'tags as t')
          .select(sql`1`.as('one'))
          .whereRef(`t.${this.#resource}` as 't.resource', '=', 'g.id')
          .where('t.key', '=', filter.key)
          .$if(filter.values.length > 0, (sub) =>
            sub.where((tb) =>
              tb.or(
                filter.values.map((value) =>
                  value.startsWith('*')
                    ? contains(tb.ref('t.value'), value.slice(1))
                    : tb('t.value', '=', value),
                ),
              ),
            ),
          ),
      );
    let selection = this.#db
      .selectFrom(`${this.#resources} as g` as 'resources as g')
      .where('g.tenant_id', '=', tenant)
      .where(alive(now));
    for (const filter of query.tags) selection = selection.where((eb) => has(eb, filter));
    if (query.tags_any.length > 0)
      selection = selection.where((eb) => eb.or(query.tags_any.map((filter) => has(eb, filter))));
    if (query.not_tags.length > 0)
      selection = selection.where((eb) => eb.not(eb.and(query.not_tags.map((filter) => has(eb, filter)))));
    if (query.not_tags_any.length > 0)
      selection = selection.where((eb) => eb.not(eb.or(query.not_tags_any.map((filter) => has(eb, filter)))));
    for (const match of query.matches) {
      if (match.key === 'resource_id') selection = selection.where('g.id', '=', match.value);
      // A kind without names: every resource's is empty.
      else if (!this.#named)
        selection = selection.where(match.value === '' ? sql<SqlBool>`1 = 1` : sql<SqlBool>`1 = 0`);
      else if (match.value === '') selection = selection.where('g.name', '=', '');
      else
        selection = selection.where((eb) =>
          contains(sql<string>`lower(${eb.ref('g.name')})`, match.value.toLowerCase()),
        );
    }
    return selection;
  }

  /** Runs `work` holding the resource's row; one being deleted takes no tag changes (its `notActive`). */
  async #write(tenant: string, id: string, work: (trx: Transaction<Tables>) => Promise<void>) {
    await this.#store.services.database.db.transaction().execute(async (trx) => {
      const resource = await this.#store.find(trx, tenant, id, this.#now(), { lock: true });
      if (resource.status === 'PENDING_DELETE') throw this.#store.kind.notActive(resource);
      await work(trx as unknown as Transaction<Tables>);
    });
  }
}
