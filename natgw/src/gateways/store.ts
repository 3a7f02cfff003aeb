import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { ConflictError } from 'statuskit';
import { type Database, uniqueViolation } from '../db/database.js';
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

function view(row: NatGatewayRow, now: number): NatGateway {
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
    snat_rule_public_ip_limit: 20,
    dnat_rules_limit: 200,
  };
}

/**
 * Locks a live gateway of the project for the rest of the transaction (FOR UPDATE on PostgreSQL;
 * SQLite has one writer) and returns it with its status at `now`; one that is not there, or is
 * gone, is the page's 404. Rule creation and gateway deletion both take this lock, so they cannot
 * both succeed.
 */
export async function lockGateway(
  trx: Transaction<Schema>,
  engine: Database['engine'],
  tenant: string,
  id: string,
  now: number,
) {
  let query = trx
    .selectFrom('nat_gateways')
    .selectAll()
    .where('id', '=', id)
    .where('tenant_id', '=', tenant)
    .where(alive(now));
  if (engine === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw natError('NAT.0105', { nat_gateway_id: id });
  return { ...row, status: statusAt(row, now) };
}

/** A gateway that is not ACTIVE takes no change (the page's NAT.0103). */
export function requireActive(gateway: { id: string; status: string }): void {
  if (gateway.status !== 'ACTIVE') throw natError('NAT.0103', { nat_gateway_id: gateway.id });
}

function duplicateName(error: unknown, name: string): never {
  if (uniqueViolation(error))
    throw new ConflictError(`A NAT gateway named ${name} already exists in this project.`, {
      code: 'NAT.0106',
    });
  throw error;
}

/** NAT gateways of one project at a time: every query is scoped by tenant. */
export class GatewayStore {
  readonly #db: Kysely<Schema>;

  constructor(
    readonly database: Database,
    readonly clock: Clock,
  ) {
    this.#db = database.db;
  }

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
    const now = this.clock.now();
    const row: NatGatewayRow = {
      id: randomUUID(),
      tenant_id: tenant,
      ...input,
      name_key: input.name,
      admin_state_up: 1,
      enterprise_project_id: '0',
      created_at: pageTime(now),
      ...pendingFields('PENDING_CREATE', this.clock, now),
    };
    await this.#db
      .insertInto('nat_gateways')
      .values(row)
      .execute()
      .catch((error) => duplicateName(error, input.name));
    return view(row, now);
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
    if (!row) throw natError('NAT.0105', { nat_gateway_id: id });
    return view(row, now);
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
    for (const field of [
      'id',
      'name',
      'description',
      'spec',
      'router_id',
      'internal_network_id',
      'created_at',
    ] as const) {
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
    return rows.map((row) => view(row, now));
  }

  /** Changes an ACTIVE gateway; it is PENDING_UPDATE for the provisioning delay. */
  async update(
    tenant: string,
    id: string,
    changes: Partial<Pick<NatGatewayRow, 'name' | 'description' | 'spec'>>,
  ) {
    const now = this.clock.now();
    const result = await this.#db
      .updateTable('nat_gateways')
      .set({
        ...changes,
        ...(changes.name === undefined ? {} : { name_key: changes.name }),
        ...pendingFields('PENDING_UPDATE', this.clock, now),
      })
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .where(statusSql(now), '=', 'ACTIVE')
      .where(alive(now))
      .executeTakeFirst()
      .catch((error) => duplicateName(error, changes.name ?? ''));
    if (Number(result.numUpdatedRows) === 0) await this.#whyNot(tenant, id);
    return this.get(tenant, id);
  }

  /** Starts deleting an ACTIVE gateway without rules: PENDING_DELETE, then gone. Its name is free at once. */
  async delete(tenant: string, id: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      requireActive(await lockGateway(trx, this.database.engine, tenant, id, now));
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
        .set({ name_key: null, ...pendingFields('PENDING_DELETE', this.clock, now) })
        .where('id', '=', id)
        .execute();
    });
  }

  async #whyNot(tenant: string, id: string): Promise<never> {
    const gateway = await this.get(tenant, id);
    if (gateway.status !== 'ACTIVE') throw natError('NAT.0103', { nat_gateway_id: id });
    throw natError('NAT.0106');
  }
}
