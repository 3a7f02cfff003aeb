import type { Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { Schema } from '../db/schema.js';
import { natError } from '../errors.js';

/**
 * Which rules hold an EIP, decided by the `eip_claims` table (primary key `floating_ip_id`), in
 * the transaction that inserts or deletes the rule: an SNAT rule holds its EIPs alone; DNAT rules
 * share theirs with other DNAT rules (on other ports), never with an SNAT rule. SNAT and DNAT
 * rules both use these functions.
 *
 * A claim is inserted `on conflict do nothing` and then read back locked (FOR UPDATE on
 * PostgreSQL; SQLite has one writer), so two racing claims are ordered by the database; EIPs are
 * claimed in sorted order, so two rules claiming the same EIPs cannot deadlock.
 */
export async function claimEips(
  trx: Transaction<Schema>,
  engine: Database['engine'],
  claim: { tenant: string; kind: 'snat' | 'dnat'; ruleId: string; floatingIpIds: readonly string[] },
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
          kind: claim.kind,
          rule_id: claim.ruleId,
        })
        .onConflict((conflict) => conflict.column('floating_ip_id').doNothing())
        .execute();
      const held = await lockClaim(trx, engine, floatingIpId);
      if (!held) {
        if (attempt < 5) continue;
        throw natError('NAT.0106');
      }
      const ours =
        held.tenant_id === claim.tenant &&
        (claim.kind === 'snat'
          ? held.kind === 'snat' && held.rule_id === claim.ruleId
          : held.kind === 'dnat');
      if (!ours) throw natError('NAT.1409', { floating_ip_id: floatingIpId });
      break;
    }
  }
}

/** The claim on an EIP, locked until the transaction ends (PostgreSQL). */
export function lockClaim(trx: Transaction<Schema>, engine: Database['engine'], floatingIpId: string) {
  let query = trx.selectFrom('eip_claims').selectAll().where('floating_ip_id', '=', floatingIpId);
  if (engine === 'postgres') query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Releases the EIPs an SNAT rule holds (when its deletion starts). */
export async function releaseSnatClaims(
  trx: Transaction<Schema>,
  floatingIpIds: readonly string[],
  ruleId: string,
): Promise<void> {
  for (const floatingIpId of [...floatingIpIds].sort()) {
    await trx
      .deleteFrom('eip_claims')
      .where('floating_ip_id', '=', floatingIpId)
      .where('kind', '=', 'snat')
      .where('rule_id', '=', ruleId)
      .execute();
  }
}
