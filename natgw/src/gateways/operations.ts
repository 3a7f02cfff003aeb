import { sql, type Transaction } from 'kysely';
import { derivedPortId } from '../backends.js';
import type { Database } from '../db/database.js';
import type { NatGatewayRow, Schema } from '../db/schema.js';
import { natError } from '../errors.js';
import { AddressClaim, withAddress } from '../network/claims.js';
import { ipv4Block } from '../network/unfit.js';
import type { Operation } from '../resources/kind.js';
import { checkLengths, schemas, uuid } from '../validate.js';

export const specs = ['0', '1', '2', '3', '4'];

/**
 * The pages' example requests, in the OpenAPI document for clients and the probe to start from.
 * The create names a network of the default network's own, not the page's: a network has one
 * gateway (NAT.0012), and the page's example request, sent as written, already has the page's.
 */
const examples = {
  create: {
    nat_gateway: {
      name: 'nat_001',
      description: 'my nat gateway 01',
      router_id: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
      internal_network_id: 'b0000100-0000-4000-8000-000000000002',
      spec: '1',
    },
  },
  update: { nat_gateway: { name: 'new_name', description: 'new description', spec: '1' } },
};

/**
 * Locks a row named `key` for the rest of the transaction, so that what is counted under it
 * cannot change before the transaction ends: the lock a limit without a row of its own needs.
 */
export async function lockKey(trx: Transaction<Schema>, engine: Database['engine'], key: string) {
  await trx
    .insertInto('locks')
    .values({ key })
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute();
  let query = trx.selectFrom('locks').select('key').where('key', '=', key);
  if (engine === 'postgres') query = query.forUpdate();
  await query.executeTakeFirst();
}

/** Gateways not being deleted: the ones a limit counts. */
const notDeleting = sql<boolean>`(pending is null or pending <> 'PENDING_DELETE')`;

/**
 * Creates a gateway, PENDING_CREATE for the provisioning delay. The limits per VPC (NAT.0113)
 * and per network (NAT.0012), where configured, are counted under a lock on the VPC's and the
 * network's key, held until the insert commits. Then, in the same transaction, the backends the
 * cloud calls: the VPC's route table, a gateway node and its address, before the row; the
 * gateway's port, made and bound, after it.
 */
export const createGateway: Operation<
  {
    nat_gateway: {
      name: string;
      description?: string;
      spec: string;
      router_id: string;
      internal_network_id: string;
      tenant_id?: string;
      enterprise_project_id?: string | null;
    };
  },
  NatGatewayRow
