import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Limits } from '../config.js';
import { type Database, uniqueViolation } from '../db/database.js';
import { alive, pageTime, statusAt, statusSql } from '../db/lifecycle.js';
import type { DnatRuleRow, NatGatewayRow, Schema } from '../db/schema.js';
import { conflict, natError } from '../errors.js';
import { type Clock, lockGateway, pendingFields, requireActive } from '../gateways/store.js';
import { claimEips, lockEips, releaseEips } from '../snat/claims.js';

/** A rule as the API shows it: the stored fields, with its status derived and booleans as booleans. */
export type DnatRule = Omit<
  DnatRuleRow,
  'admin_state_up' | 'external_key' | 'internal_key' | 'pending' | 'pending_until'
> & { status: string; admin_state_up: boolean };

/**
 * A rule to create, validated against the project's network by the route: the port (a lower-case
 * UUID) or the private IP, exactly one of them set and the other '', and a `protocol` of `tcp`,
 * `udp` or `any`.
 */
export type DnatInput = Pick<
  DnatRuleRow,
  | 'nat_gateway_id'
  | 'port_id'
  | 'private_ip'
  | 'internal_service_port'
  | 'floating_ip_id'
  | 'floating_ip_address'
  | 'external_service_port'
  | 'protocol'
  | 'description'
>;

export type DnatFilters = Partial<
  Record<
    | 'id'
    | 'nat_gateway_id'
    | 'port_id'
    | 'private_ip'
    | 'floating_ip_id'
    | 'floating_ip_address'
    | 'protocol'
    | 'description'
    | 'status'
    | 'created_at',
    string
  >
> & { internal_service_port?: number; external_service_port?: number; admin_state_up?: boolean };

function view(row: DnatRuleRow, now: number): DnatRule {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    nat_gateway_id: row.nat_gateway_id,
    port_id: row.port_id,
    private_ip: row.private_ip,
    internal_service_port: Number(row.internal_service_port),
    floating_ip_id: row.floating_ip_id,
    floating_ip_address: row.floating_ip_address,
    external_service_port: Number(row.external_service_port),
    protocol: row.protocol,
    description: row.description,
    status: statusAt(row, now),
    admin_state_up: Boolean(row.admin_state_up),
    created_at: row.created_at,
  };
}

/** A live rule of the project, or the page's 404. */
async function find(db: Kysely<Schema>, tenant: string, id: string, now: number): Promise<DnatRule> {
  const row = await db
    .selectFrom('dnat_rules')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('id', '=', id)
    .where(alive(now))
    .executeTakeFirst();
  if (!row) throw natError('NAT.0319', { id });
  return view(row, now);
}

/** DNAT rules of one project at a time: every query is scoped by tenant. */
export class DnatStore {
  readonly #db: Kysely<Schema>;

  constructor(
    readonly database: Database,
    readonly clock: Clock,
    readonly limits: Limits,
  ) {
    this.#db = database.db;
  }

