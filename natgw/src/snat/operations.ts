import { isIPv6 } from 'node:net';
import type { NatGatewayRow, SnatRuleRow } from '../db/schema.js';
import { natError } from '../errors.js';
import { checkEip, ipv4Block } from '../network/unfit.js';
import type { Operation } from '../resources/kind.js';
import { checkLengths, given, optionalText, schemas, uuid } from '../validate.js';
import { claimEips, lockEips, releaseEips } from './claims.js';
import { type Cidr, formatCidr, overlaps, parseCidr, parseIpv4, within } from './ip.js';

/** The page's example request (a subnet of the VPC); the NAT gateway is the caller's own. */
const example = {
  snat_rule: {
    nat_gateway_id: 'a78fb3eb-1654-4710-8742-3fc49d5f04f8',
    description: 'description',
    network_id: 'eaad9cd6-2372-4be1-9535-9bd37210ae7b',
    source_type: 0,
    floating_ip_id: 'bdc10a4c-d81a-41ec-adf7-de857f7c812a',
  },
};

/** The errors of claiming a rule's EIPs (claims.ts): another gateway's, another project's, a DNAT all-port rule's. */
const claimErrors = ['NAT.0404', 'NAT.0405', 'NAT.0409', 'NAT.0106'] as const;

/**
 * Creates a rule on an ACTIVE gateway of the project, PENDING_CREATE for the provisioning delay.
 * The gateway row is locked for the transaction (gateway deletion and every rule creation on it
 * take the same lock): a network has one rule per gateway (constraint, NAT.0208), and a block
 * overlaps no other rule's (NAT.0207, checked under the lock); the EIPs are claimed in the same
 * transaction.
 */
export const createSnatRule: Operation<
  {
    snat_rule: {
      nat_gateway_id: string;
      network_id?: string | null;
      cidr?: string | null;
      source_type?: number;
      floating_ip_id: string;
      description?: string;
    };
  },
  SnatRuleRow
