import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type Database, uniqueViolation } from '../db/database.js';
import { alive, pageTime, statusAt, statusSql } from '../db/lifecycle.js';
import type { NatGatewayRow, Schema, SnatRuleRow } from '../db/schema.js';
import { conflict, natError } from '../errors.js';
import { type Clock, lockGateway, pendingFields, requireActive } from '../gateways/store.js';
import { isUuid } from '../validate.js';
import { claimEips, listContains, lockEips, releaseEips } from './claims.js';
import { type Cidr, overlaps, parseCidr } from './ip.js';

export interface SnatRule {
  id: string;
  tenant_id: string;
  nat_gateway_id: string;
  network_id?: string;
  cidr?: string;
  source_type: number;
  floating_ip_id: string;
  floating_ip_address: string;
  freezed_ip_address: string;
  description: string;
  status: string;
  admin_state_up: boolean;
  created_at: string;
}

/** A rule to create, validated against the project's network by the route. */
export interface SnatInput {
  nat_gateway_id: string;
  /** The subnet (lower-case UUID), or '' when the rule is for a CIDR block. */
  network_id: string;
  /** The CIDR block as given, or '' when the rule is for a subnet. */
  cidr: string;
  /** `network:<id>` or `cidr:<a.b.c.d/n>`: one rule per source on a gateway. */
  source_key: string;
  /** The block the rule translates, `a.b.c.d/n`: its cidr, or its subnet's. */
  source_block: string;
  source_type: number;
  /** Lower-case EIP ids, in the request's order. */
  floating_ip_ids: string[];
  floating_ip_addresses: string[];
  description: string;
}

export type SnatFilters = Partial<
  Record<
    | 'id'
    | 'nat_gateway_id'
    | 'network_id'
    | 'cidr'
    | 'floating_ip_id'
    | 'floating_ip_address'
    | 'description'
    | 'status'
    | 'created_at',
    string
  >
> & { source_type?: number; admin_state_up?: boolean };

/** A rule as the pages show it; an empty `network_id` or `cidr` is left out (api_overview: null fields are not returned). */
function view(row: SnatRuleRow, now: number): SnatRule {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    nat_gateway_id: row.nat_gateway_id,
    ...(row.network_id === '' ? {} : { network_id: row.network_id }),
    ...(row.cidr === '' ? {} : { cidr: row.cidr }),
    source_type: Number(row.source_type),
    floating_ip_id: row.floating_ip_id,
    floating_ip_address: row.floating_ip_address,
    freezed_ip_address: '',
    description: row.description,
    status: statusAt(row, now),
    admin_state_up: Boolean(row.admin_state_up),
    created_at: row.created_at,
  };
}

/** A live rule of the project, or the page's 404. */
async function find(db: Kysely<Schema>, tenant: string, id: string, now: number): Promise<SnatRule> {
  const row = await db
    .selectFrom('snat_rules')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('id', '=', id)
    .where(alive(now))
    .executeTakeFirst();
  if (!row) throw natError('NAT.0209', { id });
  return view(row, now);
}

/** SNAT rules of one project at a time: every query is scoped by tenant. */
export class SnatStore {
  readonly #db: Kysely<Schema>;

  constructor(
    readonly database: Database,
    readonly clock: Clock,
  ) {
    this.#db = database.db;
  }

