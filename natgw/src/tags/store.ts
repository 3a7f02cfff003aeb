import type { Expression, ExpressionBuilder, Kysely, SqlBool, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { alive } from '../db/lifecycle.js';
import type { Schema } from '../db/schema.js';
import { natError } from '../errors.js';
import { lockGateway } from '../gateways/store.js';

/** At most this many tags on one NAT gateway (the tag pages: "a maximum of 20 tags"). */
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

type Gateways = ExpressionBuilder<Schema & { g: Schema['nat_gateways'] }, 'g'>;

/**
 * The tags of one project's NAT gateways. Every query is scoped by tenant and sees only living
 * gateways; every write runs in a transaction that holds the gateway's row (`lockGateway`), so
 * that concurrent writers cannot take a gateway past `tagLimit`.
 */
export class TagStore {
  readonly #db: Kysely<Schema>;

  constructor(
    readonly database: Database,
    readonly clock: { now(): number },
  ) {
    this.#db = database.db;
  }

  /** A gateway's tags, oldest first. */
  async list(tenant: string, gatewayId: string): Promise<Tag[]> {
    await this.#existing(tenant, gatewayId);
    return this.#db
      .selectFrom('tags')
      .select(['key', 'value'])
      .where('tenant_id', '=', tenant)
      .where('nat_gateway_id', '=', gatewayId)
      .orderBy('position')
      .orderBy('key')
      .execute();
  }

  /**
   * Adds tags, all or none; a tag whose key the gateway has replaces that tag (and counts as
   * created now). More than `tagLimit` keys on the gateway afterwards is NAT.1016.
   */
  async add(tenant: string, gatewayId: string, tags: Tag[]): Promise<void> {
    await this.#write(tenant, gatewayId, async (trx) => {
      const existing = await trx
        .selectFrom('tags')
        .select(['key', 'position'])
        .where('nat_gateway_id', '=', gatewayId)
        .execute();
      const keys = new Set(existing.map((row) => row.key));
      const added = new Set(tags.map((tag) => tag.key).filter((key) => !keys.has(key)));
      if (keys.size + added.size > tagLimit) throw natError('NAT.1016', String(tagLimit));
      let position = existing.reduce((max, row) => Math.max(max, Number(row.position)), 0);
      for (const tag of tags) {
        position += 1;
        await trx
          .insertInto('tags')
          .values({ nat_gateway_id: gatewayId, tenant_id: tenant, key: tag.key, value: tag.value, position })
          .onConflict((conflict) =>
            conflict.columns(['nat_gateway_id', 'key']).doUpdateSet({ value: tag.value, position }),
          )
          .execute();
      }
    });
  }

  /** Deletes the tag with `key`; NAT.1002 (404) when the gateway has none. */
  async remove(tenant: string, gatewayId: string, key: string): Promise<void> {
    await this.#write(tenant, gatewayId, async (trx) => {
      const result = await trx
        .deleteFrom('tags')
        .where('nat_gateway_id', '=', gatewayId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw natError('NAT.1002', { 0: 'Tag', 1: key });
    });
  }

  /** Deletes tags by key, or by key and value where a value is given; missing tags are no error. */
  async removeMany(tenant: string, gatewayId: string, tags: { key: string; value?: string }[]) {
    await this.#write(tenant, gatewayId, async (trx) => {
      for (const tag of tags) {
        let query = trx.deleteFrom('tags').where('nat_gateway_id', '=', gatewayId).where('key', '=', tag.key);
        if (tag.value !== undefined) query = query.where('value', '=', tag.value);
        await query.execute();
      }
    });
  }

  /** Every key used on the project's gateways, with the values it has. */
  async projectTags(tenant: string): Promise<{ key: string; values: string[] }[]> {
    const now = this.clock.now();
    const rows = await this.#db
      .selectFrom('tags as t')
      .innerJoin('nat_gateways as g', 'g.id', 't.nat_gateway_id')
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

  /** The project's gateways that the query selects, newest first, with their tags (newest first). */
  async find(
    tenant: string,
    query: ResourceQuery,
    page: { limit: number; offset: number },
  ): Promise<{ resources: TaggedResource[]; total_count: number }> {
    const now = this.clock.now();
    const total_count = await this.count(tenant, query, now);
    const gateways = await this.#selected(tenant, query, now)
      .select(['g.id', 'g.name'])
      .orderBy('g.created_at', 'desc')
      .orderBy('g.id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    const tags = new Map<string, Tag[]>(gateways.map((gateway) => [gateway.id, []]));
    if (gateways.length > 0) {
      const rows = await this.#db
        .selectFrom('tags')
        .select(['nat_gateway_id', 'key', 'value'])
        .where('tenant_id', '=', tenant)
        .where(
          'nat_gateway_id',
          'in',
          gateways.map((gateway) => gateway.id),
        )
        .orderBy('position', 'desc')
        .orderBy('key')
        .execute();
      for (const row of rows) tags.get(row.nat_gateway_id)?.push({ key: row.key, value: row.value });
    }
    return {
      resources: gateways.map((gateway) => ({
        resource_id: gateway.id,
        resource_detail: {},
        tags: tags.get(gateway.id) ?? [],
        resource_name: gateway.name,
      })),
      total_count,
    };
  }

  /** How many of the project's gateways the query selects. */
  async count(tenant: string, query: ResourceQuery, now = this.clock.now()): Promise<number> {
    const row = await this.#selected(tenant, query, now)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  #selected(tenant: string, query: ResourceQuery, now: number) {
    const contains = (haystack: Expression<string>, needle: string) =>
      this.database.engine === 'postgres'
        ? sql<SqlBool>`strpos(${haystack}, ${needle}) > 0`
        : sql<SqlBool>`instr(${haystack}, ${needle}) > 0`;
    // Whether gateway g has a tag with the filter's key and one of its values (any, when none).
    const has = (eb: Gateways, filter: TagFilter) =>
      eb.exists(
        eb
          .selectFrom('tags as t')
          .select(sql`1`.as('one'))
          .whereRef('t.nat_gateway_id', '=', 'g.id')
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
      .selectFrom('nat_gateways as g')
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
      else if (match.value === '') selection = selection.where('g.name', '=', '');
      else
        selection = selection.where((eb) =>
          contains(sql<string>`lower(${eb.ref('g.name')})`, match.value.toLowerCase()),
        );
    }
    return selection;
  }

  /** The gateway, living, in the tenant's project: else NAT.0105. */
  async #existing(tenant: string, gatewayId: string) {
    const row = await this.#db
      .selectFrom('nat_gateways')
      .select('id')
      .where('tenant_id', '=', tenant)
      .where('id', '=', gatewayId)
      .where(alive(this.clock.now()))
      .executeTakeFirst();
    if (!row) throw natError('NAT.0105', { nat_gateway_id: gatewayId }, { status: 404 });
  }

  /** Runs `work` holding the gateway's row; a gateway being deleted takes no tag changes (NAT.0103). */
  async #write(tenant: string, gatewayId: string, work: (trx: Transaction<Schema>) => Promise<void>) {
    await this.#db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const gateway = await lockGateway(trx, this.database.engine, tenant, gatewayId, now);
      if (gateway.status === 'PENDING_DELETE') throw natError('NAT.0103', { nat_gateway_id: gatewayId });
      await work(trx);
    });
  }
}
