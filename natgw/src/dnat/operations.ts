import type { DnatRuleRow, NatGatewayRow } from '../db/schema.js';
import { natError } from '../errors.js';
import type { Operation } from '../resources/kind.js';
import { claimEips } from '../snat/claims.js';
import { isPrivateTarget } from '../snat/ip.js';
import { checkLengths, given, optionalText, schemas, uuid } from '../validate.js';

/** The page's protocols, by name or protocol number, as stored. */
const protocols: Record<string, string> = {
  tcp: 'tcp',
  '6': 'tcp',
  udp: 'udp',
  '17': 'udp',
  any: 'any',
  '0': 'any',
};

export function protocolOf(value: unknown): string | undefined {
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

/**
 * Creates a rule on an ACTIVE gateway of the project, PENDING_CREATE for the provisioning delay.
 * The gateway row is locked for the transaction (gateway deletion takes the same lock); the
 * external and internal mappings are unique by constraint (`external_key`, `internal_key`,
 * NAT.0305 and NAT.0304); under the gateway's lock, its number of rules (NAT.0309) and a port or
 * private IP with an all-port rule beside port rules (NAT.0307, NAT.0308); the EIP is claimed
 * in the same transaction (NAT.0404, NAT.0408, NAT.0409).
 */
export const createDnatRule: Operation<
  {
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
  },
  DnatRuleRow
> = {
  errors: [
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
  ],
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
  async handle({ dnat_rule: input }, { tenant, store, services }) {
    checkLengths(input);
    const gatewayId = uuid(input.nat_gateway_id, 'NAT.0021');
    const floatingIpId = uuid(input.floating_ip_id, 'NAT.0024');

    const protocol = protocolOf(input.protocol);
    if (protocol === undefined)
      throw natError('NAT.0302', { protocol: String(input.protocol), values: '[tcp, udp, any]' });
    const internalPort = portOf(input.internal_service_port);
    const externalPort = portOf(input.external_service_port);
    // All ports: both ports 0 and protocol any, together or not at all.
    const allPorts = protocol === 'any';
    const allPortParts = [internalPort === 0, externalPort === 0, allPorts];
    if (allPortParts.includes(true) && allPortParts.includes(false)) throw natError('NAT.0306');

    const portText = given(input.port_id);
    const privateIp = given(input.private_ip) ?? '';
    if (portText === undefined && privateIp === '') throw natError('NAT.0310');
    if (portText !== undefined && privateIp !== '') throw natError('NAT.0317');
    const net = services.network(tenant);
    let portId = '';
    let portNetwork: string | undefined;
    if (portText !== undefined) {
      portId = uuid(portText, 'NAT.0315');
      const port = net.port(portId);
      if (!port) throw natError('NAT.0023', portId);
      portNetwork = port.network_id;
    } else if (!isPrivateTarget(privateIp)) {
      throw natError('NAT.0311');
    }
    const fip = net.floatingIp(floatingIpId);
    if (!fip) throw natError('NAT.0026', floatingIpId);
    const target = portId ? `port:${portId}` : `ip:${privateIp}`;

    return store.create<NatGatewayRow>(tenant, {
      parent: gatewayId,
      prepare(_trx, _now, gateway) {
        // A server's port must be in the gateway's VPC.
        if (portNetwork !== undefined && net.subnet(portNetwork)?.router_id !== gateway.router_id)
          throw natError('NAT.0315', { port: portId });
      },
      fields: (gateway) => ({
        nat_gateway_id: gateway.id,
        port_id: portId,
        private_ip: privateIp,
        internal_service_port: internalPort,
        floating_ip_id: floatingIpId,
        floating_ip_address: fip.address,
        external_service_port: externalPort,
        protocol,
        description: input.description ?? '',
        admin_state_up: 1,
        // EIP ids are unique across projects; private IPs are not, so the internal side is per gateway.
        external_key: `${floatingIpId}:${externalPort}:${protocol}`,
        internal_key: `${gateway.id}:${target}:${internalPort}:${protocol}`,
      }),
      conflict(constraint) {
        if (constraint.includes('external_key')) return natError('NAT.0305');
        if (constraint.includes('internal_key')) return natError('NAT.0304');
        return undefined;
      },
      async written(trx, row, gateway) {
        const live = await trx
          .selectFrom('dnat_rules')
          .select(['port_id', 'private_ip', 'protocol'])
          .where('nat_gateway_id', '=', gateway.id)
          .where('external_key', 'is not', null)
          .where('id', '<>', row.id)
          .execute();
        const limit = services.limits.dnatRulesPerGateway;
        if (live.length + 1 > limit) throw natError('NAT.0309', { limit });
        // An all-port rule owns its target: no other rule beside it, and it beside no other.
        const clash = (rule: { protocol: string }) => allPorts || rule.protocol === 'any';
        if (portId && live.some((rule) => rule.port_id === portId && clash(rule))) throw natError('NAT.0307');
        if (privateIp && live.some((rule) => rule.private_ip === privateIp && clash(rule)))
          throw natError('NAT.0308');
        await claimEips(trx, services.database.engine, {
          tenant,
          gatewayId: gateway.id,
          use: allPorts ? 'dnat-all' : 'dnat-port',
          ruleId: row.id,
          floatingIpIds: [floatingIpId],
          dnatRulesPerEip: services.limits.dnatRulesPerEip,
        });
      },
    });
  },
};
