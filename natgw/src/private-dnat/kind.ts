import { privateGateways, rulesOfFrozenGateways } from '../private-gateways/kind.js';
import { anyId, anyOf } from '../resources/filters.js';
import { type Filter, kind } from '../resources/kind.js';
import { unbindTransitIps, usingTransitAddresses } from '../transit-ips/bindings.js';
import { sent, text } from '../validate.js';
import { createPrivateDnat, protocolOf, updatePrivateDnat } from './operations.js';
import { migrations, type PrivateDnatRow } from './row.js';

/** A DNAT rule as the pages show it, in the order of their examples. */
const schema = sent({
  id: text,
  project_id: text,
  description: text,
  gateway_id: text,
  transit_ip_id: text,
  enterprise_project_id: text,
  network_interface_id: text,
  type: { type: 'string', enum: ['COMPUTE', 'VIP', 'ELB', 'ELBv3', 'CUSTOMIZE'] },
  protocol: { type: 'string', enum: ['tcp', 'udp', 'any'] },
  internal_service_port: { type: 'string', examples: ['0'] },
  transit_service_port: { type: 'string', examples: ['0'] },
  private_ip_address: text,
  created_at: { type: 'string', examples: ['2019-04-29T07:10:01'] },
  updated_at: { type: 'string', examples: ['2019-04-29T07:10:01'] },
  status: { type: 'string', enum: ['ACTIVE', 'FROZEN'] },
});

const port = { type: 'string', maxLength: 5 } as const;

/** The list's filters (the page's), each one value or several (repeated keys). */
const filters: Record<string, Filter> = {
  id: anyId(),
  project_id: anyId('tenant_id'),
  enterprise_project_id: anyOf({ type: 'string', maxLength: 64 }),
  description: anyOf(),
  gateway_id: anyId(),
  transit_ip_id: anyId(),
  // The address of the rule's transit IP, which the rule does not show.
  external_ip_address: {
    schema: anyOf({ type: 'string', maxLength: 64 }).schema,
    where: (_, addresses: string[]) => usingTransitAddresses(addresses),
  },
  network_interface_id: anyId(),
  type: anyOf({ type: 'string', maxLength: 16 }),
  private_ip_address: anyOf({ type: 'string', maxLength: 64 }),
  // `TCP`, `tcp` and `6` find the rules stored as `tcp`.
  protocol: anyOf({ type: 'string', maxLength: 8 }, { normalize: (value) => protocolOf(value) ?? value }),
  internal_service_port: anyOf(port, { normalize: (value) => String(Number(value)) }),
  transit_service_port: anyOf(port, { normalize: (value) => String(Number(value)) }),
};

/**
 * DNAT rules of private NAT gateways (v3): traffic to a transit IP's port reaches a backend of
 * the gateway's VPC; the rule binds its transit IP to its gateway.
 */
export const privateDnatRules = kind<PrivateDnatRow>(
  'dnat_rule',
  { one: 'a DNAT rule of a private NAT gateway', many: 'DNAT rules of private NAT gateways' },
  {
    v3: true,
    path: '/private-nat/dnat-rules',
    table: 'private_dnat_rules',
    schema,
    // What of the project's network its rows refer to (a new network document keeps them).
    networkUses: { zhCn: '私网 DNAT 规则', columns: { network_interface_id: 'ports' } },
    notFound: { code: 'NAT.1002', values: (id) => ({ 0: 'Dnat rule', 1: id }) },
    filters,
    page: {},
    parent: { kind: privateGateways, column: 'gateway_id' },
    // A frozen account's gateways take no rule, and their rules no change.
    account: rulesOfFrozenGateways,
    create: createPrivateDnat,
    update: updatePrivateDnat,
    deletion: {
      errors: [{ code: 'NAT.1208', variant: 'delete operation' }],
      // Its traffic is free at once, and its transit IP when no other rule uses it.
      clear: { transit_key: null, internal_key: null },
      after: (trx, row, { database, clock }) =>
        unbindTransitIps(trx, database.engine, row.tenant_id, row.id, clock.now()),
    },
    migrations,
  },
);
