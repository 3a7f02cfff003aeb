import type { FastifyInstance } from 'fastify';
import type { Limits } from '../config.js';
import type { Database } from '../db/database.js';
import { documented, natError } from '../errors.js';
import { type Locate, ruleOfGatewayDeletion } from '../forms.js';
import type { Clock } from '../gateways/store.js';
import type { TokenClaims } from '../identity/tokens.js';
import type { ProjectNetwork } from '../network/fixture.js';
import { isPrivateTarget } from '../snat/ip.js';
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
import { type DnatFilters, DnatStore } from './store.js';

interface Context {
  database: Database;
  clock: Clock;
  network(tenant: string): ProjectNetwork;
  location: Locate;
  limits: Limits;
}

/** The page's protocols, by name or protocol number, as stored. */
const protocols: Record<string, string> = {
  tcp: 'tcp',
  '6': 'tcp',
  udp: 'udp',
  '17': 'udp',
  any: 'any',
  '0': 'any',
};

function protocolOf(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  return protocols[String(value).toLowerCase()];
}

/** A port number, 0 to 65535 (a JSON integer, or its decimal string), or the page's error. */
function portOf(value: unknown): number {
  const port = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw natError('NAT.0303', { port: String(typeof value === 'object' ? JSON.stringify(value) : value) });
  return port;
}

/** An empty or null value is an absent one. */
function given(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value;
}

const byId = { type: 'object', properties: { dnat_rule_id: schemas.id } } as const;
const optionalText = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;

/** A DNAT rule as the API shows it (every field of `DnatRule`). */
const dnatRule = sent({
  id: text,
  tenant_id: text,
  nat_gateway_id: text,
  port_id: { type: 'string', description: "The server's port, or '' for a rule on a private IP." },
  private_ip: { type: 'string', description: "The private IP, or '' for a rule on a port." },
  internal_service_port: integer,
  floating_ip_id: text,
  floating_ip_address: text,
  external_service_port: integer,
  protocol: { type: 'string', enum: ['tcp', 'udp', 'any'] },
  description: text,
  status: { type: 'string', enum: ['ACTIVE', 'PENDING_CREATE', 'PENDING_DELETE'] },
  admin_state_up: boolean,
  created_at: text,
});
const one = sent({ dnat_rule: dnatRule });
const tags = ['DNAT rules'];

/** The page's first example request; the NAT gateway is the caller's own. */
const example = {
  dnat_rule: {
    floating_ip_id: 'bf99c679-9f41-4dac-8513-9c9228e713e1',
    nat_gateway_id: 'cda3a125-2406-456c-a11f-598e10578541',
    port_id: '9a469561-daac-4c94-88f5-39366e5ea193',
    description: 'description',
    internal_service_port: 993,
    protocol: 'tcp',
    external_service_port: 242,
  },
};
const port = {
  description: 'An integer from 0 to 65535, or its decimal string (checked by the service: NAT.0303).',
  examples: [80],
};

