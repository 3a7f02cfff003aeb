import { type Migration, sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { alive } from '../db/lifecycle.js';
import type { Schema } from '../db/schema.js';
import { natError } from '../errors.js';
import type { ProjectNetwork } from '../network/fixture.js';

/** What a private gateway's rule does with a transit IP: SNAT, or DNAT with its protocol. */
export type TransitUse = { rule: 'snat' } | { rule: 'dnat'; protocol: string };

/** One rule's use of one transit IP; the rows of a transit IP say which gateway holds it. */
export interface TransitIpUseRow {
  transit_ip_id: string;
  rule_id: string;
  gateway_id: string;
  rule: 'snat' | 'dnat';
  /** The DNAT rule's protocol ('' for SNAT): an `any` rule shares its transit IP with no other protocol. */
  protocol: string;
}

declare module '../db/schema.js' {
  interface Schema {
    transit_ip_uses: TransitIpUseRow;
  }
}

/** The uses of transit IPs by rules, one row each (a rule's are deleted with it). */
export const bindingMigrations: Record<string, Migration> = {
  '011-transit-ip-uses': {
    async up(db) {
      await db.schema
        .createTable('transit_ip_uses')
        .addColumn('transit_ip_id', 'text', (c) => c.notNull())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('gateway_id', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('transit_ip_uses_pk', ['transit_ip_id', 'rule_id'])
        .execute();
      await db.schema.createIndex('transit_ip_uses_rule').on('transit_ip_uses').column('rule_id').execute();
      await db.schema
        .createIndex('transit_ip_uses_gateway')
        .on('transit_ip_uses')
        .column('gateway_id')
        .execute();
    },
  },
};

/** The gateway a rule belongs to, as binding needs it. */
export interface BindingGateway {
  id: string;
  vpc_id: string;
}

/**
 * Locks transit IP rows (FOR UPDATE on PostgreSQL; SQLite has one writer) in sorted order, so
 * that two transactions locking the same ones cannot deadlock. Every change to which gateway
 * holds a transit IP, and its release, happens under this lock: the database decides.
 */
export async function lockTransitIps(
  trx: Transaction<Schema>,
  engine: Database['engine'],
  tenant: string,
  ids: readonly string[],
  now: number,
) {
  const locked = [];
  for (const id of [...new Set(ids)].sort()) {
    let query = trx
      .selectFrom('transit_ips')
      .selectAll()
      .where('id', '=', id)
      .where('tenant_id', '=', tenant)
      .where(alive(now));
    if (engine === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (!row) throw natError('NAT.1002', { 0: 'Transit ip', 1: id });
    locked.push(row);
  }
  return locked;
}

/**
 * Transit IPs (locked) a rule of `gateway` may use as far as their gateway goes: outside its VPC
 * (NAT.1303), held by no other gateway (NAT.1406). A rule checks this before its own insert too,
 * so that these come before the conflicts of its traffic.
 */
export function checkOwner(
  rows: readonly { id: string; virsubnet_id: string; gateway_id: string }[],
  network: ProjectNetwork,
  gateway: BindingGateway,
): void {
  for (const row of rows) {
    if (network.subnet(row.virsubnet_id)?.router_id === gateway.vpc_id) throw natError('NAT.1303', row.id);
    if (row.gateway_id !== '' && row.gateway_id !== gateway.id)
      throw natError('NAT.1406', { 0: row.id, 1: row.gateway_id });
  }
}

/**
 * Binds transit IPs to a rule of `gateway`, under their row locks: each of the project (else
 * NAT.1002), outside the gateway's VPC (NAT.1303), held by no other gateway (NAT.1406), and used
 * as the rule allows: SNAT and DNAT rules do not share one (NAT.1305, NAT.1308), nor DNAT rules
 * of `any` and of a port protocol (NAT.1410). Its `gateway_id` is then the rule's gateway, which
 * makes its release NAT.1409 until no rule uses it (`unbindTransitIps`). Answers the addresses,
 * in the order of `ids`.
 */
export async function bindTransitIps(
  trx: Transaction<Schema>,
  binding: {
    engine: Database['engine'];
    tenant: string;
    network: ProjectNetwork;
    gateway: BindingGateway;
    ruleId: string;
    use: TransitUse;
    ids: readonly string[];
    now: number;
  },
): Promise<string[]> {
  const { tenant, network, gateway, ruleId, use, ids, now } = binding;
  const rows = await lockTransitIps(trx, binding.engine, tenant, ids, now);
  checkOwner(rows, network, gateway);
  for (const row of rows) {
    const others = await trx
      .selectFrom('transit_ip_uses')
      .select(['rule', 'protocol'])
      .where('transit_ip_id', '=', row.id)
      .where('rule_id', '<>', ruleId)
      .execute();
    if (use.rule === 'snat' && others.some((other) => other.rule === 'dnat'))
      throw natError('NAT.1305', row.id);
    if (use.rule === 'dnat') {
      if (others.some((other) => other.rule === 'snat')) throw natError('NAT.1308', row.id);
      const any = (protocol: string) => protocol === 'any';
      if (others.some((other) => any(other.protocol) !== any(use.protocol)))
        throw natError('NAT.1410', row.id);
    }
    await trx
      .insertInto('transit_ip_uses')
      .values({
        transit_ip_id: row.id,
        rule_id: ruleId,
        gateway_id: gateway.id,
        rule: use.rule,
        protocol: use.rule === 'dnat' ? use.protocol : '',
      })
      .onConflict((conflict) =>
        conflict.columns(['transit_ip_id', 'rule_id']).doUpdateSet({
          protocol: use.rule === 'dnat' ? use.protocol : '',
        }),
      )
      .execute();
    if (row.gateway_id === '')
      await trx.updateTable('transit_ips').set({ gateway_id: gateway.id }).where('id', '=', row.id).execute();
  }
  const addresses = new Map(rows.map((row) => [row.id, row.ip_address]));
  return ids.map((id) => addresses.get(id) ?? '');
}

/**
 * Ends a rule's use of transit IPs (all of them when `ids` is not given), under their row locks;
 * one that no rule uses any more is free of its gateway again.
 */
export async function unbindTransitIps(
  trx: Transaction<Schema>,
  engine: Database['engine'],
  tenant: string,
  ruleId: string,
  now: number,
  ids?: readonly string[],
): Promise<void> {
  const used =
    ids ??
    (
      await trx.selectFrom('transit_ip_uses').select('transit_ip_id').where('rule_id', '=', ruleId).execute()
    ).map((row) => row.transit_ip_id);
  await lockTransitIps(trx, engine, tenant, used, now);
  for (const id of [...used].sort()) {
    await trx
      .deleteFrom('transit_ip_uses')
      .where('transit_ip_id', '=', id)
      .where('rule_id', '=', ruleId)
      .execute();
    const left = await trx
      .selectFrom('transit_ip_uses')
      .select('rule_id')
      .where('transit_ip_id', '=', id)
      .executeTakeFirst();
    if (!left) await trx.updateTable('transit_ips').set({ gateway_id: '' }).where('id', '=', id).execute();
  }
}

/** How many rules the gateway has (each uses a transit IP): counted under the gateway's lock. */
export async function rulesOf(trx: Transaction<Schema>, gatewayId: string): Promise<number> {
  const row = await trx
    .selectFrom('transit_ip_uses')
    .select(sql<number>`count(distinct rule_id)`.as('count'))
    .where('gateway_id', '=', gatewayId)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** Rules that use any of the transit IPs (a list filter's condition on a rule's id). */
export function usingTransitIps(ids: readonly string[]) {
  return sql<boolean>`id in (select rule_id from transit_ip_uses where transit_ip_id in (${sql.join(ids)}))`;
}

/** Rules that use a transit IP of any of the addresses. */
export function usingTransitAddresses(addresses: readonly string[]) {
  return sql<boolean>`id in (select u.rule_id from transit_ip_uses u join transit_ips t on t.id = u.transit_ip_id where t.ip_address in (${sql.join(addresses)}))`;
}
