import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { NatGatewayRow, Schema } from '../db/schema.js';
import { natError } from '../errors.js';
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
 * network's key, held until the insert commits.
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
    'NAT.0008',
    'NAT.0012',
    'NAT.0113',
    'NAT.0020',
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
    if (subnet.router_id !== routerId) throw natError('NAT.0008', { router: routerId, subnet: networkId });
    const { gatewaysPerVpc, gatewaysPerNetwork } = services.limits;
    return store.create(tenant, {
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
        if (gatewaysPerNetwork > 0 && (await count('internal_network_id', networkId)) >= gatewaysPerNetwork)
          throw natError('NAT.0012', { network: networkId });
      },
      fields: () => ({
        name: input.name,
        description: input.description ?? '',
        spec: input.spec,
        router_id: routerId,
        internal_network_id: networkId,
        name_key: null,
        admin_state_up: 1,
        enterprise_project_id: '0',
      }),
    });
  },
};

/**
 * Changes an ACTIVE gateway's name, description or spec (PENDING_UPDATE for the provisioning
 * delay). A request that only sets the spec it has would change nothing: NAT.1206 (the page's
 * only code for it).
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
    'NAT.1206',
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
    return store.update(tenant, id, {
      check(gateway) {
        if (changes.spec === gateway.spec && Object.keys(changes).length === 1)
          throw natError('NAT.1206', { 0: gateway.spec, 1: changes.spec });
      },
      changes: () => changes,
    });
  },
};