  /**
   * Creates a rule on an ACTIVE gateway of the project, PENDING_CREATE for the provisioning delay.
   * The gateway row is locked for the transaction (gateway deletion takes the same lock); the
   * external and internal mappings are unique by constraint (`external_key`, `internal_key`,
   * NAT.0305 and NAT.0304); under the gateway's lock, its number of rules (NAT.0309) and a port or
   * private IP with an all-port rule beside port rules (NAT.0307, NAT.0308); the EIP is claimed
   * in the same transaction (NAT.0404, NAT.0408, NAT.0409). `check` sees the locked gateway first.
   */
  async create(tenant: string, input: DnatInput, check: (gateway: NatGatewayRow) => void): Promise<DnatRule> {
    return this.#db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const gateway = await lockGateway(trx, this.database.engine, tenant, input.nat_gateway_id, now);
      requireActive(gateway);
      check(gateway);
      const target = input.port_id ? `port:${input.port_id}` : `ip:${input.private_ip}`;
      const row: DnatRuleRow = {
        id: randomUUID(),
        tenant_id: tenant,
        ...input,
        nat_gateway_id: gateway.id,
        admin_state_up: 1,
        // EIP ids are unique across projects; private IPs are not, so the internal side is per gateway.
        external_key: `${input.floating_ip_id}:${input.external_service_port}:${input.protocol}`,
        internal_key: `${gateway.id}:${target}:${input.internal_service_port}:${input.protocol}`,
        created_at: pageTime(now),
        ...pendingFields('PENDING_CREATE', this.clock, now),
      };
      await trx
        .insertInto('dnat_rules')
        .values(row)
        .execute()
        .catch((error: unknown) => {
          const constraint = uniqueViolation(error);
          if (constraint?.includes('external_key')) throw natError('NAT.0305');
          if (constraint?.includes('internal_key')) throw natError('NAT.0304');
          throw error;
        });
      const live = await trx
        .selectFrom('dnat_rules')
        .select(['port_id', 'private_ip', 'protocol'])
        .where('nat_gateway_id', '=', gateway.id)
        .where('external_key', 'is not', null)
        .where('id', '<>', row.id)
        .execute();
      const limit = this.limits.dnatRulesPerGateway;
      if (live.length + 1 > limit) throw natError('NAT.0309', { limit });
      // An all-port rule owns its target: no other rule beside it, and it beside no other.
      const allPorts = input.protocol === 'any';
      const clash = (rule: { protocol: string }) => allPorts || rule.protocol === 'any';
      if (input.port_id && live.some((rule) => rule.port_id === input.port_id && clash(rule)))
        throw natError('NAT.0307');
      if (input.private_ip && live.some((rule) => rule.private_ip === input.private_ip && clash(rule)))
        throw natError('NAT.0308');
      await claimEips(trx, this.database.engine, {
        tenant,
        gatewayId: gateway.id,
        use: allPorts ? 'dnat-all' : 'dnat-port',
        ruleId: row.id,
        floatingIpIds: [input.floating_ip_id],
        dnatRulesPerEip: this.limits.dnatRulesPerEip,
      });
      return view(row, now);
    });
  }

  async get(tenant: string, id: string): Promise<DnatRule> {
    return find(this.#db, tenant, id, this.clock.now());
  }

  async list(
    tenant: string,
    filters: DnatFilters,
    page: { limit?: number | undefined; marker?: string | undefined },
  ): Promise<DnatRule[]> {
    const now = this.clock.now();
    let query = this.#db
      .selectFrom('dnat_rules')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where(alive(now));
    for (const field of ['id', 'nat_gateway_id', 'port_id', 'floating_ip_id'] as const) {
      const value = filters[field];
      if (value !== undefined) query = query.where(field, '=', value.toLowerCase());
    }
    for (const field of [
      'private_ip',
      'floating_ip_address',
      'protocol',
      'description',
      'created_at',
    ] as const) {
      const value = filters[field];
      if (value !== undefined) query = query.where(field, '=', value);
    }
    for (const field of ['internal_service_port', 'external_service_port'] as const) {
      const value = filters[field];
      if (value !== undefined) query = query.where(field, '=', value);
    }
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
   * mappings are free at once, and so is its EIP when no other live DNAT rule uses it.
   */
  async delete(tenant: string, id: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const rule = await find(trx, tenant, id, now);
      // The claim first: a rule being created on the same EIP holds it until it commits, so
      // the release below sees it, or it sees the claim gone and claims the EIP again.
      await lockEips(trx, this.database.engine, [rule.floating_ip_id]);
      const started = await trx
        .updateTable('dnat_rules')
        .set({ external_key: null, internal_key: null, ...pendingFields('PENDING_DELETE', this.clock, now) })
        .where('tenant_id', '=', tenant)
        .where('id', '=', id)
        .where(statusSql(now), '=', 'ACTIVE')
        .where(alive(now))
        .executeTakeFirst();
      if (Number(started.numUpdatedRows) === 0) {
        await find(trx, tenant, id, now);
        throw conflict(`Dnat rule ${id} is not ACTIVE.`, `DNAT 规则 ${id} 不处于 ACTIVE 状态。`);
      }
      await releaseEips(trx, [rule.floating_ip_id]);
    });
  }
}
