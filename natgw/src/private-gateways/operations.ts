import { pageTime } from '../db/lifecycle.js';
import { natError } from '../errors.js';
import { lockKey } from '../gateways/operations.js';
import type { Operation } from '../resources/kind.js';
import { type Cidr, formatCidr, parseCidr, parseIpv4, within } from '../snat/ip.js';
import { legalTags } from '../tags/routes.js';
import { TagStore } from '../tags/store.js';
import type { PrivateGatewayRow } from './row.js';

/** The specs the pages name. */
export const specs = ['Small', 'Medium', 'Large', 'Extra-large'];

/** A name as the pages allow it: digits, letters, `_` and `-` (no length is given; 64 as v2). */
const name = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } as const;
/** At most 255 characters, no `<` or `>`. */
const description = { type: 'string', maxLength: 255, pattern: '^[^<>]*$' } as const;
/** `0` (the default enterprise project) or an enterprise project's id (a UUID). */
const enterpriseProject = {
  type: 'string',
  pattern: '^(0|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$',
} as const;

/** The pages' example requests, in the OpenAPI document for clients and the probe to start from. */
const examples = {
  create: {
    gateway: {
      name: 'private-nat-gateway-name',
      spec: 'Small',
      enterprise_project_id: '2759da7b-8015-404c-ae0a-a389007b0e2a',
      description: 'create private nat',
      downlink_vpcs: [{ virsubnet_id: '373979ee-f4f0-46c5-80e3-0fbf72646b70' }],
      tags: [{ key: 'key1', value: 'value1' }],
    },
  },
  update: {
    gateway: {
      name: 'private-nat-gateway-name',
      description: 'private-nat-gateway-description',
      spec: 'Medium',
    },
  },
};

/** The address as a dotted quad. */
function formatIp(address: number): string {
  return formatCidr({ base: address, prefix: 32 }).slice(0, -3);
}

/**
 * The addresses of a subnet a gateway may take: neither the network's nor its broadcast
 * address, nor the first host (the subnet's own gateway).
 */
function usable(block: Cidr, address: number): boolean {
  const size = 2 ** (32 - block.prefix);
  return address > block.base + 1 && address < block.base + size - 1;
}

/**
 * Creates a private NAT gateway in its one downlink subnet, ACTIVE at once (the pages' examples):
 * its address there is the one given (NAT.1405 outside the subnet, NAT.1403 taken by a port or
 * another gateway: the database's unique key decides between racing creates) or the lowest free
 * one, chosen under a lock on the subnet (NAT.1404 when none is left).
 */
export const createPrivateGateway: Operation<
  {
    gateway: {
      name: string;
      description?: string;
      spec?: string;
      downlink_vpcs: { virsubnet_id: string; ngport_ip_address?: string }[];
      tags?: { key?: string; value?: string }[];
      enterprise_project_id?: string;
    };
  },
  PrivateGatewayRow
> = {
  errors: ['NAT.1201', 'NAT.1002', 'NAT.1015', 'NAT.1016', 'NAT.1405', 'NAT.1403', 'NAT.1404'],
  body: {
    type: 'object',
    required: ['gateway'],
    examples: [examples.create],
    properties: {
      gateway: {
        type: 'object',
        required: ['name', 'downlink_vpcs'],
        properties: {
          name,
          description,
          spec: { type: 'string', enum: specs },
          downlink_vpcs: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['virsubnet_id'],
              properties: {
                virsubnet_id: { type: 'string', maxLength: 64 },
                ngport_ip_address: { type: 'string', maxLength: 64 },
              },
            },
          },
          tags: {
            type: 'array',
            items: { type: 'object', properties: { key: { type: 'string' }, value: { type: 'string' } } },
          },
          enterprise_project_id: enterpriseProject,
        },
      },
    },
  },
  async handle({ gateway: input }, { tenant, store, services }) {
    if (input.downlink_vpcs.length > 1) throw natError('NAT.1201', { 0: 1 });
    const [downlink] = input.downlink_vpcs as [(typeof input.downlink_vpcs)[0]];
    const subnet = services.network(tenant).subnet(downlink.virsubnet_id);
    if (!subnet) throw natError('NAT.1002', { 0: 'Subnet', 1: downlink.virsubnet_id });
    const tags = legalTags(store.kind, input.tags ?? [], 'gateway.tags');
    const block = parseCidr(subnet.cidr) as Cidr;
    const ports = new Set(
      services
        .network(tenant)
        .network.ports.filter((port) => port.network_id === subnet.id)
        .map((port) => port.ip),
    );
    let given: string | undefined;
    if (downlink.ngport_ip_address !== undefined) {
      const address = parseIpv4(downlink.ngport_ip_address);
      if (address === undefined || !within({ base: address, prefix: 32 }, block) || !usable(block, address))
        throw natError('NAT.1405', { 0: downlink.ngport_ip_address });
      given = formatIp(address);
      if (ports.has(given)) throw natError('NAT.1403', { 0: subnet.id, 1: given });
    }
    let address = given ?? '';
    return store.create(tenant, {
      async prepare(trx) {
        if (given !== undefined) return;
        await lockKey(trx, services.database.engine, `ngport:${subnet.id}`);
        const held = await trx
          .selectFrom('private_nat_gateways')
          .select('ngport_ip_address')
          .where('virsubnet_id', '=', subnet.id)
          .where('ngport_key', 'is not', null)
          .execute();
        const taken = new Set([...ports, ...held.map((row) => row.ngport_ip_address)]);
        const size = 2 ** (32 - block.prefix);
        for (let next = block.base + 2; next < block.base + size - 1; next++)
          if (!taken.has(formatIp(next))) {
            address = formatIp(next);
            return;
          }
        throw natError('NAT.1404', { 0: subnet.id });
      },
      fields: () => ({
        name: input.name,
        description: input.description ?? '',
        spec: input.spec ?? 'Small',
        vpc_id: subnet.router_id,
        virsubnet_id: subnet.id,
        ngport_ip_address: address,
        ngport_key: `${subnet.id}/${address}`,
        enterprise_project_id: input.enterprise_project_id?.toLowerCase() ?? '0',
        updated_at: pageTime(services.clock.now()),
      }),
      written: async (trx, row) => {
        if (tags.length > 0) await new TagStore(store).addIn(trx, tenant, row.id, tags);
      },
      conflict: () => natError('NAT.1403', { 0: subnet.id, 1: address }),
    });
  },
};

/**
 * Changes a gateway's name, description or spec (nothing else can be changed: the page). A
 * request whose only change is the spec it has changes nothing: NAT.1206.
 */
export const updatePrivateGateway: Operation<
  { gateway: { name?: string; description?: string; spec?: string } },
  PrivateGatewayRow
> = {
  errors: ['NAT.1002', 'NAT.1206'],
  body: {
    type: 'object',
    required: ['gateway'],
    examples: [examples.update],
    properties: {
      gateway: {
        type: 'object',
        propertyNames: { enum: ['name', 'description', 'spec'] },
        properties: { name, description, spec: { type: 'string', enum: specs } },
      },
    },
  },
  async handle({ gateway: changes }, { tenant, id, store, services }) {
    const updatedAt = pageTime(services.clock.now());
    return store.update(tenant, id, {
      check: (gateway) => {
        if (changes.spec === gateway.spec && Object.keys(changes).length === 1)
          throw natError('NAT.1206', { 0: gateway.spec, 1: changes.spec });
      },
      changes: () => ({ ...changes, updated_at: updatedAt }),
    });
  },
};
