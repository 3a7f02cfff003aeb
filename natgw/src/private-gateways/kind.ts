import { type SqlBool, sql } from 'kysely';
import type { AccountState } from '../admin/accounts.js';
import { derivedPortId } from '../backends.js';
import { statusSql } from '../db/lifecycle.js';
import { natError } from '../errors.js';
import { claimMigrations, releaseAddress } from '../network/claims.js';
import { anyId, anyOf } from '../resources/filters.js';
import { type AccountRules, type Filter, kind } from '../resources/kind.js';
import { integer, listOf, text } from '../validate.js';
import { createPrivateGateway, specs, updatePrivateGateway } from './operations.js';
import { migrations, type PrivateGatewayRow } from './row.js';

/** The most rules and transit IPs of a gateway: every example shows 20 and 1, whatever its spec. */
export const ruleMax = 20;
export const transitIpPoolSizeMax = 1;

/**
 * A frozen account's private gateways take no change, nor do their rules: the page's NAT.1208
 * naming the gateway and the operation refused.
 */
export function frozenGateway(
  state: AccountState,
  gatewayId: string,
  operation: 'create' | 'update' | 'delete',
) {
  return state === 'frozen'
    ? natError('NAT.1208', { 0: gatewayId }, { variant: `${operation} operation` })
    : undefined;
}

/** What a frozen account refuses of a private gateway's rules (SNAT and DNAT alike), by their gateway. */
export const rulesOfFrozenGateways: AccountRules<{ gateway_id: string }> = {
  create: (state, gateway) => frozenGateway(state, gateway?.id ?? '', 'create'),
  update: (state, row) => frozenGateway(state, row.gateway_id, 'update'),
  delete: (state, row) => frozenGateway(state, row.gateway_id, 'delete'),
};

/** A private NAT gateway as the pages show it, in the order of their examples. */
const schema = {
  type: 'object' as const,
  required: [
    'id',
    'name',
    'description',
    'spec',
    'project_id',
    'enterprise_project_id',
    'status',
    'created_at',
    'updated_at',
    'tags',
    'downlink_vpcs',
    'transit_ip_pool_size_max',
    'rule_max',
  ],
  properties: {
    id: text,
    name: text,
    description: text,
    spec: { type: 'string', enum: specs },
    project_id: text,
    enterprise_project_id: text,
    status: { type: 'string', enum: ['ACTIVE', 'FROZEN'] },
    created_at: { type: 'string', examples: ['2019-04-22T08:47:13'] },
    updated_at: { type: 'string', examples: ['2019-04-22T08:47:13'] },
    tags: listOf({ type: 'object', required: ['key', 'value'], properties: { key: text, value: text } }),
    downlink_vpcs: listOf({
      type: 'object',
      required: ['vpc_id', 'virsubnet_id', 'ngport_ip_address'],
      properties: { vpc_id: text, virsubnet_id: text, ngport_ip_address: text },
    }),
    transit_ip_pool_size_max: integer,
    rule_max: integer,
  },
};

/** The list's filters: each an array of strings, as the page has them. */
const filters: Record<string, Filter> = {
  id: anyId(),
  name: anyOf({ type: 'string', maxLength: 64 }),
  description: anyOf(),
  spec: anyOf({ type: 'string', maxLength: 16 }),
  project_id: anyId('tenant_id'),
  status: {
    schema: anyOf({ type: 'string', maxLength: 16 }).schema,
    where: (_, values: string[], now) => sql<SqlBool>`${statusSql(now)} in (${sql.join(values)})`,
  },
  vpc_id: anyId(),
  virsubnet_id: anyId(),
  enterprise_project_id: anyId(),
};

/**
 * Private NAT gateways (the v3 pages, under `/v3/{project_id}/private-nat/gateways`): a gateway
 * serving one subnet of a VPC, ACTIVE from its creation. Their SNAT and DNAT rules are kinds
 * with this one as their parent, so that it cannot be deleted while it has any (NAT.1202).
 */
export const privateGateways = kind<PrivateGatewayRow>(
  'gateway',
  { one: 'a private NAT gateway', many: 'private NAT gateways' },
  {
    v3: true,
    path: '/private-nat/gateways',
    table: 'private_nat_gateways',
    schema,
    // What of the project's network its rows refer to (a new network document keeps them).
    networkUses: { zhCn: '私网 NAT 网关', columns: { vpc_id: 'routers', virsubnet_id: 'networks' } },
    view: (shown, row) => ({
      ...shown,
      downlink_vpcs: [
        { vpc_id: row.vpc_id, virsubnet_id: row.virsubnet_id, ngport_ip_address: row.ngport_ip_address },
      ],
      transit_ip_pool_size_max: transitIpPoolSizeMax,
      rule_max: ruleMax,
    }),
    notFound: { code: 'NAT.1002', values: (id) => ({ 0: 'Private nat gateway', 1: id }) },
    inUse: (row) => natError('NAT.1202', { 0: row.id }),
    filters,
    page: {},
    create: createPrivateGateway,
    update: updatePrivateGateway,
    // A restricted or suspended account makes none (NAT.1022, NAT.1023); a frozen one changes none.
    account: {
      create: (state) =>
        state === 'restricted'
          ? natError('NAT.1022')
          : state === 'suspended'
            ? natError('NAT.1023')
            : undefined,
      update: (state, row) => frozenGateway(state, row.id, 'update'),
      delete: (state, row) => frozenGateway(state, row.id, 'delete'),
    },
    // Its address in the subnet is free at once, and the port that held it is deleted.
    deletion: {
      errors: ['NAT.1202', { code: 'NAT.1208', variant: 'delete operation' }, 'NAT.1005'],
      clear: { ngport_key: null },
      after: async (trx, row, { backends }) => {
        await releaseAddress(trx, row.tenant_id, row.id);
        backends.call('port-delete', derivedPortId(row.id));
      },
    },
    // Under /v3/{project_id}/private-nat-gateways (not under private-nat/), named by `resource_id`.
    tags: {
      table: 'private_nat_gateway_tags',
      column: 'gateway_id',
      forms: ['huaweiTags'],
      path: '/private-nat-gateways',
      param: 'resource_id',
    },
    migrations: { ...migrations, ...claimMigrations },
  },
);