  /**
   * Creates a rule on an ACTIVE gateway of the project, PENDING_CREATE for the provisioning delay.
   * The gateway row is locked for the transaction (gateway deletion and every rule creation on it
   * take the same lock): a network has one rule per gateway (constraint, NAT.0208), and a block
   * overlaps no other rule's (NAT.0207, checked under the lock); the EIPs are claimed in the same
   * transaction. `check` sees the locked gateway before anything is written.
   */
  async create(tenant: string, input: SnatInput, check: (gateway: NatGatewayRow) => void): Promise<SnatRule> {
    return this.#db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const gateway = await lockGateway(trx, this.database.engine, tenant, input.nat_gateway_id, now);
      requireActive(gateway);
      check(gateway);
      const row: SnatRuleRow = {
        id: randomUUID(),
        tenant_id: tenant,
        nat_gateway_id: gateway.id,
        network_id: input.network_id,
        cidr: input.cidr,
        source_type: input.source_type,
        floating_ip_id: input.floating_ip_ids.join(','),
        floating_ip_address: input.floating_ip_addresses.join(','),
        description: input.description,
        admin_state_up: 1,
        source_key: input.source_key,
        source_block: input.source_block,
        created_at: pageTime(now),
        ...pendingFields('PENDING_CREATE', this.clock, now),
      };
      await trx
        .insertInto('snat_rules')
        .values(row)
        .execute()
        .catch((error: unknown) => {
          if (!uniqueViolation(error)) throw error;
          throw input.network_id ? natError('NAT.0208', { network: input.network_id }) : natError('NAT.0207');
        });
      const block = parseCidr(input.source_block) as Cidr;
      const others = await trx
        .selectFrom('snat_rules')
        .select(['source_block', 'cidr'])
        .where('nat_gateway_id', '=', gateway.id)
        .where('source_key', 'is not', null)
        .where('id', '<>', row.id)
        .execute();
      for (const other of others) {
        const theirs = parseCidr(other.source_block ?? other.cidr);
        if (theirs && overlaps(block, theirs)) throw natError('NAT.0207');
      }
      await claimEips(trx, this.database.engine, {
        tenant,
        gatewayId: gateway.id,
        use: 'snat',
        ruleId: row.id,
        floatingIpIds: input.floating_ip_ids,
      });
      return view(row, now);
    });
  }

  async get(tenant: string, id: string): Promise<SnatRule> {
    return find(this.#db, tenant, id, this.clock.now());
  }

  async list(
    tenant: string,
    filters: SnatFilters,
    page: { limit?: number | undefined; marker?: string | undefined },
  ): Promise<SnatRule[]> {
    const now = this.clock.now();
    let query = this.#db
      .selectFrom('snat_rules')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where(alive(now));
    for (const field of ['id', 'nat_gateway_id', 'network_id'] as const) {
      const value = filters[field];
      if (value !== undefined) query = query.where(field, '=', value.toLowerCase());
    }
    for (const field of ['cidr', 'description', 'created_at'] as const) {
      const value = filters[field];
      if (value !== undefined) query = query.where(field, '=', value);
    }
    if (filters.floating_ip_id !== undefined) {
      const ids = filters.floating_ip_id.toLowerCase();
      // One EIP finds the rules whose list holds it; a list finds the rules with that list.
      if (isUuid(ids)) query = query.where(listContains('floating_ip_id', ids));
      else query = query.where('floating_ip_id', '=', ids);
    }
    if (filters.floating_ip_address !== undefined) {
      const address = filters.floating_ip_address;
      if (/^[0-9.]+$/.test(address)) query = query.where(listContains('floating_ip_address', address));
      else query = query.where('floating_ip_address', '=', address);
    }
    if (filters.source_type !== undefined) query = query.where('source_type', '=', filters.source_type);
    if (filters.admin_state_up !== undefined)
      query = query.where('admin_state_up', '=', filters.admin_state_up ? 1 : 0);
    if (filters.status !== undefined) query = query.where(statusSql(now), '=', filters.status);
    if (page.marker !== undefined) query = query.where('id', '>', page.marker.toLowerCase());
    const rows = await query
      .orderBy('id')
      .limit(page.limit ?? 2000)
      .execute();
    return rows.map((row) => view(row, now));
  }

  /**
   * Starts deleting an ACTIVE rule: PENDING_DELETE for the provisioning delay, then gone. Its
   * source and its EIPs are free at once.
   */
  async delete(tenant: string, id: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const eips = (await find(trx, tenant, id, now)).floating_ip_id.split(',');
      await lockEips(trx, this.database.engine, eips);
      const started = await trx
        .updateTable('snat_rules')
        .set({ source_key: null, ...pendingFields('PENDING_DELETE', this.clock, now) })
        .where('tenant_id', '=', tenant)
        .where('id', '=', id)
        .where(statusSql(now), '=', 'ACTIVE')
        .where(alive(now))
        .executeTakeFirst();
      if (Number(started.numUpdatedRows) === 0) {
        await find(trx, tenant, id, now);
        throw conflict(`Snat rule ${id} is not ACTIVE.`, `SNAT 规则 ${id} 不处于 ACTIVE 状态。`);
      }
      await releaseEips(trx, eips);
    });
  }
}
