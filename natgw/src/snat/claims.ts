import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { Schema } from '../db/schema.js';
import { natError } from '../errors.js';
import type { ResourceKind, ResourceRow } from '../resources/kind.js';

/** What a new rule does with an EIP: SNAT, a DNAT rule on one port, or a DNAT all-port rule. */
export type EipUse = 'snat' | 'dnat-port' | 'dnat-all';

/** `,a,b,` contains `,x,`: one EIP of a comma-separated list (ids hold no LIKE wildcards). */
export function listContains(column: 'floating_ip_id' | 'floating_ip_address', value: string) {
  return sql<boolean>`(',' || ${sql.ref(column)} || ',') like ${`%,${value},%`}`;
}

/**
 * Which gateway's rules use an EIP, decided by the `eip_claims` table (primary key
 * `floating_ip_id`) in the transaction that inserts or deletes the rule. The pages' rules:
 * one EIP serves one gateway (NAT.0404); on it, SNAT rules and DNAT port rules share it, but
 * a DNAT all-port rule shares it with neither an SNAT rule (NAT.0409) nor a DNAT port rule
 * (NAT.0408); at most `dnatRulesPerEip` DNAT rules use it (NAT.0313, when configured).
 *
 * A claim is inserted `on conflict do nothing` and read back locked (FOR UPDATE on PostgreSQL;
 * SQLite has one writer): every rule that adds or drops an EIP holds its claim until it commits,
 * so the rules counted under it are all there are. EIPs are claimed in sorted order, so two
 * rules claiming the same EIPs cannot deadlock. The new rule's row is inserted before.
 */
export async function claimEips(
  trx: Transaction<Schema>,
  engine: Database['engine'],
  claim: {
    tenant: string;
    gatewayId: string;
    use: EipUse;
    ruleId: string;
    floatingIpIds: readonly string[];
    dnatRulesPerEip?: number;
  },
): Promise<void> {
  for (const floatingIpId of [...claim.floatingIpIds].sort()) {
    // A claim released (deleted) by a transaction that commits between the insert and the read
    // is gone when read: insert it again.
    for (let attempt = 0; ; attempt++) {
      await trx
        .insertInto('eip_claims')
        .values({
          floating_ip_id: floatingIpId,
          tenant_id: claim.tenant,
          nat_gateway_id: claim.gatewayId,
          kind: claim.use === 'snat' ? 'snat' : 'dnat',
          rule_id: claim.ruleId,
        })
        .onConflict((conflict) => conflict.column('floating_ip_id').doNothing())
        .execute();
      const held = await lockClaim(trx, engine, floatingIpId);
      if (!held) {
        if (attempt < 5) continue;
        throw natError('NAT.0106');
      }
      if (held.tenant_id !== claim.tenant) throw natError('NAT.0405', { fip: floatingIpId });
      if (held.nat_gateway_id !== claim.gatewayId)
        throw natError('NAT.0404', { fip: floatingIpId, nat_gateway: held.nat_gateway_id ?? '' });
      await checkSharing(trx, claim, floatingIpId);
      break;
    }
  }
}

/** The pages' rules for rules sharing one EIP of one gateway, checked under the EIP's claim. */
async function checkSharing(
  trx: Transaction<Schema>,
  claim: { use: EipUse; ruleId: string; dnatRulesPerEip?: number },
  floatingIpId: string,
) {
  const dnat = await trx
    .selectFrom('dnat_rules')
    .select(['id', 'protocol'])
    .where('floating_ip_id', '=', floatingIpId)
    .where('external_key', 'is not', null)
    .where('id', '<>', claim.ruleId)
    .execute();
  const allPort = dnat.some((rule) => rule.protocol === 'any');
  if (claim.use === 'snat' && allPort) throw natError('NAT.0409', { fip: floatingIpId });
  if (claim.use === 'dnat-port' && allPort) throw natError('NAT.0408', { fip: floatingIpId });
  if (claim.use === 'dnat-all') {
    if (dnat.some((rule) => rule.protocol !== 'any')) throw natError('NAT.0408', { fip: floatingIpId });
    if (await snatUses(trx, floatingIpId)) throw natError('NAT.0409', { fip: floatingIpId });
  }
  const limit = claim.dnatRulesPerEip ?? 0;
  if (claim.use !== 'snat' && limit > 0 && dnat.length + 1 > limit) throw natError('NAT.0313', { limit });
}

/** Whether a live SNAT rule (not being deleted) uses the EIP. */
async function snatUses(trx: Transaction<Schema>, floatingIpId: string): Promise<boolean> {
  const rule = await trx
    .selectFrom('snat_rules')
    .select('id')
    .where('source_key', 'is not', null)
    .where(listContains('floating_ip_id', floatingIpId))
    .executeTakeFirst();
  return rule !== undefined;
}

/** The claim on an EIP, locked until the transaction ends (PostgreSQL). */
export function lockClaim(trx: Transaction<Schema>, engine: Database['engine'], floatingIpId: string) {
  let query = trx.selectFrom('eip_claims').selectAll().where('floating_ip_id', '=', floatingIpId);
  if (engine === 'postgres') query = query.forUpdate();
  return query.executeTakeFirst();
}

/**
 * Locks the claims of EIPs a rule is about to stop using (before its deletion starts), in
 * sorted order; `releaseEips` then frees those no live rule uses any more.
 */
export async function lockEips(
  trx: Transaction<Schema>,
  engine: Database['engine'],
  floatingIpIds: readonly string[],
): Promise<void> {
  for (const floatingIpId of [...floatingIpIds].sort()) await lockClaim(trx, engine, floatingIpId);
}

/** Drops the claims of the EIPs that no live rule uses (their claims locked by `lockEips`). */
export async function releaseEips(trx: Transaction<Schema>, floatingIpIds: readonly string[]): Promise<void> {
  for (const floatingIpId of [...floatingIpIds].sort()) {
    const dnat = await trx
      .selectFrom('dnat_rules')
      .select('id')
      .where('floating_ip_id', '=', floatingIpId)
      .where('external_key', 'is not', null)
      .executeTakeFirst();
    if (dnat || (await snatUses(trx, floatingIpId))) continue;
    await trx.deleteFrom('eip_claims').where('floating_ip_id', '=', floatingIpId).execute();
  }
}

/**
 * The deletion of a rule that uses EIPs: their claims locked first (a rule being created on the
 * same EIP holds its claim until it commits, so the release sees it, or it sees the claim gone
 * and claims the EIP again), the rule's uniqueness keys cleared, then the EIPs no live rule uses
 * released.
 */
export function eipDeletion<Row extends ResourceRow>(
  eipsOf: (row: Row) => string[],
  clear: Partial<Row>,
): NonNullable<ResourceKind<Row>['deletion']> {
  return {
    before: (trx, row, { database }) => lockEips(trx, database.engine, eipsOf(row)),
    clear,
    after: (trx, row) => releaseEips(trx, eipsOf(row)),
  };
}
