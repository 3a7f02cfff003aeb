import type { FastifyInstance } from 'fastify';
import { documented, natError } from '../errors.js';
import type { Locate } from '../forms.js';
import type { TokenClaims } from '../identity/tokens.js';
import type { ProjectNetwork } from '../network/fixture.js';
import {
  boolean,
  checkLengths,
  integer,
  listOf,
  listPage,
  listQuery,
  schemas,
  sent,
  success,
  text,
  uuid,
} from '../validate.js';
import type { GatewayFilters, GatewayStore } from './store.js';

const specs = ['0', '1', '2', '3', '4'];

/** The pages' example requests, in the OpenAPI document for clients and the probe to start from. */
const examples = {
  create: {
    nat_gateway: {
      name: 'nat_001',
      description: 'my nat gateway 01',
      router_id: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
      internal_network_id: '89d66639-aacb-4929-969d-07080b0f9fd9',
      spec: '1',
    },
  },
  update: { nat_gateway: { name: 'new_name', description: 'new description', spec: '1' } },
};

interface Context {
  store: GatewayStore;
  network(tenant: string): ProjectNetwork;
  location: Locate;
}

const byId = { type: 'object', properties: { nat_gateway_id: schemas.id } } as const;

/** A NAT gateway as the API shows it (every field of `NatGateway`). */
const natGateway = sent({
  id: text,
  tenant_id: text,
  name: text,
  description: text,
  spec: { type: 'string', enum: specs, description: '0 micro, 1 small, 2 medium, 3 large, 4 extra-large.' },
  router_id: text,
  internal_network_id: text,
  status: { type: 'string', enum: ['ACTIVE', 'PENDING_CREATE', 'PENDING_UPDATE', 'PENDING_DELETE'] },
  admin_state_up: boolean,
  created_at: { type: 'string', examples: ['2017-11-18 07:34:32.203044'] },
  billinginfo: text,
  freeze_info: text,
  sys_tags: listOf(text),
  snat_rule_public_ip_limit: integer,
  dnat_rules_limit: integer,
});
const one = sent({ nat_gateway: natGateway });
const tags = ['NAT gateways'];

/** The NAT gateway operations of the v2.0 pages. */
export function gatewayRoutes(app: FastifyInstance, { store, network, location }: Context) {
  app.post<{
    Body: {
      nat_gateway: {
        name: string;
        description?: string;
        spec: string;
        router_id: string;
        internal_network_id: string;
        tenant_id?: string;
      };
    };
  }>(
    '/nat_gateways',
    {
      schema: {
        summary: 'Create a NAT gateway',
        tags,
        errors: documented(
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
        ),
        response: success.created(one),
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
      },
    },
    async (request, reply) => {
      const tenant = (request.principal as TokenClaims).projectId;
      const input = request.body.nat_gateway;
      if (input.tenant_id !== undefined && input.tenant_id !== tenant) throw natError('NAT.0020');
      checkLengths(input);
      if (!specs.includes(input.spec)) throw natError('NAT.0016', input.spec);
      const routerId = uuid(input.router_id, 'NAT.0017');
      const networkId = uuid(input.internal_network_id, 'NAT.0018');
      const net = network(tenant);
      if (!net.router(routerId)) throw natError('NAT.0004', { router_id: routerId });
      const subnet = net.subnet(networkId);
      if (!subnet) throw natError('NAT.0005', { network_id: networkId });
      if (subnet.router_id !== routerId) throw natError('NAT.0008', { router: routerId, subnet: networkId });
      const gateway = await store.create(tenant, {
        name: input.name,
        description: input.description ?? '',
        spec: input.spec,
        router_id: routerId,
        internal_network_id: networkId,
      });
      reply.created(location(request, `/nat_gateways/${gateway.id}`));
      return { nat_gateway: gateway };
    },
  );

  app.get<{ Querystring: GatewayFilters & { limit?: string; marker?: string; tenant_id?: string } }>(
    '/nat_gateways',
    {
      schema: {
        summary: 'List NAT gateways',
        tags,
        errors: documented(
          { code: 'NAT.0101', variant: 'get natgateways error limit is invalid.' },
          { code: 'NAT.0101', variant: 'get natgateways error marker is invalid.' },
          'NAT.0001',
        ),
        response: { 200: sent({ nat_gateways: listOf(natGateway) }) },
        querystring: listQuery({
          name: { type: 'string', maxLength: 64 },
          spec: { type: 'string', maxLength: 8 },
          router_id: schemas.id,
          internal_network_id: schemas.id,
        }),
      },
    },
    async (request) => {
      const tenant = (request.principal as TokenClaims).projectId;
      const { tenant_id, ...query } = request.query;
      const { page, filters } = listPage(query, {
        limit: ['NAT.0101', 'get natgateways error limit is invalid.'],
        marker: ['NAT.0101', 'get natgateways error marker is invalid.'],
      });
      // Another project's id as a filter finds nothing, as any id outside the project does.
      if (tenant_id !== undefined && tenant_id !== tenant) return { nat_gateways: [] };
      return { nat_gateways: await store.list(tenant, filters, page) };
    },
  );

  app.get<{ Params: { nat_gateway_id: string } }>(
    '/nat_gateways/:nat_gateway_id',
    {
      schema: {
        summary: 'Show a NAT gateway',
        tags,
        params: byId,
        errors: documented('NAT.0021', { code: 'NAT.0105', status: 404 }),
        response: { 200: one },
      },
    },
    async (request) => {
      const tenant = (request.principal as TokenClaims).projectId;
      return { nat_gateway: await store.get(tenant, uuid(request.params.nat_gateway_id, 'NAT.0021')) };
    },
  );

  app.put<{
    Params: { nat_gateway_id: string };
    Body: { nat_gateway: { name?: string; description?: string; spec?: string } };
  }>(
    '/nat_gateways/:nat_gateway_id',
    {
      schema: {
        summary: 'Update a NAT gateway',
        tags,
        params: byId,
        errors: documented(
          'NAT.0021',
          { code: 'NAT.0101', variant: 'update natgateway request is null' },
          'NAT.0015',
          'NAT.0014',
          'NAT.0016',
          { code: 'NAT.0105', status: 404 },
          'NAT.0103',
          'NAT.1206',
        ),
        response: { 200: one },
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
      },
    },
    async (request) => {
      const tenant = (request.principal as TokenClaims).projectId;
      const id = uuid(request.params.nat_gateway_id, 'NAT.0021');
      const changes = request.body.nat_gateway;
      // At least one of them (the page): an empty update is the page's "update natgateway request is null".
      if (Object.keys(changes).length === 0)
        throw natError('NAT.0101', {}, { variant: 'update natgateway request is null' });
      checkLengths(changes);
      if (changes.spec !== undefined && !specs.includes(changes.spec))
        throw natError('NAT.0016', changes.spec);
      return { nat_gateway: await store.update(tenant, id, changes) };
    },
  );

  app.delete<{ Params: { nat_gateway_id: string } }>(
    '/nat_gateways/:nat_gateway_id',
    {
      schema: {
        summary: 'Delete a NAT gateway',
        tags,
        params: byId,
        errors: documented('NAT.0021', { code: 'NAT.0105', status: 400 }, 'NAT.0103', 'NAT.0006'),
        response: success.noContent,
      },
    },
    async (request, reply) => {
      const tenant = (request.principal as TokenClaims).projectId;
      await store.delete(tenant, uuid(request.params.nat_gateway_id, 'NAT.0021'));
      return reply.noContent();
    },
  );
}
