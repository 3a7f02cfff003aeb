import { randomUUID } from 'node:crypto';
import type { TransitIpRow } from '../db/schema.js';
import { natError } from '../errors.js';
import { assignable } from '../network/addresses.js';
import { AddressClaim, withAddress } from '../network/claims.js';
import { ipv4Block } from '../network/unfit.js';
import type { Operation } from '../resources/kind.js';
import { legalTags } from '../tags/routes.js';
import { TagStore } from '../tags/store.js';
import { given, schemas } from '../validate.js';

/** The page's example request (the demo project's transit subnet). */
const example = {
  transit_ip: {
    virsubnet_id: '2759da7b-8015-404c-ae0a-a389007b0e2a',
    enterprise_project_id: '2759da7b-8015-404c-ae0a-a389007b0e2a',
    ip_address: '192.168.1.68',
    tags: [{ key: 'key1', value: 'value1' }],
  },
};

/**
 * Assigns a transit IP address from a subnet of the project: the one asked for, or the lowest
 * usable one free. The database decides between concurrent assignments and gateways' creations:
 * an address of a subnet is claimed by one transit IP or gateway at a time (network/claims.ts),
 * so of two taking one address one gets NAT.1403, and an allocation that loses the race takes
 * the next free address.
 */
export const assignTransitIp: Operation<
  {
    transit_ip: {
      virsubnet_id: string;
      ip_address?: string | null;
      enterprise_project_id?: string | null;
      tags?: { key?: string; value?: string }[];
    };
  },
  TransitIpRow
> = {
  errors: [
    'NAT.0002',
    'NAT.1015',
    'NAT.1016',
    { code: 'NAT.1002', status: 404 },
    'NAT.0010',
    'NAT.1405',
    'NAT.1404',
    'NAT.1403',
    'NAT.1004',
  ],
  body: {
    type: 'object',
    required: ['transit_ip'],
    examples: [example],
    properties: {
      transit_ip: {
        type: 'object',
        required: ['virsubnet_id'],
        properties: {
          virsubnet_id: { type: 'string', pattern: schemas.uuidPattern },
          ip_address: { type: ['string', 'null'], maxLength: 64 },
          enterprise_project_id: { type: ['string', 'null'], maxLength: 64 },
          tags: {
            type: 'array',
            items: { type: 'object', properties: { key: { type: 'string' }, value: { type: 'string' } } },
          },
        },
      },
    },
  },
  async handle({ transit_ip: input }, { tenant, store, services }) {
    const tags = legalTags(store.kind, input.tags ?? [], 'transit_ip.tags');
    const net = services.network(tenant);
    const subnet = net.subnet(input.virsubnet_id);
    if (!subnet) throw natError('NAT.1002', { 0: 'VirSubnet', 1: input.virsubnet_id.toLowerCase() });
    ipv4Block(subnet);
    const requested = given(input.ip_address);
    const address = requested === undefined ? undefined : assignable(subnet.cidr, requested);
    if (requested !== undefined && address === undefined) throw natError('NAT.1405', requested);
    return withAddress(
      () => new AddressClaim(services, tenant, subnet, 'transit_ip', address),
      (claim) => {
        if (address !== undefined && claim.ports().has(address)) throw claim.inUse();
        return store.create(tenant, {
          prepare: (trx) => claim.choose(trx),
          fields: () => ({
            virsubnet_id: subnet.id,
            ip_address: claim.address ?? '',
            network_interface_id: randomUUID(),
            gateway_id: '',
            enterprise_project_id: given(input.enterprise_project_id) ?? '0',
            address_key: claim.address ?? '',
          }),
          written: async (trx, row) => {
            await claim.claim(trx, row.id);
            if (tags.length > 0) await new TagStore(store).addIn(trx, tenant, row.id, tags);
            // The port that holds the address: its `network_interface_id`.
            services.backends.call('port-create', subnet.id);
          },
          conflict: () => claim.conflict(),
        });
      },
    );
  },
};