> = {
  errors: [
    'NAT.0014',
    'NAT.0021',
    'NAT.0204',
    'NAT.0022',
    'NAT.0202',
    'NAT.0203',
    'NAT.0211',
    'NAT.0210',
    'NAT.0403',
    'NAT.0005',
    'NAT.0026',
    'NAT.0010',
    'NAT.0109',
    'NAT.0401',
    'NAT.0402',
    { code: 'NAT.0105', status: 404 },
    'NAT.0103',
    'NAT.0008',
    'NAT.0205',
    'NAT.0206',
    'NAT.0207',
    'NAT.0208',
    ...claimErrors,
    'NAT.0212',
  ],
  body: {
    type: 'object',
    required: ['snat_rule'],
    examples: [example],
    properties: {
      snat_rule: {
        type: 'object',
        required: ['nat_gateway_id', 'floating_ip_id'],
        properties: {
          nat_gateway_id: schemas.id,
          // A subnet id, or nothing (null or empty): a malformed one is a bad parameter.
          network_id: { ...optionalText(64), pattern: `^$|${schemas.uuidPattern}` },
          cidr: optionalText(64),
          source_type: { type: 'integer', enum: [0, 1] },
          floating_ip_id: { type: 'string', maxLength: 4096 },
          description: schemas.description,
        },
      },
    },
  },
  async handle({ snat_rule: input }, { tenant, store, services }) {
    checkLengths(input);
    const gatewayId = uuid(input.nat_gateway_id, 'NAT.0021');
    const sourceType = input.source_type ?? 0;
    const networkText = given(input.network_id);
    const cidrText = given(input.cidr);
    if (sourceType === 1 && networkText !== undefined) throw natError('NAT.0204');
    if (networkText !== undefined && cidrText !== undefined) throw natError('NAT.0022');
    if (networkText === undefined && cidrText === undefined) throw natError('NAT.0202');

    let cidr: Cidr | undefined;
    if (cidrText !== undefined) {
      cidr = parseCidr(cidrText);
      if (!cidr) throw natError('NAT.0203');
    }
    const net = services.network(tenant);
    const networkId = networkText?.toLowerCase() ?? '';

    const floatingIpIds = input.floating_ip_id.split(',').map((id) => id.trim());
    const maxEips = services.limits.snatRulePublicIps;
    if (floatingIpIds.length > maxEips) throw natError('NAT.0211', { limit: maxEips });
    for (const [index, id] of floatingIpIds.entries()) floatingIpIds[index] = uuid(id, 'NAT.0210');
    const duplicates = floatingIpIds.filter((id, index) => floatingIpIds.indexOf(id) !== index);
    if (duplicates.length > 0) throw natError('NAT.0403', { fips: [...new Set(duplicates)].join(',') });

    const subnet = networkId ? net.subnet(networkId) : undefined;
    if (networkId && !subnet) throw natError('NAT.0005', { network_id: networkId });
    const fips = floatingIpIds.map((id) => {
      const fip = net.floatingIp(id);
      if (!fip) throw natError('NAT.0026', id);
      return fip;
    });
    // What exists, then whether NAT takes it: the network's IPv4 block (the source when no cidr
    // is given: exactly one is, NAT.0022 and NAT.0202) and the EIPs.
    const block = subnet ? ipv4Block(subnet) : (cidr as Cidr);
    fips.forEach(checkEip);
    const floatingIpAddresses = fips.map((fip) => fip.address);

    return store.create<NatGatewayRow>(tenant, {
      parent: gatewayId,
      prepare(_trx, _now, gateway) {
        // The source must be in the gateway's VPC (source_type 0), or outside its subnets (1):
        // their IPv4 blocks, as an IPv6 network holds no source of an SNAT rule.
        const blocks = net.network.networks
          .filter((s) => s.router_id === gateway.router_id)
          .flatMap((s) => parseCidr(s.cidr) ?? []);
        if (subnet && subnet.router_id !== gateway.router_id)
          throw natError('NAT.0008', { router: gateway.router_id, subnet: networkId });
        if (cidr && sourceType === 0 && !blocks.some((b) => within(cidr, b))) throw natError('NAT.0205');
        if (cidr && sourceType === 1 && blocks.some((b) => overlaps(cidr, b))) throw natError('NAT.0206');
      },
      fields: (gateway) => ({
        nat_gateway_id: gateway.id,
        network_id: networkId,
        cidr: cidrText ?? '',
        source_type: sourceType,
        floating_ip_id: floatingIpIds.join(','),
        floating_ip_address: floatingIpAddresses.join(','),
        description: input.description ?? '',
        admin_state_up: 1,
        // One rule per source on a gateway, and the block it translates, for overlaps.
        source_key: cidr ? `cidr:${formatCidr(cidr)}` : `network:${networkId}`,
        source_block: formatCidr(block),
      }),
      conflict: () => (networkId ? natError('NAT.0208', { network: networkId }) : natError('NAT.0207')),
      async written(trx, row, gateway) {
        const others = await trx
          .selectFrom('snat_rules')
          .select(['source_block', 'cidr'])
          .where('nat_gateway_id', '=', gateway.id)
          .where('source_key', 'is not', null)
          .where('id', '<>', row.id)
          .execute();
        for (const other of others) {
          const theirs = parseCidr(other.source_block ?? other.cidr);
          if (theirs && overlaps(block, theirs)) throw natError('NAT.0207');
        }
        await claimEips(trx, services.database.engine, {
          tenant,
          gatewayId: gateway.id,
          use: 'snat',
          ruleId: row.id,
          floatingIpIds,
        });
        // The EIPs are associated with the rule once claimed.
        services.backends.call('eip-associate', { rule: row.id, fip: floatingIpIds[0] ?? '' });
      },
    });
  },
};

