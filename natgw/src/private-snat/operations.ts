import { pageTime } from '../db/lifecycle.js';
import { natError } from '../errors.js';
import { ipv4Block } from '../network/unfit.js';
import { ruleMax, transitIpPoolSizeMax } from '../private-gateways/kind.js';
import type { PrivateGatewayRow } from '../private-gateways/row.js';
import type { Operation, Services } from '../resources/kind.js';
import { type Cidr, formatCidr, overlaps, parseCidr } from '../snat/ip.js';
import {
  bindTransitIps,
  checkOwner,
  lockTransitIps,
  rulesOf,
  unbindTransitIps,
} from '../transit-ips/bindings.js';
import { isUuid } from '../validate.js';
import type { PrivateSnatRow } from './row.js';

/** At most 255 characters, no `<` or `>`. */
const description = { type: 'string', maxLength: 255, pattern: '^[^<>]*$' } as const;
/** The page allows up to 20 ids; a gateway takes `transit_ip_pool_size_max` of them (NAT.1506). */
const transitIpIds = { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', maxLength: 64 } };

/** The pages' example requests; the gateway and transit IP are the caller's own. */
const examples = {
  create: {
    snat_rule: {
      description: 'my_snat_rule01',
      gateway_id: '80da6f26-94eb-4537-97f0-5a56f4d04cfb',
      virsubnet_id: '5b9ea497-727d-4ad0-a99e-3984b3f5aaed',
      transit_ip_ids: ['36a3049a-1682-48b3-b1cf-cb986a3350ef'],
    },
  },
  update: {
    snat_rule: {
      description: 'my_snat_rule_update',
      transit_ip_ids: ['bbe7c2e7-3bad-445b-a067-b30acce66053'],
    },
  },
};

/** The transit IP ids as given, in lower case: UUIDs (NAT.1507), no more than the gateway's pool takes (NAT.1506). */
function checkedTransitIps(ids: readonly string[]): string[] {
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
  for (const id of unique) if (!isUuid(id)) throw natError('NAT.1507');
  if (unique.length > transitIpPoolSizeMax) throw natError('NAT.1506', { 0: transitIpPoolSizeMax });
  return unique;
}

/** Binds a rule's transit IPs to its gateway (bindings.ts): their addresses, in order. */
function bindSnat(
  services: Services,
  tenant: string,
  gateway: PrivateGatewayRow,
  ruleId: string,
  ids: string[],
) {
  return (trx: Parameters<typeof bindTransitIps>[0], now: number) =>
    bindTransitIps(trx, {
      engine: services.database.engine,
      tenant,
      network: services.network(tenant),
      gateway,
      ruleId,
      use: { rule: 'snat' },
      ids,
      now,
    });
}

/**
 * Creates an SNAT rule on an ACTIVE private gateway of the project, ACTIVE at once. The gateway
 * row is locked for the transaction (its deletion and every rule creation on it take the same
 * lock): a source has one rule per gateway (a unique key, NAT.1503 / NAT.1505), a block
 * overlaps no other rule's (NAT.1505) and the gateway holds at most `rule_max` rules
 * (NAT.1207), both counted under that lock; the transit IPs are bound in the same transaction.
 */
export const createPrivateSnat: Operation<
  {
    snat_rule: {
      gateway_id: string;
      cidr?: string | null;
      virsubnet_id?: string | null;
      description?: string;
      transit_ip_ids: string[];
    };
  },
  PrivateSnatRow
> = {
  errors: [
    'NAT.0002',
    'NAT.1501',
    'NAT.1502',
    'NAT.1507',
    'NAT.1506',
    { code: 'NAT.1002', status: 404 },
    'NAT.1003',
    { code: 'NAT.1208', variant: 'create operation' },
    'NAT.0010',
    'NAT.1207',
    'NAT.1303',
    'NAT.1305',
    'NAT.1406',
    'NAT.1503',
    'NAT.1505',
  ],
  body: {
    type: 'object',
    required: ['snat_rule'],
    examples: [examples.create],
    properties: {
      snat_rule: {
        type: 'object',
        required: ['gateway_id', 'transit_ip_ids'],
        properties: {
          gateway_id: { type: 'string', maxLength: 64 },
          cidr: { type: ['string', 'null'], maxLength: 64 },
          virsubnet_id: { type: ['string', 'null'], maxLength: 64 },
          description,
          transit_ip_ids: transitIpIds,
        },
      },
    },
  },
  async handle({ snat_rule: input }, { tenant, store, services }) {
    const cidrText = input.cidr || undefined;
    const subnetText = input.virsubnet_id || undefined;
    if ((cidrText === undefined) === (subnetText === undefined)) throw natError('NAT.1501');
    let cidr: Cidr | undefined;
    if (cidrText !== undefined) {
      cidr = parseCidr(cidrText);
      if (!cidr) throw natError('NAT.1502');
    }
    const ids = checkedTransitIps(input.transit_ip_ids);
    const gatewayId = input.gateway_id.toLowerCase();
    if (!isUuid(gatewayId)) throw natError('NAT.1002', { 0: 'Private nat gateway', 1: input.gateway_id });
    const net = services.network(tenant);
    const subnet = subnetText === undefined ? undefined : net.subnet(subnetText);
    // The source: the cidr, or the subnet's IPv4 block once it is known to be the VPC's.
    let block = cidr;
    let addresses: string[] = [];
    return store.create<PrivateGatewayRow>(tenant, {
      parent: gatewayId,
      async prepare(trx, now, gateway) {
        // A subnet of the gateway's VPC only: one elsewhere or unknown is not found in it.
        if (subnetText !== undefined && subnet?.router_id !== gateway.vpc_id)
          throw natError('NAT.1003', { 0: subnetText, 1: gateway.id });
        if (subnet) block = ipv4Block(subnet);
        if ((await rulesOf(trx, gateway.id)) >= ruleMax)
          throw natError('NAT.1207', { 0: ruleMax }, { variant: 'Add this gateway rule' });
        // Their addresses, which never change while they are assigned (bound after the insert).
        const locked = await lockTransitIps(trx, services.database.engine, tenant, ids, now);
        checkOwner(locked, net, gateway);
        addresses = ids.map((transitIp) => locked.find((row) => row.id === transitIp)?.ip_address ?? '');
      },
      fields: (gateway) => ({
        gateway_id: gateway.id,
        cidr: cidrText ?? '',
        virsubnet_id: subnet?.id ?? '',
        description: input.description ?? '',
        transit_ip_ids: ids.join(','),
        transit_ip_addresses: addresses.join(','),
        enterprise_project_id: gateway.enterprise_project_id,
        source_key: cidr ? `cidr:${formatCidr(cidr)}` : `network:${subnet?.id}`,
        source_block: formatCidr(block as Cidr),
        updated_at: pageTime(services.clock.now()),
      }),
      conflict: () =>
        cidr ? natError('NAT.1505', { 0: cidrText ?? '' }) : natError('NAT.1503', { 0: subnet?.id ?? '' }),
      async written(trx, row, gateway) {
        const others = await trx
          .selectFrom('private_snat_rules')
          .select('source_block')
          .where('gateway_id', '=', gateway.id)
          .where('source_key', 'is not', null)
          .where('id', '<>', row.id)
          .execute();
        for (const other of others) {
          const theirs = parseCidr(other.source_block);
          if (theirs && overlaps(block as Cidr, theirs))
            throw natError('NAT.1505', { 0: cidrText ?? formatCidr(block as Cidr) });
        }
        await bindSnat(services, tenant, gateway, row.id, ids)(trx, services.clock.now());
      },
    });
  },
};

/** The page's `transit_ip_associations`: each id with its address. */
export function associations(ids: readonly string[], addresses: readonly string[]) {
  return ids.map((id, index) => ({ transit_ip_id: id, transit_ip_address: addresses[index] ?? '' }));
}

/**
 * Changes a rule's description or its transit IPs (the new list replaces the old one: the
 * page's example). The transit IPs it stops using and those it starts to are locked together,
 * in sorted order, before either is changed; those no rule uses any more leave the gateway.
 */
export const updatePrivateSnat: Operation<
  { snat_rule: { description?: string; transit_ip_ids?: string[] } },
  PrivateSnatRow
> = {
  errors: [
    'NAT.0002',
    'NAT.1507',
    'NAT.1506',
    { code: 'NAT.1002', status: 404 },
    { code: 'NAT.1208', variant: 'update operation' },
    'NAT.1303',
    'NAT.1305',
    'NAT.1406',
  ],
  body: {
    type: 'object',
    required: ['snat_rule'],
    examples: [examples.update],
    properties: {
      snat_rule: {
        type: 'object',
        properties: { description, transit_ip_ids: transitIpIds },
      },
    },
  },
  async handle({ snat_rule: input }, { tenant, id, store, services }) {
    const ids = input.transit_ip_ids === undefined ? undefined : checkedTransitIps(input.transit_ip_ids);
    const updatedAt = pageTime(services.clock.now());
    const described = input.description === undefined ? {} : { description: input.description };
    let addresses: string[] = [];
    return store.update(tenant, id, {
      async before(trx, rule) {
        if (ids === undefined) return;
        const now = services.clock.now();
        const before = rule.transit_ip_ids.split(',');
        const engine = services.database.engine;
        await lockTransitIps(trx, engine, tenant, [...before, ...ids], now);
        const gateway = await trx
          .selectFrom('private_nat_gateways')
          .selectAll()
          .where('id', '=', rule.gateway_id)
          .executeTakeFirstOrThrow();
        addresses = await bindSnat(services, tenant, gateway, rule.id, ids)(trx, now);
        const dropped = before.filter((old) => !ids.includes(old));
        if (dropped.length > 0) await unbindTransitIps(trx, engine, tenant, rule.id, now, dropped);
      },
      changes: () => ({
        ...described,
        ...(ids === undefined
          ? {}
          : { transit_ip_ids: ids.join(','), transit_ip_addresses: addresses.join(',') }),
        updated_at: updatedAt,
      }),
    });
  },
};
