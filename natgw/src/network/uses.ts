import type { Kysely } from 'kysely';
import { alive } from '../db/lifecycle.js';
import type { ResourceKind } from '../resources/kind.js';
import type { Network } from './fixture.js';

/** The lists of a network document whose items resources refer to. */
type List = 'routers' | 'networks' | 'ports' | 'floating_ips';

/** What an item of each list is called in a message. */
const called: Record<List, { en: string; zhCn: string }> = {
  routers: { en: 'router', zhCn: '路由器' },
  networks: { en: 'network', zhCn: '子网' },
  ports: { en: 'port', zhCn: '端口' },
  floating_ips: { en: 'EIP', zhCn: '弹性公网 IP' },
};

/** A resource that still uses an item the new document leaves out, in English and Chinese. */
export interface Use {
  en: string;
  zhCn: string;
}

/**
 * The first resource of the project, alive at `now`, that uses an item of `before` which
 * `after` no longer has (each kind declares its `networkUses`: a router or network of a
 * gateway, a network of an SNAT rule or a transit IP, a port of a DNAT rule, an EIP of a
 * rule…), or undefined.
 */
export async function firstUse(
  kinds: readonly ResourceKind[],
  db: Kysely<unknown>,
  tenant: string,
  before: Network,
  after: Network,
  now: number,
): Promise<Use | undefined> {
  const removed = Object.fromEntries(
    (['routers', 'networks', 'ports', 'floating_ips'] as const).map((list) => {
      const kept = new Set(after[list].map((item) => item.id));
      return [list, new Set(before[list].map((item) => item.id).filter((id) => !kept.has(id)))];
    }),
  ) as Record<List, Set<string>>;
  if (Object.values(removed).every((ids) => ids.size === 0)) return undefined;
  const rows = db as Kysely<Record<string, Record<string, string>>>;
  for (const { table, names, networkUses } of kinds) {
    if (!networkUses) continue;
    // "a NAT gateway" → "NAT gateway".
    const user = { en: names.one.replace(/^an? /, ''), zhCn: networkUses.zhCn };
    const found = await rows
      .selectFrom(table)
      .select(['id', ...Object.keys(networkUses.columns)])
      .where('tenant_id', '=', tenant)
      .where(alive(now))
      .orderBy('id')
      .execute();
    for (const row of found) {
      for (const [column, list] of Object.entries(networkUses.columns)) {
        const id = String(row[column] ?? '')
          .split(',')
          .find((value) => removed[list].has(value));
        if (id === undefined) continue;
        const item = called[list];
        return {
          en: `The ${item.en} ${id} is used by the ${user.en} ${row.id} (its ${column}): delete that first.`,
          zhCn: `${item.zhCn} ${id} 正被${user.zhCn} ${row.id}（其 ${column}）使用：请先删除它。`,
        };
      }
    }
  }
  return undefined;
}
