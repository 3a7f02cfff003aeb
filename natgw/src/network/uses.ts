import type { Kysely } from 'kysely';
import { alive } from '../db/lifecycle.js';
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

/**
 * The resources that refer to the network, by table: the columns holding an item's id (a
 * comma-separated list for an SNAT rule's EIPs) and which list the item is in.
 */
const users: { table: string; en: string; zhCn: string; columns: Record<string, List> }[] = [
  {
    table: 'nat_gateways',
    en: 'NAT gateway',
    zhCn: 'NAT 网关',
    columns: { router_id: 'routers', internal_network_id: 'networks' },
  },
  {
    table: 'snat_rules',
    en: 'SNAT rule',
    zhCn: 'SNAT 规则',
    columns: { network_id: 'networks', floating_ip_id: 'floating_ips' },
  },
  {
    table: 'dnat_rules',
    en: 'DNAT rule',
    zhCn: 'DNAT 规则',
    columns: { port_id: 'ports', floating_ip_id: 'floating_ips' },
  },
  {
    table: 'private_nat_gateways',
    en: 'private NAT gateway',
    zhCn: '私网 NAT 网关',
    columns: { vpc_id: 'routers', virsubnet_id: 'networks' },
  },
  {
    table: 'private_snat_rules',
    en: 'private SNAT rule',
    zhCn: '私网 SNAT 规则',
    columns: { virsubnet_id: 'networks' },
  },
  {
    table: 'private_dnat_rules',
    en: 'private DNAT rule',
    zhCn: '私网 DNAT 规则',
    columns: { network_interface_id: 'ports' },
  },
  { table: 'transit_ips', en: 'transit IP', zhCn: '中转 IP', columns: { virsubnet_id: 'networks' } },
];

/** A resource that still uses an item the new document leaves out, in English and Chinese. */
export interface Use {
  en: string;
  zhCn: string;
}

/**
 * The first resource of the project, alive at `now`, that uses an item of `before` which
 * `after` no longer has (a router or network of a gateway, a network of an SNAT rule or a
 * transit IP, a port of a DNAT rule, an EIP of a rule…), or undefined.
 */
export async function firstUse(
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
  for (const user of users) {
    const found = await rows
      .selectFrom(user.table)
      .select(['id', ...Object.keys(user.columns)])
      .where('tenant_id', '=', tenant)
      .where(alive(now))
      .orderBy('id')
      .execute();
    for (const row of found) {
      for (const [column, list] of Object.entries(user.columns)) {
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
