import type { NatGatewayRow } from '../db/schema.js';
import { natError } from '../errors.js';
import { releaseAddress } from '../network/claims.js';
import { lifecycle, owned } from '../resources/fields.js';
import { equal, id } from '../resources/filters.js';
import { type Filter, kind } from '../resources/kind.js';
import { integer, listOf, sent, text } from '../validate.js';
import { createGateway, specs, updateGateway } from './operations.js';

/** A NAT gateway as the pages show it. */
const schema = sent({
  ...owned,
  name: text,
  description: text,
  spec: {
    type: 'string',
    enum: specs,
    description: '0 micro, 1 small, 2 medium, 3 large, 4 extra-large.',
  },
  router_id: text,
  internal_network_id: text,
  ...lifecycle(true, { type: 'string', examples: ['2017-11-18 07:34:32.203044'] }),
  billinginfo: text,
  freeze_info: text,
  sys_tags: listOf(text),
  snat_rule_public_ip_limit: integer,
  dnat_rules_limit: integer,
});

/** The list's own filters. */
const filters: Record<string, Filter> = {
  name: equal({ type: 'string', maxLength: 64 }),
  spec: equal({ type: 'string', maxLength: 8 }),
  router_id: id(),
  internal_network_id: id(),
};

/** NAT gateways (the v2.0 pages' public NAT gateways), with their tags. */
export const gateways = kind<NatGatewayRow>(
  'nat_gateway',
  { one: 'a NAT gateway', many: 'NAT gateways' },
  {
    schema,
    // What of the project's network its rows refer to (a new network document keeps them).
    networkUses: { zhCn: 'NAT 网关', columns: { router_id: 'routers', internal_network_id: 'networks' } },
    // Huawei Cloud's form shows the gateway's enterprise project, its address in its network
    // and its billing (none: pay per use), as Huawei Cloud's SDK reads a gateway.
    formFields: { huawei: { enterprise_project_id: text, ngport_ip_address: text, billing_info: text } },
    view: (shown, row, { limits }) => ({
      ...shown,
      billing_info: '',
      billinginfo: '',
      freeze_info: '',
      sys_tags: [`_sys_enterprise_project_id=${row.enterprise_project_id}`],
      snat_rule_public_ip_limit: limits.snatRulePublicIps,
      dnat_rules_limit: limits.dnatRulesPerGateway,
    }),
    badId: 'NAT.0021',
    // 400 when deleting (the delete page), 404 otherwise.
    notFound: { code: 'NAT.0105', status: 404, deleting: 400, values: (id) => ({ nat_gateway_id: id }) },
    notActive: (row) => natError('NAT.0103', { nat_gateway_id: row.id }),
    // The creation page's example answers PENDING_CREATE; the update page's, ACTIVE.
    answers: { create: 'PENDING_CREATE' },
    inUse: () => natError('NAT.0006'),
    filters,
    page: {
      limit: ['NAT.0101', 'get natgateways error limit is invalid.'],
      marker: ['NAT.0101', 'get natgateways error marker is invalid.'],
    },
    create: createGateway,
    update: updateGateway,
    // A frozen account's gateways take no change (the page's "…is frozen.can not update.").
    account: {
      update: (state, row) =>
        state === 'frozen'
          ? natError('NAT.0104', { nat_gateway_id: row.id }, { variant: 'is frozen' })
          : undefined,
    },
    // Its address in its network is free at once.
    deletion: {
      errors: ['NAT.0103', 'NAT.0006'],
      after: (trx, row) => releaseAddress(trx, row.tenant_id, row.id),
    },
    tags: { table: 'tags', column: 'nat_gateway_id', forms: ['otcTags', 'huaweiTags'] },
    migrations: {
      // A gateway's address in its internal network (its NG port), held in `subnet_addresses`.
      '020-nat-gateway-ports': {
        async up(db) {
          await db.schema
            .alterTable('nat_gateways')
            .addColumn('ngport_ip_address', 'text', (c) => c.notNull().defaultTo(''))
            .execute();
        },
      },
    },
  },
);
