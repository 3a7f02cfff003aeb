import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Limits } from '../config.js';
import type { Database } from '../db/database.js';
import { alive, pageTime, statusAt, statusSql } from '../db/lifecycle.js';
import type { NatGatewayRow, Schema } from '../db/schema.js';
import { natError } from '../errors.js';

export interface NatGateway {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  spec: string;
  router_id: string;
  internal_network_id: string;
  status: string;
  admin_state_up: boolean;
  created_at: string;
  billinginfo: string;
  freeze_info: string;
  sys_tags: string[];
  snat_rule_public_ip_limit: number;
  dnat_rules_limit: number;
}

export type GatewayFilters = Partial<
  Record<
    'id' | 'name' | 'description' | 'spec' | 'router_id' | 'internal_network_id' | 'status' | 'created_at',
    string
  >
> & {
  admin_state_up?: boolean;
};

/** When things happen: the clock, and how long a change stays PENDING_*. */
export interface Clock {
  now(): number;
  delayMs: number;
}

export function pendingFields(
  kind: 'PENDING_CREATE' | 'PENDING_UPDATE' | 'PENDING_DELETE',
  clock: Clock,
  now: number,
) {
  return { pending: kind, pending_until: now + clock.delayMs };
}

function view(row: NatGatewayRow, now: number, limits: Limits): NatGateway {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    name: row.name,
    description: row.description,
    spec: row.spec,
    router_id: row.router_id,
    internal_network_id: row.internal_network_id,
    status: statusAt(row, now),
    admin_state_up: Boolean(row.admin_state_up),
    created_at: row.created_at,
    billinginfo: '',
    freeze_info: '',
    sys_tags: [`_sys_enterprise_project_id=${row.enterprise_project_id}`],
    snat_rule_public_ip_limit: limits.snatRulePublicIps,
    dnat_rules_limit: limits.dnatRulesPerGateway,
  };
}

/**
 * Locks a live gateway of the project for the rest of the transaction (FOR UPDATE on PostgreSQL;
 * SQLite has one writer) and returns it with its status at `now`; one that is not there, or is
 * gone, is the page's NAT.0105: 404, or 400 for the gateway being deleted (`missing`). Rule
 * creation and gateway deletion both take this lock, so they cannot both succeed.
 */
