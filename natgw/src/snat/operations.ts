import type { NatGatewayRow, SnatRuleRow } from '../db/schema.js';
import { natError } from '../errors.js';
import type { Operation } from '../resources/kind.js';
import { checkLengths, given, optionalText, schemas, uuid } from '../validate.js';
import { claimEips } from './claims.js';
import { type Cidr, formatCidr, overlaps, parseCidr, within } from './ip.js';

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
    { code: 'NAT.0105', status: 404 },
    'NAT.0103',
    'NAT.0008',
    'NAT.0205',
    'NAT.0206',
    'NAT.0207',
    'NAT.0208',
    'NAT.0404',
    'NAT.0405',
    'NAT.0409',
    'NAT.0106',
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
    const floatingIpAddresses = floatingIpIds.map((id) => {
      const fip = net.floatingIp(id);
      if (!fip) throw natError('NAT.0026', id);
      return fip.address;
    });
    const block = cidr ?? (parseCidr(subnet?.cidr ?? '') as Cidr);

    return store.create<NatGatewayRow>(tenant, {
      parent: gatewayId,
      prepare(_trx, _now, gateway) {
        // The source must be in the gateway's VPC (source_type 0), or outside its subnets (1).
        const subnets = net.network.networks.filter((s) => s.router_id === gateway.router_id);
        if (subnet && subnet.router_id !== gateway.router_id)
          throw natError('NAT.0008', { router: gateway.router_id, subnet: networkId });
        if (cidr && sourceType === 0 && !subnets.some((s) => within(cidr, parseCidr(s.cidr) as Cidr)))
          throw natError('NAT.0205');
        if (cidr && sourceType === 1 && subnets.some((s) => overlaps(cidr, parseCidr(s.cidr) as Cidr)))
          throw natError('NAT.0206');
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
      },
    });
  },
};
