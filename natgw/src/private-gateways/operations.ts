import type { Transaction } from 'kysely';
import { pageTime } from '../db/lifecycle.js';
import type { Schema } from '../db/schema.js';
import { natError } from '../errors.js';
import { lockKey } from '../gateways/operations.js';
import { assignable } from '../network/addresses.js';
import { AddressClaim, withAddress } from '../network/claims.js';
import { ipv4Block } from '../network/unfit.js';
import type { Operation, Services } from '../resources/kind.js';
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

/**
 * Creates a private NAT gateway in its one downlink subnet, ACTIVE at once (the pages' examples):
 * its address there is the one given (NAT.1405 outside the subnet or one it keeps, NAT.1403 taken
 * by a port, another gateway or a transit IP: the claims' unique key decides between racing
 * creations, network/claims.ts) or the lowest free one (NAT.1404 when none is left). Where
 * `privateGatewaysPerVpc` is set, the VPC's gateways are counted under a lock on its key, held
 * until the insert commits (NAT.1204).
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
  errors: [
    'NAT.1201',
    'NAT.1002',
    'NAT.0010',
    'NAT.1015',
    'NAT.1016',
    'NAT.1022',
    'NAT.1023',
    'NAT.1405',
    'NAT.1403',
    'NAT.1204',
    'NAT.1404',
    'NAT.1004',
  ],
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
    ipv4Block(subnet);
    const tags = legalTags(store.kind, input.tags ?? [], 'gateway.tags');
    const given = downlink.ngport_ip_address;
    const address = given === undefined ? undefined : assignable(subnet.cidr, given);
    if (given !== undefined && address === undefined) throw natError('NAT.1405', { 0: given });
    return withAddress(
      () => new AddressClaim(services, tenant, subnet, 'gateway', address),
      (claim) => {
        if (address !== undefined && claim.ports().has(address)) throw claim.inUse();
        return store.create(tenant, {
          async prepare(trx) {
            await checkVpcLimit(trx, services, tenant, subnet.router_id);
            await claim.choose(trx);
          },
          fields: () => ({
            name: input.name,
            description: input.description ?? '',
            spec: input.spec ?? 'Small',
            vpc_id: subnet.router_id,
            virsubnet_id: subnet.id,
            ngport_ip_address: claim.address ?? '',
            ngport_key: `${subnet.id}/${claim.address}`,
            enterprise_project_id: input.enterprise_project_id?.toLowerCase() ?? '0',
            updated_at: pageTime(services.clock.now()),
          }),
          written: async (trx, row) => {
            await claim.claim(trx, row.id);
            if (tags.length > 0) await new TagStore(store).addIn(trx, tenant, row.id, tags);
            // The port that holds the address.
            services.backends.call('port-create', subnet.id);
          },
          conflict: () => claim.conflict(),
        });
      },
    );
  },
};

/** NAT.1204 when the VPC has as many private gateways as `privateGatewaysPerVpc` allows (0: no limit). */
async function checkVpcLimit(trx: Transaction<Schema>, services: Services, tenant: string, vpc: string) {
  const limit = services.limits.privateGatewaysPerVpc;
  if (limit <= 0) return;
  await lockKey(trx, services.database.engine, `private-gateways:${tenant}:${vpc}`);
  const { n } = await trx
    .selectFrom('private_nat_gateways')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenant)
    .where('vpc_id', '=', vpc)
    // A deleted gateway's address is cleared with it: the ones holding theirs are the VPC's.
    .where('ngport_key', 'is not', null)
    .executeTakeFirstOrThrow();
  if (Number(n) >= limit) throw natError('NAT.1204', { 0: limit });
}

/**
 * Changes a gateway's name, description or spec (nothing else can be changed: the page). A
 * request whose only change is the spec it has changes nothing: NAT.1206.
 */
export const updatePrivateGateway: Operation<
  { gateway: { name?: string; description?: string; spec?: string } },
  PrivateGatewayRow
> = {
  errors: ['NAT.1002', { code: 'NAT.1208', variant: 'update operation' }, 'NAT.1206'],
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