/** The DNAT rule operations of the v2.0 pages. */
export function dnatRoutes(app: FastifyInstance, { database, clock, network, location, limits }: Context) {
  const store = new DnatStore(database, clock, limits);

  app.post<{
    Body: {
      dnat_rule: {
        nat_gateway_id: string;
        port_id?: string | null;
        private_ip?: string | null;
        internal_service_port: unknown;
        floating_ip_id: string;
        external_service_port: unknown;
        protocol: unknown;
        description?: string;
      };
    };
  }>(
    '/dnat_rules',
    {
      schema: {
        summary: 'Create a DNAT rule',
        tags,
        errors: documented(
          'NAT.0014',
          'NAT.0021',
          'NAT.0024',
          'NAT.0302',
          'NAT.0303',
          'NAT.0306',
          'NAT.0310',
          'NAT.0317',
          'NAT.0315',
          'NAT.0023',
          'NAT.0311',
          'NAT.0026',
          { code: 'NAT.0105', status: 404 },
          'NAT.0103',
          'NAT.0305',
          'NAT.0304',
          'NAT.0307',
          'NAT.0308',
          'NAT.0309',
          'NAT.0313',
          'NAT.0404',
          'NAT.0405',
          'NAT.0408',
          'NAT.0106',
        ),
        response: success.created(one),
        body: {
          type: 'object',
          required: ['dnat_rule'],
          examples: [example],
          properties: {
            dnat_rule: {
              type: 'object',
              required: [
                'nat_gateway_id',
                'internal_service_port',
                'floating_ip_id',
                'external_service_port',
                'protocol',
              ],
              // Ports and protocol are checked by the route, for the page's codes.
              properties: {
                nat_gateway_id: schemas.id,
                port_id: optionalText(64),
                private_ip: optionalText(64),
                floating_ip_id: { type: 'string', maxLength: 255 },
                description: schemas.description,
                internal_service_port: port,
                external_service_port: port,
                protocol: {
                  description: 'tcp, udp or any, or 6, 17 or 0 (checked by the service: NAT.0302).',
                  examples: ['tcp'],
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const tenant = (request.principal as TokenClaims).projectId;
      const input = request.body.dnat_rule;
      checkLengths(input);
      const gatewayId = uuid(input.nat_gateway_id, 'NAT.0021');
      const floatingIpId = uuid(input.floating_ip_id, 'NAT.0024');

      const protocol = protocolOf(input.protocol);
      if (protocol === undefined)
        throw natError('NAT.0302', { protocol: String(input.protocol), values: '[tcp, udp, any]' });
      const internalPort = portOf(input.internal_service_port);
      const externalPort = portOf(input.external_service_port);
      // All ports: both ports 0 and protocol any, together or not at all.
      const allPorts = [internalPort === 0, externalPort === 0, protocol === 'any'];
      if (allPorts.includes(true) && allPorts.includes(false)) throw natError('NAT.0306');

      const portText = given(input.port_id);
      const privateIp = given(input.private_ip);
      if (portText === undefined && privateIp === undefined) throw natError('NAT.0310');
      if (portText !== undefined && privateIp !== undefined) throw natError('NAT.0317');
      const net = network(tenant);
      let portId = '';
      let portNetwork: string | undefined;
      if (portText !== undefined) {
        portId = uuid(portText, 'NAT.0315');
        const port = net.port(portId);
        if (!port) throw natError('NAT.0023', portId);
        portNetwork = port.network_id;
      } else if (!isPrivateTarget(privateIp as string)) {
        throw natError('NAT.0311');
      }
      const fip = net.floatingIp(floatingIpId);
      if (!fip) throw natError('NAT.0026', floatingIpId);

      const rule = await store.create(
        tenant,
        {
          nat_gateway_id: gatewayId,
          port_id: portId,
          private_ip: privateIp ?? '',
          internal_service_port: internalPort,
          floating_ip_id: floatingIpId,
          floating_ip_address: fip.address,
          external_service_port: externalPort,
          protocol,
          description: input.description ?? '',
        },
        (gateway) => {
          // A server's port must be in the gateway's VPC.
          if (portNetwork !== undefined && net.subnet(portNetwork)?.router_id !== gateway.router_id)
            throw natError('NAT.0315', { port: portId });
        },
      );
      reply.created(location(request, `/dnat_rules/${rule.id}`));
      return { dnat_rule: rule };
    },
  );

  app.get<{ Querystring: DnatFilters & { limit?: string; marker?: string; tenant_id?: string } }>(
    '/dnat_rules',
    {
      schema: {
        summary: 'List DNAT rules',
        tags,
        errors: documented(
          { code: 'NAT.0301', variant: 'get dnatRules error limit is invalid.' },
          { code: 'NAT.0301', variant: 'get dnatrules error marker is invalid.' },
          'NAT.0001',
        ),
        response: { 200: sent({ dnat_rules: listOf(dnatRule) }) },
        querystring: listQuery({
          nat_gateway_id: schemas.id,
          port_id: schemas.id,
          private_ip: { type: 'string', maxLength: 64 },
          internal_service_port: schemas.port,
          floating_ip_id: schemas.id,
          floating_ip_address: { type: 'string', maxLength: 64 },
          external_service_port: schemas.port,
          protocol: { type: 'string', maxLength: 16 },
        }),
      },
    },
    async (request) => {
      const tenant = (request.principal as TokenClaims).projectId;
      const { tenant_id, protocol, ...query } = request.query;
      const { page, filters } = listPage(query, {
        limit: ['NAT.0301', 'get dnatRules error limit is invalid.'],
        marker: ['NAT.0301', 'get dnatrules error marker is invalid.'],
      });
      // Another project's id as a filter finds nothing, as any id outside the project does.
      if (tenant_id !== undefined && tenant_id !== tenant) return { dnat_rules: [] };
      // `TCP` and `6` find the rules stored as `tcp`; an unknown protocol finds none.
      const stored = protocol === undefined ? undefined : (protocolOf(protocol) ?? protocol);
      return {
        dnat_rules: await store.list(
          tenant,
          { ...filters, ...(stored === undefined ? {} : { protocol: stored }) },
          page,
        ),
      };
    },
  );

  app.get<{ Params: { dnat_rule_id: string } }>(
    '/dnat_rules/:dnat_rule_id',
    {
      schema: {
        summary: 'Show a DNAT rule',
        tags,
        params: byId,
        errors: documented('NAT.0319'),
        response: { 200: one },
      },
    },
    async (request) => {
      const tenant = (request.principal as TokenClaims).projectId;
      return { dnat_rule: await store.get(tenant, uuid(request.params.dnat_rule_id, 'NAT.0319')) };
    },
  );

  app.delete<{ Params: { dnat_rule_id: string } }>(
    '/dnat_rules/:dnat_rule_id',
    {
      schema: {
        summary: 'Delete a DNAT rule',
        tags,
        params: byId,
        errors: documented('NAT.0319'),
        response: success.noContent,
      },
    },
    async (request, reply) => {
      const tenant = (request.principal as TokenClaims).projectId;
      await store.delete(tenant, uuid(request.params.dnat_rule_id, 'NAT.0319'));
      return reply.noContent();
    },
  );
}

/** Huawei Cloud's form of deletion, under the rule's gateway. */
export function dnatRuleOfGatewayRoutes(
  app: FastifyInstance,
  { database, clock, limits }: Pick<Context, 'database' | 'clock' | 'limits'>,
) {
  ruleOfGatewayDeletion(app, {
    kind: 'dnat_rules',
    notFound: 'NAT.0319',
    summary: 'Delete a DNAT rule of a NAT gateway',
    tags,
    store: new DnatStore(database, clock, limits),
  });
}
