import type { DnatRuleRow } from '../db/schema.js';
import { natError } from '../errors.js';
import { gateways } from '../gateways/kind.js';
import { lifecycle, owned } from '../resources/fields.js';
import { equal, equals, id } from '../resources/filters.js';
import { type Filter, kind } from '../resources/kind.js';
import { eipDeletion } from '../snat/claims.js';
import { integer, schemas, sent, text } from '../validate.js';
import { createDnatRule, createDnatRules, protocolOf, updateDnatRule } from './operations.js';

/** A rule as the pages show it. */
const schema = sent({
  ...owned,
  nat_gateway_id: text,
  port_id: { type: 'string', description: "The server's port, or '' for a rule on a private IP." },
  private_ip: { type: 'string', description: "The private IP, or '' for a rule on a port." },
  internal_service_port: integer,
  floating_ip_id: text,
  floating_ip_address: text,
  external_service_port: integer,
  protocol: { type: 'string', enum: ['tcp', 'udp', 'any'] },
  description: text,
  ...lifecycle(true),
});

/** The list's own filters. */
const filters: Record<string, Filter> = {
  port_id: id(),
  private_ip: equal({ type: 'string', maxLength: 64 }),
  internal_service_port: equal(schemas.port),
  floating_ip_id: id(),
  floating_ip_address: equal({ type: 'string', maxLength: 64 }),
  external_service_port: equal(schemas.port),
  // `TCP` and `6` find the rules stored as `tcp`; an unknown protocol finds none.
  protocol: {
    schema: { type: 'string', maxLength: 16 },
    where: (column, protocol: string) => equals(column, protocolOf(protocol) ?? protocol),
  },
};

/** DNAT rules of the project's NAT gateways: an EIP and port reach a server inside. */
export const dnatRules = kind<DnatRuleRow>(
  'dnat_rule',
  { one: 'a DNAT rule', many: 'DNAT rules' },
  {
    schema,
    // What of the project's network its rows refer to (a new network document keeps them).
    networkUses: { zhCn: 'DNAT 规则', columns: { port_id: 'ports', floating_ip_id: 'floating_ips' } },
    notFound: { code: 'NAT.0319' },
    filters,
    page: {
      limit: ['NAT.0301', 'get dnatRules error limit is invalid.'],
      marker: ['NAT.0301', 'get dnatrules error marker is invalid.'],
    },
    parent: { kind: gateways, column: 'nat_gateway_id', nestedDeletion: ['huawei'] },
    create: createDnatRule,
    update: updateDnatRule,
    batch: createDnatRules,
    // A frozen account's rules take no change.
    account: { update: (state) => (state === 'frozen' ? natError('NAT.0318') : undefined) },
    // Its mappings are free at once, and so is its EIP when no other live DNAT rule uses it.
    deletion: eipDeletion<DnatRuleRow>((rule) => [rule.floating_ip_id], {
      external_key: null,
      internal_key: null,
    }),
  },
);