export async function lockGateway(
  trx: Transaction<Schema>,
  engine: Database['engine'],
  tenant: string,
  id: string,
  now: number,
  missing: 400 | 404 = 404,
) {
  let query = trx
    .selectFrom('nat_gateways')
    .selectAll()
    .where('id', '=', id)
    .where('tenant_id', '=', tenant)
    .where(alive(now));
  if (engine === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw natError('NAT.0105', { nat_gateway_id: id }, { status: missing });
  return { ...row, status: statusAt(row, now) };
}

/** A gateway that is not ACTIVE takes no change (the page's NAT.0103). */
export function requireActive(gateway: { id: string; status: string }): void {
  if (gateway.status !== 'ACTIVE') throw natError('NAT.0103', { nat_gateway_id: gateway.id });
}

/**
 * Locks a row named `key` for the rest of the transaction, so that what is counted under it
 * cannot change before the transaction ends: the lock a limit without a row of its own needs.
 */
export async function lockKey(trx: Transaction<Schema>, engine: Database['engine'], key: string) {
  await trx
    .insertInto('locks')
    .values({ key })
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute();
  let query = trx.selectFrom('locks').select('key').where('key', '=', key);
  if (engine === 'postgres') query = query.forUpdate();
  await query.executeTakeFirst();
}

/** Gateways not being deleted: the ones a limit counts. */
const notDeleting = sql<boolean>`(pending is null or pending <> 'PENDING_DELETE')`;

/** NAT gateways of one project at a time: every query is scoped by tenant. */
export class GatewayStore {
  readonly #db: Kysely<Schema>;

  constructor(
    readonly database: Database,
    readonly clock: Clock,
    readonly limits: Limits,
  ) {
    this.#db = database.db;
  }

  /**
   * Creates a gateway, PENDING_CREATE for the provisioning delay. The limits per VPC (NAT.0113)
   * and per network (NAT.0012), where configured, are counted under a lock on the VPC's and the
   * network's key, held until the insert commits.
   */
  async create(
    tenant: string,
    input: {
      name: string;
      description: string;
      spec: string;
      router_id: string;
      internal_network_id: string;
    },
  ) {
    return this.#db.transaction().execute(async (trx) => {
      const { gatewaysPerVpc, gatewaysPerNetwork } = this.limits;
      const engine = this.database.engine;
      const count = async (column: 'router_id' | 'internal_network_id', value: string) => {
        await lockKey(trx, engine, `${column}:${tenant}:${value}`);
        const { n } = await trx
          .selectFrom('nat_gateways')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('tenant_id', '=', tenant)
          .where(column, '=', value)
          .where(notDeleting)
          .executeTakeFirstOrThrow();
        return Number(n);
      };
      if (gatewaysPerVpc > 0 && (await count('router_id', input.router_id)) >= gatewaysPerVpc)
        throw natError('NAT.0113', { limit: gatewaysPerVpc });
      if (
        gatewaysPerNetwork > 0 &&
        (await count('internal_network_id', input.internal_network_id)) >= gatewaysPerNetwork
      )
        throw natError('NAT.0012', { network: input.internal_network_id });
      const now = this.clock.now();
      const row: NatGatewayRow = {
        id: randomUUID(),
        tenant_id: tenant,
        ...input,
        name_key: null,
        admin_state_up: 1,
        enterprise_project_id: '0',
        created_at: pageTime(now),
        ...pendingFields('PENDING_CREATE', this.clock, now),
      };
      await trx.insertInto('nat_gateways').values(row).execute();
      return view(row, now, this.limits);
    });
  }

  async get(tenant: string, id: string): Promise<NatGateway> {
    const now = this.clock.now();
    const row = await this.#db
      .selectFrom('nat_gateways')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .where(alive(now))
      .executeTakeFirst();
    if (!row) throw natError('NAT.0105', { nat_gateway_id: id }, { status: 404 });
    return view(row, now, this.limits);
  }

  async list(
    tenant: string,
    filters: GatewayFilters,
    page: { limit?: number | undefined; marker?: string | undefined },
  ) {
    const now = this.clock.now();
    let query = this.#db
      .selectFrom('nat_gateways')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where(alive(now));
    // Ids compare without regard to case, as the lookups by id do.
    for (const field of ['id', 'router_id', 'internal_network_id'] as const) {
      const value = filters[field];
      if (value !== undefined) query = query.where(field, '=', value.toLowerCase());
    }
    for (const field of ['name', 'description', 'spec', 'created_at'] as const) {
      const value = filters[field];
      if (value !== undefined) query = query.where(field, '=', value);
    }
    if (filters.admin_state_up !== undefined)
      query = query.where('admin_state_up', '=', filters.admin_state_up ? 1 : 0);
    if (filters.status !== undefined) query = query.where(statusSql(now), '=', filters.status);
    if (page.marker !== undefined) query = query.where('id', '>', page.marker);
    const rows = await query
      .orderBy('id')
      .limit(page.limit ?? 2000)
      .execute();
    return rows.map((row) => view(row, now, this.limits));
  }

  /**
   * Changes an ACTIVE gateway, which is PENDING_UPDATE for the provisioning delay. A request
   * that only sets the spec it has would change nothing: NAT.1206 (the page's only code for it).
   */
  async update(
    tenant: string,
    id: string,
    changes: Partial<Pick<NatGatewayRow, 'name' | 'description' | 'spec'>>,
  ) {
    await this.#db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const gateway = await lockGateway(trx, this.database.engine, tenant, id, now);
      requireActive(gateway);
      if (changes.spec === gateway.spec && Object.keys(changes).length === 1)
        throw natError('NAT.1206', { 0: gateway.spec, 1: changes.spec });
      await trx
        .updateTable('nat_gateways')
        .set({ ...changes, ...pendingFields('PENDING_UPDATE', this.clock, now) })
        .where('id', '=', id)
        .execute();
    });
    return this.get(tenant, id);
  }

  /** Starts deleting an ACTIVE gateway without rules: PENDING_DELETE, then gone. */
  async delete(tenant: string, id: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      requireActive(await lockGateway(trx, this.database.engine, tenant, id, now, 400));
      for (const table of ['snat_rules', 'dnat_rules'] as const) {
        const rule = await trx
          .selectFrom(table)
          .select('id')
          .where('nat_gateway_id', '=', id)
          .where(alive(now))
          .executeTakeFirst();
        if (rule) throw natError('NAT.0006');
      }
      await trx
        .updateTable('nat_gateways')
        .set(pendingFields('PENDING_DELETE', this.clock, now))
        .where('id', '=', id)
        .execute();
    });
  }
}
