import type { FastifyInstance } from 'fastify';
import type { Limits } from '../config.js';
import type { Database } from '../db/database.js';
import { documented, natError } from '../errors.js';
import { type Locate, ruleOfGatewayDeletion } from '../forms.js';
import type { Clock } from '../gateways/store.js';
import type { TokenClaims } from '../identity/tokens.js';
import type { ProjectNetwork } from '../network/fixture.js';
import {
  boolean,
  checkLengths,
  listOf,
  listPage,
  listQuery,
  schemas,
  sent,
  success,
  text,
  uuid,
} from '../validate.js';
import { type Cidr, formatCidr, overlaps, parseCidr, within } from './ip.js';
import { type SnatFilters, SnatStore } from './store.js';

interface Context {
  database: Database;
  clock: Clock;
  network(tenant: string): ProjectNetwork;
  location: Locate;
  limits: Limits;
}

const byId = { type: 'object', properties: { snat_rule_id: schemas.id } } as const;
const optionalText = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;
/** An SNAT rule as the API shows it (every field of `SnatRule`): a rule has a subnet or a CIDR block, the other left out. */
const snatRule = {
  type: 'object',
  required: [
    'id',
    'tenant_id',
    'nat_gateway_id',
    'source_type',
    'floating_ip_id',
    'floating_ip_address',
    'freezed_ip_address',
    'description',
    'status',
    'admin_state_up',
    'created_at',
  ],
  properties: {
    id: text,
    tenant_id: text,
    nat_gateway_id: text,
    network_id: { type: 'string', description: 'The subnet; left out for a rule on a CIDR block.' },
    cidr: { type: 'string', description: 'The CIDR block; left out for a rule on a subnet.' },
    source_type: {
      type: 'integer',
      enum: [0, 1],
      description: '0: in the VPC; 1: Direct Connect or Cloud Connect.',
    },
    floating_ip_id: { type: 'string', description: 'EIP ids, comma-separated.' },
    floating_ip_address: { type: 'string', description: 'EIP addresses, comma-separated.' },
    freezed_ip_address: text,
    description: text,
    status: { type: 'string', enum: ['ACTIVE', 'PENDING_CREATE', 'PENDING_DELETE'] },
    admin_state_up: boolean,
    created_at: text,
  },
} as const;
const one = sent({ snat_rule: snatRule });
const tags = ['SNAT rules'];

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

/** An empty or null value is an absent one. */
function given(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value;
}

/** The SNAT rule operations of the v2.0 pages. */
export function snatRoutes(app: FastifyInstance, { database, clock, network, location, limits }: Context) {
  const store = new SnatStore(database, clock);

  app.post<{
    Body: {
      snat_rule: {
        nat_gateway_id: string;
        network_id?: string | null;
        cidr?: string | null;
        source_type?: number;
        floating_ip_id: string;
        description?: string;
      };
    };
  }>(
    '/snat_rules',
    {
      schema: {
        summary: 'Create an SNAT rule',
        tags,
        errors: documented(
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
        ),
        response: success.created(one),
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
      },
    },
    async (request, reply) => {
      const tenant = (request.principal as TokenClaims).projectId;
      const input = request.body.snat_rule;
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
      const net = network(tenant);
      const networkId = networkText?.toLowerCase() ?? '';

      const floatingIpIds = input.floating_ip_id.split(',').map((id) => id.trim());
      const maxEips = limits.snatRulePublicIps;
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

      const rule = await store.create(
        tenant,
        {
          nat_gateway_id: gatewayId,
          network_id: networkId,
          cidr: cidrText ?? '',
          source_key: cidr ? `cidr:${formatCidr(cidr)}` : `network:${networkId}`,
          source_block: formatCidr(cidr ?? (parseCidr(subnet?.cidr ?? '') as Cidr)),
          source_type: sourceType,
          floating_ip_ids: floatingIpIds,
          floating_ip_addresses: floatingIpAddresses,
          description: input.description ?? '',
        },
        (gateway) => {
          // The source must be in the gateway's VPC (source_type 0), or outside its subnets (1).
          const subnets = net.network.networks.filter((s) => s.router_id === gateway.router_id);
          if (subnet && subnet.router_id !== gateway.router_id)
            throw natError('NAT.0008', { router: gateway.router_id, subnet: networkId });
          if (cidr && sourceType === 0 && !subnets.some((s) => within(cidr, parseCidr(s.cidr) as Cidr)))
            throw natError('NAT.0205');
          if (cidr && sourceType === 1 && subnets.some((s) => overlaps(cidr, parseCidr(s.cidr) as Cidr)))
            throw natError('NAT.0206');
        },
      );
      reply.created(location(request, `/snat_rules/${rule.id}`));
      return { snat_rule: rule };
    },
  );

  app.get<{ Querystring: SnatFilters & { limit?: string; marker?: string; tenant_id?: string } }>(
    '/snat_rules',
    {
      schema: {
        summary: 'List SNAT rules',
        tags,
        errors: documented(
          { code: 'NAT.0201', variant: 'Query SnatRules list error marker is invalid.' },
          'NAT.0001',
        ),
        response: { 200: sent({ snat_rules: listOf(snatRule) }) },
        querystring: listQuery({
          nat_gateway_id: schemas.id,
          network_id: schemas.id,
          cidr: { type: 'string', maxLength: 64 },
          source_type: schemas.sourceType,
          floating_ip_id: { type: 'string', maxLength: 4096 },
          floating_ip_address: { type: 'string', maxLength: 1024 },
        }),
      },
    },
    async (request) => {
      const tenant = (request.principal as TokenClaims).projectId;
      const { tenant_id, ...query } = request.query;
      const { page, filters } = listPage(query, {
        marker: ['NAT.0201', 'Query SnatRules list error marker is invalid.'],
      });
      // Another project's id as a filter finds nothing, as any id outside the project does.
      if (tenant_id !== undefined && tenant_id !== tenant) return { snat_rules: [] };
      return { snat_rules: await store.list(tenant, filters, page) };
    },
  );

  app.get<{ Params: { snat_rule_id: string } }>(
    '/snat_rules/:snat_rule_id',
    {
      schema: {
        summary: 'Show an SNAT rule',
        tags,
        params: byId,
        errors: documented('NAT.0209'),
        response: { 200: one },
      },
    },
    async (request) => {
      const tenant = (request.principal as TokenClaims).projectId;
      return { snat_rule: await store.get(tenant, uuid(request.params.snat_rule_id, 'NAT.0209')) };
    },
  );

  app.delete<{ Params: { snat_rule_id: string } }>(
    '/snat_rules/:snat_rule_id',
    {
      schema: {
        summary: 'Delete an SNAT rule',
        tags,
        params: byId,
        errors: documented('NAT.0209'),
        response: success.noContent,
      },
    },
    async (request, reply) => {
      const tenant = (request.principal as TokenClaims).projectId;
      await store.delete(tenant, uuid(request.params.snat_rule_id, 'NAT.0209'));
      return reply.noContent();
    },
  );
}

/** Huawei Cloud's form of deletion, under the rule's gateway. */
export function snatRuleOfGatewayRoutes(
  app: FastifyInstance,
  { database, clock }: Pick<Context, 'database' | 'clock'>,
) {
  ruleOfGatewayDeletion(app, {
    kind: 'snat_rules',
    notFound: 'NAT.0209',
    summary: 'Delete an SNAT rule of a NAT gateway',
    tags,
    store: new SnatStore(database, clock),
  });
}