/**
 * Changes a rule (Huawei Cloud's page): its description, its EIPs by address
 * (`public_ip_address`, comma-separated, checked as a new rule's ids are), or both. The rule and
 * its gateway, which the request names (a rule of another gateway is not found), must be ACTIVE;
 * the new EIPs are claimed, and those the rule no longer uses are released when no rule does.
 */
export const updateSnatRule: Operation<
  { snat_rule: { nat_gateway_id: string; public_ip_address?: string; description?: string } },
  SnatRuleRow
> = {
  forms: ['huawei'],
  errors: [
    'NAT.0209',
    'NAT.0014',
    'NAT.0021',
    { code: 'NAT.0201', variant: 'Request is null.' },
    'NAT.0211',
    { code: 'NAT.0210', variant: 'Invalid value for public ip id.' },
    'NAT.0403',
    'NAT.0026',
    'NAT.0109',
    'NAT.0401',
    'NAT.0402',
    { code: 'NAT.0105', status: 404 },
    'NAT.0103',
    ...claimErrors,
  ],
  body: {
    type: 'object',
    required: ['snat_rule'],
    examples: [
      {
        snat_rule: {
          nat_gateway_id: 'a78fb3eb-1654-4710-8742-3fc49d5f04f8',
          description: 'my snat rule 01',
          public_ip_address: '5.21.11.226,5.21.11.227',
        },
      },
    ],
    properties: {
      snat_rule: {
        type: 'object',
        required: ['nat_gateway_id'],
        properties: {
          nat_gateway_id: schemas.id,
          public_ip_address: { type: 'string', maxLength: 1024 },
          description: schemas.description,
        },
      },
    },
  },
  async handle({ snat_rule: input }, { tenant, id, store, services }) {
    checkLengths(input);
    const gatewayId = uuid(input.nat_gateway_id, 'NAT.0021');
    if (input.public_ip_address === undefined && input.description === undefined)
      throw natError('NAT.0201', {}, { variant: 'Request is null.' });
    const description = input.description === undefined ? {} : { description: input.description };
    if (input.public_ip_address === undefined)
      return store.update(tenant, id, { parent: gatewayId, changes: () => description });

    const addresses = input.public_ip_address.split(',').map((address) => address.trim());
    const maxEips = services.limits.snatRulePublicIps;
    if (addresses.length > maxEips) throw natError('NAT.0211', { limit: maxEips });
    // An IPv6 address is well formed: the EIP it names is refused as IPv6 (NAT.0109), once found.
    for (const address of addresses)
      if (parseIpv4(address) === undefined && !isIPv6(address))
        throw natError('NAT.0210', {}, { variant: 'Invalid value for public ip id.' });
    const duplicates = addresses.filter((address, index) => addresses.indexOf(address) !== index);
    if (duplicates.length > 0) throw natError('NAT.0403', { fips: [...new Set(duplicates)].join(',') });
    const eips = services.network(tenant).network.floating_ips;
    const found = addresses.map((address) => {
      const fip = eips.find((eip) => eip.address === address);
      if (!fip) throw natError('NAT.0026', address);
      return fip;
    });
    found.forEach(checkEip);
    const floatingIpIds = found.map((fip) => fip.id);

    let before: string[] = [];
    return store.update<NatGatewayRow>(tenant, id, {
      parent: gatewayId,
      async before(trx, rule) {
        before = rule.floating_ip_id.split(',');
        // The claims first, as a deletion takes them: see `eipDeletion`.
        await lockEips(trx, services.database.engine, before);
      },
      changes: () => ({
        floating_ip_id: floatingIpIds.join(','),
        floating_ip_address: addresses.join(','),
        ...description,
      }),
      async written(trx, rule, gateway) {
        await claimEips(trx, services.database.engine, {
          tenant,
          gatewayId: gateway.id,
          use: 'snat',
          ruleId: rule.id,
          floatingIpIds,
        });
        await releaseEips(
          trx,
          before.filter((fip) => !floatingIpIds.includes(fip)),
        );
      },
    });
  },
};
