import { randomUUID } from 'node:crypto';
import type { TransitIpRow } from '../db/schema.js';
import { natError } from '../errors.js';
import type { Operation } from '../resources/kind.js';
import { legalTags } from '../tags/routes.js';
import { TagStore } from '../tags/store.js';
import { given, schemas } from '../validate.js';
import { assignable, firstFree } from './addresses.js';

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
 * usable one free. The database decides between concurrent assignments: an address is unique in
 * its subnet while assigned (a constraint), so of two assigning one address one gets NAT.1403,
 * and an allocation that loses the race takes the next free address.
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
    'NAT.1405',
    'NAT.1404',
    'NAT.1403',
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
    const requested = given(input.ip_address);
    if (requested !== undefined && assignable(subnet.cidr, requested) === undefined)
      throw natError('NAT.1405', requested);
    // The fixture's ports hold their addresses for good: no transit IP takes one.
    const ports = new Set(
      net.network.ports.filter((port) => port.network_id === subnet.id).map((port) => port.ip),
    );
    const inUse = (address: string) => natError('NAT.1403', { 0: subnet.id, 1: address });
    if (requested !== undefined && ports.has(requested)) throw inUse(requested);

    // An allocated address a concurrent assignment took first is tried again with the next free
    // one: each such loss is another address assigned, so this ends, at the latest with NAT.1404.
    for (;;) {
      let address = requested;
      let raced = false;
      try {
        return await store.create(tenant, {
          async prepare(trx) {
            if (address !== undefined) return;
            const assigned = await trx
              .selectFrom('transit_ips')
              .select('address_key')
              .where('tenant_id', '=', tenant)
              .where('virsubnet_id', '=', subnet.id)
              .where('address_key', 'is not', null)
              .execute();
            address = firstFree(
              subnet.cidr,
              new Set([...ports, ...assigned.map((row) => row.address_key ?? '')]),
            );
            if (address === undefined) throw natError('NAT.1404', subnet.id);
          },
          fields: () => ({
            virsubnet_id: subnet.id,
            ip_address: address ?? '',
            network_interface_id: randomUUID(),
            gateway_id: '',
            enterprise_project_id: given(input.enterprise_project_id) ?? '0',
            address_key: address ?? '',
          }),
          written: async (trx, row) => {
            if (tags.length > 0) await new TagStore(store).addIn(trx, tenant, row.id, tags);
          },
          conflict: () => {
            raced = true;
            return inUse(address ?? '');
          },
        });
      } catch (error) {
        if (!(raced && requested === undefined)) throw error;
      }
    }
  },
};
