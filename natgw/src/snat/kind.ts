import type { SnatRuleRow } from '../db/schema.js';
import { gateways } from '../gateways/kind.js';
import { lifecycle, owned } from '../resources/fields.js';
import { equal, equals, id } from '../resources/filters.js';
import { type Filter, kind } from '../resources/kind.js';
import { isUuid, schemas, text } from '../validate.js';
import { eipDeletion, listContains } from './claims.js';
import { createSnatRule, updateSnatRule } from './operations.js';

/** The list's own filters. */
const filters: Record<string, Filter> = {
  network_id: id(),
  cidr: equal({ type: 'string', maxLength: 64 }),
  source_type: equal(schemas.sourceType),
  // One EIP finds the rules whose list holds it; a list finds the rules with that list.
  floating_ip_id: {
    schema: { type: 'string', maxLength: 4096 },
    where: (column, value: string) => {
      const ids = value.toLowerCase();
      return isUuid(ids) ? listContains('floating_ip_id', ids) : equals(column, ids);
    },
  },
  floating_ip_address: {
    schema: { type: 'string', maxLength: 1024 },
    where: (column, address: string) =>
      /^[0-9.]+$/.test(address) ? listContains('floating_ip_address', address) : equals(column, address),
  },
};

/** A rule as the pages show it: it has a subnet or a CIDR block, the other left out. */
const schema = {
  type: 'object' as const,
  required: [
    'id',
    'tenant_id',
    'nat_gateway_id',
    'source_type',
    'floating_ip_id',
    'floating_ip_address',
    'freezed_ip_address',
    'description',
    'status',
    'admin_state_up',
    'created_at',
  ],
  properties: {
    ...owned,
    nat_gateway_id: text,
    network_id: { type: 'string', description: 'The subnet; left out for a rule on a CIDR block.' },
    cidr: { type: 'string', description: 'The CIDR block; left out for a rule on a subnet.' },
    source_type: {
      type: 'integer',
      enum: [0, 1],
      description: '0: in the VPC; 1: Direct Connect or Cloud Connect.',
    },
    floating_ip_id: { type: 'string', description: 'EIP ids, comma-separated.' },
    floating_ip_address: { type: 'string', description: 'EIP addresses, comma-separated.' },
    freezed_ip_address: text,
    description: text,
    ...lifecycle(true),
  },
};

/** SNAT rules of the project's NAT gateways: a subnet or CIDR block reaches out through EIPs. */
export const snatRules = kind<SnatRuleRow>(
  'snat_rule',
  { one: 'an SNAT rule', many: 'SNAT rules' },
  {
    schema,
    // What of the project's network its rows refer to (a new network document keeps them).
    networkUses: { zhCn: 'SNAT 规则', columns: { network_id: 'networks', floating_ip_id: 'floating_ips' } },
    // An empty `network_id` or `cidr` is left out (api_overview: null fields are not returned).
    view: ({ network_id, cidr, ...rest }) => ({
      ...rest,
      ...(network_id === '' ? {} : { network_id }),
      ...(cidr === '' ? {} : { cidr }),
      freezed_ip_address: '',
    }),
    notFound: { code: 'NAT.0209' },
    // Both pages' examples answer a creation and an update (Huawei Cloud's) while they are under way.
    answers: { create: 'PENDING_CREATE', update: 'PENDING_UPDATE' },
    filters,
    page: { marker: ['NAT.0201', 'Query SnatRules list error marker is invalid.'] },
    parent: { kind: gateways, column: 'nat_gateway_id', nestedDeletion: ['huawei'] },
    create: createSnatRule,
    update: updateSnatRule,
    // Its source and its EIPs are free at once.
    deletion: eipDeletion<SnatRuleRow>((rule) => rule.floating_ip_id.split(','), { source_key: null }),
  },
);
