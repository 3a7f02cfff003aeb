import { privateGateways, rulesOfFrozenGateways } from '../private-gateways/kind.js';
import { anyId, anyOf } from '../resources/filters.js';
import { type Filter, kind } from '../resources/kind.js';
import { unbindTransitIps, usingTransitAddresses, usingTransitIps } from '../transit-ips/bindings.js';
import { listOf, sent, text } from '../validate.js';
import { associations, createPrivateSnat, updatePrivateSnat } from './operations.js';
import { migrations, type PrivateSnatRow } from './row.js';

/** An SNAT rule as the pages show it, in the order of their examples. */
const schema = sent({
  id: text,
  project_id: text,
  description: text,
  gateway_id: text,
  cidr: text,
  virsubnet_id: text,
  transit_ip_associations: listOf(sent({ transit_ip_id: text, transit_ip_address: text })),
  created_at: { type: 'string', examples: ['2019-10-22T03:31:19'] },
  updated_at: { type: 'string', examples: ['2019-10-22T03:31:19'] },
  enterprise_project_id: text,
  status: { type: 'string', enum: ['ACTIVE', 'FROZEN'] },
});

/** The list's filters (the page's), each one value or several (repeated keys). */
const filters: Record<string, Filter> = {
  id: anyId(),
  project_id: anyId('tenant_id'),
  description: anyOf(),
  gateway_id: anyId(),
  cidr: anyOf({ type: 'string', maxLength: 64 }),
  virsubnet_id: anyId(),
  // A rule matches when any of its transit IPs does.
  transit_ip_id: {
    schema: anyId().schema,
    where: (_, ids: string[]) => usingTransitIps(ids.map((id) => id.toLowerCase())),
  },
  transit_ip_address: {
    schema: anyOf({ type: 'string', maxLength: 64 }).schema,
    where: (_, addresses: string[]) => usingTransitAddresses(addresses),
  },
  enterprise_project_id: anyOf({ type: 'string', maxLength: 64 }),
};

/**
 * SNAT rules of private NAT gateways (v3): a subnet of the gateway's VPC or a CIDR block reaches
 * the transit network through transit IPs, which the rule binds to its gateway.
 */
export const privateSnatRules = kind<PrivateSnatRow>(
  'snat_rule',
  { one: 'an SNAT rule of a private NAT gateway', many: 'SNAT rules of private NAT gateways' },
  {
    v3: true,
    path: '/private-nat/snat-rules',
    table: 'private_snat_rules',
    schema,
    // What of the project's network its rows refer to (a new network document keeps them).
    networkUses: { zhCn: '私网 SNAT 规则', columns: { virsubnet_id: 'networks' } },
    view: (shown, row) => ({
      ...shown,
      transit_ip_associations: associations(
        row.transit_ip_ids.split(','),
        row.transit_ip_addresses.split(','),
      ),
    }),
    notFound: { code: 'NAT.1002', values: (id) => ({ 0: 'Snat rule', 1: id }) },
    filters,
    page: {},
    parent: { kind: privateGateways, column: 'gateway_id' },
    // A frozen account's gateways take no rule, and their rules no change.
    account: rulesOfFrozenGateways,
    create: createPrivateSnat,
    update: updatePrivateSnat,
    deletion: {
      errors: [{ code: 'NAT.1208', variant: 'delete operation' }],
      // Its source is free at once, and its transit IPs when no other rule uses them.
      clear: { source_key: null },
      after: (trx, row, { database, clock }) =>
        unbindTransitIps(trx, database.engine, row.tenant_id, row.id, clock.now()),
    },
    migrations,
  },
);