> = {
  errors: [
    'NAT.0016',
    'NAT.0015',
    'NAT.0014',
    'NAT.0017',
    'NAT.0018',
    'NAT.0004',
    'NAT.0005',
    'NAT.0010',
    'NAT.0008',
    'NAT.0012',
    'NAT.0113',
    'NAT.0020',
    'NAT.0112',
    'NAT.0110',
    'NAT.0111',
    { code: 'NAT.0101', variant: 'the enterprise project id in request is invalid.' },
    'NAT.0107',
    'NAT.0108',
  ],
  body: {
    type: 'object',
    required: ['nat_gateway'],
    examples: [examples.create],
    properties: {
      nat_gateway: {
        type: 'object',
        required: ['name', 'spec', 'router_id', 'internal_network_id'],
        properties: {
          tenant_id: schemas.id,
          name: schemas.name,
          description: schemas.description,
          spec: { type: 'string' },
          router_id: { type: 'string' },
          internal_network_id: { type: 'string' },
          enterprise_project_id: { type: ['string', 'null'], maxLength: 64 },
        },
      },
    },
  },
  async handle({ nat_gateway: input }, { tenant, store, services }) {
    if (input.tenant_id !== undefined && input.tenant_id !== tenant) throw natError('NAT.0020');
    checkLengths(input);
    if (!specs.includes(input.spec)) throw natError('NAT.0016', input.spec);
    const routerId = uuid(input.router_id, 'NAT.0017');
    const networkId = uuid(input.internal_network_id, 'NAT.0018');
    const net = services.network(tenant);
    if (!net.router(routerId)) throw natError('NAT.0004', { router_id: routerId });
    const subnet = net.subnet(networkId);
    if (!subnet) throw natError('NAT.0005', { network_id: networkId });
    ipv4Block(subnet);
    if (subnet.router_id !== routerId) throw natError('NAT.0008', { router: routerId, subnet: networkId });
    const enterpriseProject = enterpriseProjectOf(input.enterprise_project_id);
    const { gatewaysPerVpc, gatewaysPerNetwork } = services.limits;
    return withAddress(
      () => new AddressClaim(services, tenant, subnet, 'nat_gateway', undefined),
      (claim) =>
        store.create(tenant, {
          async prepare(trx) {
            const count = async (column: 'router_id' | 'internal_network_id', value: string) => {
              await lockKey(trx, services.database.engine, `${column}:${tenant}:${value}`);
              const { n } = await trx
                .selectFrom('nat_gateways')
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .where('tenant_id', '=', tenant)
                .where(column, '=', value)
                .where(notDeleting)
                .executeTakeFirstOrThrow();
              return Number(n);
            };
            if (gatewaysPerVpc > 0 && (await count('router_id', routerId)) >= gatewaysPerVpc)
              throw natError('NAT.0113', { limit: gatewaysPerVpc });
            if (
              gatewaysPerNetwork > 0 &&
              (await count('internal_network_id', networkId)) >= gatewaysPerNetwork
            )
              throw natError('NAT.0012', { network: networkId });
            // Its port in the network: a network with no address left is the page's failed port.
            await claim.choose(trx).catch((error: unknown) => {
              throw (error as { code?: string }).code === 'NAT.1404' ? natError('NAT.0107') : error;
            });
            services.backends.call('route-table', { router_id: routerId });
            services.backends.call('gateway-host');
            services.backends.call('gateway-host-ip');
          },
          fields: () => ({
            name: input.name,
            description: input.description ?? '',
            spec: input.spec,
            router_id: routerId,
            internal_network_id: networkId,
            name_key: null,
            admin_state_up: 1,
            enterprise_project_id: enterpriseProject,
            ngport_ip_address: claim.address ?? '',
          }),
          async written(trx, row) {
            await claim.claim(trx, row.id);
            services.backends.call('ng-port-create');
            services.backends.call('ng-port-bind', { port: derivedPortId(row.id) });
          },
          conflict: () => claim.conflict(),
        }),
    );
  },
};

/** An enterprise project's id: a UUID, or `0` (the default project, when none is given). */
const enterpriseProjectId = /^(0|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * The enterprise project a gateway is created in: the one given, or `0`; any other text is the
 * page's NAT.0101 "the enterprise project id in request is invalid." (natgw keeps no list of
 * enterprise projects, so every well-formed id is one).
 */
function enterpriseProjectOf(value: string | null | undefined): string {
  if (value === undefined || value === null || value === '') return '0';
  const id = value.toLowerCase();
  if (!enterpriseProjectId.test(id))
    throw natError('NAT.0101', {}, { variant: 'the enterprise project id in request is invalid.' });
  return id;
}

/**
 * Changes an ACTIVE gateway's name, description or spec (PENDING_UPDATE for the provisioning
 * delay). A request that only sets the spec it has is an update like another (the page asks for
 * at least one attribute, nothing more; NAT.1206 is a private NAT gateway's row).
 */
export const updateGateway: Operation<
  { nat_gateway: { name?: string; description?: string; spec?: string } },
  NatGatewayRow
> = {
  errors: [
    'NAT.0021',
    { code: 'NAT.0101', variant: 'update natgateway request is null' },
    'NAT.0015',
    'NAT.0014',
    'NAT.0016',
    { code: 'NAT.0105', status: 404 },
    'NAT.0103',
    { code: 'NAT.0104', variant: 'is frozen' },
  ],
  body: {
    type: 'object',
    required: ['nat_gateway'],
    examples: [examples.update],
    properties: {
      // Only name, description and spec can be updated (the page); anything else is a bad parameter.
      nat_gateway: {
        type: 'object',
        propertyNames: { enum: ['name', 'description', 'spec'] },
        properties: { name: schemas.name, description: schemas.description, spec: { type: 'string' } },
      },
    },
  },
  async handle({ nat_gateway: changes }, { tenant, id, store }) {
    // At least one of them (the page): an empty update is the page's "update natgateway request is null".
    if (Object.keys(changes).length === 0)
      throw natError('NAT.0101', {}, { variant: 'update natgateway request is null' });
    checkLengths(changes);
    if (changes.spec !== undefined && !specs.includes(changes.spec)) throw natError('NAT.0016', changes.spec);
    return store.update(tenant, id, { changes: () => changes });
  },
};
