import type { Transaction } from 'kysely';
import { pageTime } from '../db/lifecycle.js';
import type { Schema } from '../db/schema.js';
import { natError } from '../errors.js';
import { portAddress } from '../network/unfit.js';
import { ruleMax } from '../private-gateways/kind.js';
import type { PrivateGatewayRow } from '../private-gateways/row.js';
import type { Fields, Operation, Services } from '../resources/kind.js';
import { parseIpv4 } from '../snat/ip.js';
import {
  bindTransitIps,
  checkOwner,
  lockTransitIps,
  rulesOf,
  unbindTransitIps,
} from '../transit-ips/bindings.js';
import { isUuid } from '../validate.js';
import type { PrivateDnatRow } from './row.js';

/** At most 255 characters, no `<` or `>`. */
const description = { type: 'string', maxLength: 255, pattern: '^[^<>]*$' } as const;
/** A port as the pages send it (a decimal string) or as otcextensions does (a JSON integer). */
const servicePort = { type: ['string', 'integer'] } as const;
const optionalText = { type: ['string', 'null'], maxLength: 64 } as const;

/** The protocols the page names, in any letter case (the SDK's documentation), or by number. */
const protocols: Record<string, string> = {
  tcp: 'tcp',
  udp: 'udp',
  any: 'any',
  '6': 'tcp',
  '17': 'udp',
  '0': 'any',
};
export const protocolOf = (value: string): string | undefined => protocols[value.toLowerCase()];

/** A port 0-65535 as its decimal string, or NAT.0002. */
function portOf(value: string | number | undefined): string {
  if (value === undefined) return '0';
  const port = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw natError('NAT.0002');
  return String(port);
}

/** The pages' example requests; the gateway, transit IP and port are the caller's own. */
const examples = {
  create: {
    dnat_rule: {
      description: 'aa',
      gateway_id: '0adefb29-a6c2-48a5-8637-2be67fa03fec',
      transit_ip_id: '3faa719d-6d18-4ccb-a5c7-33e65a09663e',
      network_interface_id: 'dae9393a-b536-491c-a5a2-72edc1104707',
    },
  },
  update: { dnat_rule: { description: 'my dnat-rules 03' } },
};

/** What a request may say of a rule's traffic (create and update alike). */
interface Traffic {
  description?: string;
  transit_ip_id?: string;
  network_interface_id?: string | null;
  private_ip_address?: string | null;
  protocol?: string;
  internal_service_port?: string | number;
  transit_service_port?: string | number;
}

const trafficProperties = {
  description,
  transit_ip_id: { type: 'string', maxLength: 64 },
  network_interface_id: optionalText,
  private_ip_address: optionalText,
  protocol: { type: 'string', maxLength: 8 },
  internal_service_port: servicePort,
  transit_service_port: servicePort,
} as const;

type Backend = Pick<PrivateDnatRow, 'network_interface_id' | 'private_ip_address' | 'type'>;

/**
 * The backend a request names: a port of the project (NAT.1002; its VPC is checked against the
 * gateway's, NAT.1304) whose address (404 NAT.1009 when it has none) and kind (a virtual IP's
 * too: `VIP`) the rule takes, or an address alone (CUSTOMIZE);
 * exactly one of them (NAT.1311). Undefined when the request names neither and may (an update).
 */
function backendOf(input: Traffic, services: Services, tenant: string, required: boolean) {
  const portId = input.network_interface_id || undefined;
  const address = input.private_ip_address || undefined;
  if (portId !== undefined && address !== undefined) throw natError('NAT.1311');
  if (portId === undefined && address === undefined) {
    if (required) throw natError('NAT.1311');
    return undefined;
  }
  if (address !== undefined) {
    if (parseIpv4(address) === undefined) throw natError('NAT.0002');
    return { backend: { network_interface_id: '', private_ip_address: address, type: 'CUSTOMIZE' } };
  }
  const net = services.network(tenant);
  const port = isUuid(portId ?? '') ? net.port(portId ?? '') : undefined;
  if (!port) throw natError('NAT.1002', { 0: 'Port', 1: portId ?? '' });
  const backend: Backend = {
    network_interface_id: port.id,
    private_ip_address: portAddress(port),
    type: port.type ?? 'COMPUTE',
  };
  return { backend, vpc: net.subnet(port.network_id)?.router_id };
}

/** A transit IP id as given, in lower case (NAT.1507 unless a UUID). */
function transitIpOf(id: string): string {
  if (!isUuid(id)) throw natError('NAT.1507');
  return id.toLowerCase();
}

/** Protocol `any` forwards every port: both ports 0 (NAT.1306). */
function checkPorts(protocol: string, internal: string, transit: string) {
  if (protocol === 'any' && (internal !== '0' || transit !== '0')) throw natError('NAT.1306');
}

/** The unique keys of a rule's traffic (see row.ts). */
function keys(rule: Omit<Fields<PrivateDnatRow>, 'transit_key' | 'internal_key'>) {
  return {
    transit_key: `${rule.transit_ip_id}/${rule.protocol}/${rule.transit_service_port}`,
    internal_key: `${rule.gateway_id}/${rule.private_ip_address}/${rule.protocol}/${rule.internal_service_port}`,
  };
}

/** The page's error for a unique key a write broke. */
function conflictOf(constraint: string) {
  return constraint.includes('transit')
    ? natError('NAT.1310')
    : natError('NAT.1307', {}, { variant: 'Internal parameters' });
}

/**
 * Under the gateway's lock: a backend address serves rules of `any` or of port protocols, not
 * both (NAT.1309, naming the port or the address).
 */
async function checkBackend(trx: Transaction<Schema>, rule: PrivateDnatRow) {
  const others = await trx
    .selectFrom('private_dnat_rules')
    .select('protocol')
    .where('gateway_id', '=', rule.gateway_id)
    .where('private_ip_address', '=', rule.private_ip_address)
    .where('internal_key', 'is not', null)
    .where('id', '<>', rule.id)
    .execute();
  if (others.some((other) => (other.protocol === 'any') !== (rule.protocol === 'any')))
    throw natError('NAT.1309', rule.network_interface_id || rule.private_ip_address);
}

function bindDnat(services: Services, tenant: string, gateway: PrivateGatewayRow, rule: PrivateDnatRow) {
  return (trx: Transaction<Schema>) =>
    bindTransitIps(trx, {
      engine: services.database.engine,
      tenant,
      network: services.network(tenant),
      gateway,
      ruleId: rule.id,
      use: { rule: 'dnat', protocol: rule.protocol },
      ids: [rule.transit_ip_id],
      now: services.clock.now(),
    });
}

/** The errors of the traffic a request describes (create and update). */
const trafficErrors = [
  'NAT.0002',
  'NAT.1311',
  'NAT.1507',
  'NAT.1306',
  { code: 'NAT.1002', status: 404 },
  'NAT.1009',
  'NAT.1304',
  'NAT.1303',
  'NAT.1406',
  'NAT.1308',
  'NAT.1410',
  'NAT.1309',
  'NAT.1307',
  'NAT.1310',
] as const;

/**
 * Creates a DNAT rule on an ACTIVE private gateway of the project, ACTIVE at once: the gateway
 * row is locked for the transaction, the rule's traffic is unique (keys: NAT.1307, NAT.1310),
 * its backend serves one kind of protocol (NAT.1309), the gateway holds at most `rule_max`
 * rules (NAT.1207), and its transit IP is bound to the gateway in the same transaction.
 */
export const createPrivateDnat: Operation<
  {
    dnat_rule: Traffic & {
      gateway_id: string;
      transit_ip_id: string;
      type?: string;
      enterprise_project_id?: string;
    };
  },
  PrivateDnatRow
> = {
  errors: [...trafficErrors, { code: 'NAT.1208', variant: 'create operation' }, 'NAT.1207'],
  body: {
    type: 'object',
    required: ['dnat_rule'],
    examples: [examples.create],
    properties: {
      dnat_rule: {
        type: 'object',
        required: ['gateway_id', 'transit_ip_id'],
        properties: {
          gateway_id: { type: 'string', maxLength: 64 },
          ...trafficProperties,
          // Sent by otcextensions' CLI (not on the page): the backend decides the type, the gateway the project.
          type: { type: 'string', maxLength: 16 },
          enterprise_project_id: { type: 'string', maxLength: 64 },
        },
      },
    },
  },
  async handle({ dnat_rule: input }, { tenant, store, services }) {
    const { backend, vpc } = backendOf(input, services, tenant, true) as { backend: Backend; vpc?: string };
    const transitIpId = transitIpOf(input.transit_ip_id);
    const protocol = input.protocol === undefined ? 'any' : protocolOf(input.protocol);
    if (!protocol) throw natError('NAT.0002');
    const internal = portOf(input.internal_service_port);
    const transit = portOf(input.transit_service_port);
    checkPorts(protocol, internal, transit);
    const gatewayId = input.gateway_id.toLowerCase();
    if (!isUuid(gatewayId)) throw natError('NAT.1002', { 0: 'Private nat gateway', 1: input.gateway_id });
    return store.create<PrivateGatewayRow>(tenant, {
      parent: gatewayId,
      async prepare(trx, now, gateway) {
        if (vpc !== undefined && vpc !== gateway.vpc_id)
          throw natError('NAT.1304', backend.network_interface_id);
        if ((await rulesOf(trx, gateway.id)) >= ruleMax)
          throw natError('NAT.1207', { 0: ruleMax }, { variant: 'Add this gateway rule' });
        const locked = await lockTransitIps(trx, services.database.engine, tenant, [transitIpId], now);
        checkOwner(locked, services.network(tenant), gateway);
      },
      fields: (gateway) => {
        const rule = {
          gateway_id: gateway.id,
          description: input.description ?? '',
          transit_ip_id: transitIpId,
          ...backend,
          protocol,
          internal_service_port: internal,
          transit_service_port: transit,
          enterprise_project_id: input.enterprise_project_id || gateway.enterprise_project_id,
          updated_at: pageTime(services.clock.now()),
        };
        return { ...rule, ...keys(rule) };
      },
      conflict: conflictOf,
      async written(trx, row, gateway) {
        await checkBackend(trx, row);
        await bindDnat(services, tenant, gateway, row)(trx);
      },
    });
  },
};

/**
 * Changes a rule's description, transit IP, backend, protocol or ports (what the request leaves
 * out stays): under its gateway's lock, as a creation, with the same checks on the result. A new
 * transit IP and the old one are locked together, in sorted order; the old one leaves the
 * gateway when no rule uses it any more.
 */
export const updatePrivateDnat: Operation<{ dnat_rule?: Traffic }, PrivateDnatRow> = {
  errors: [...trafficErrors, { code: 'NAT.1208', variant: 'update operation' }],
  body: {
    type: 'object',
    examples: [examples.update],
    properties: { dnat_rule: { type: 'object', properties: trafficProperties } },
  },
  async handle({ dnat_rule: input = {} }, { tenant, id, store, services }) {
    const named = backendOf(input, services, tenant, false);
    const transitIpId = input.transit_ip_id === undefined ? undefined : transitIpOf(input.transit_ip_id);
    const protocol = input.protocol === undefined ? undefined : protocolOf(input.protocol);
    if (input.protocol !== undefined && !protocol) throw natError('NAT.0002');
    const internal =
      input.internal_service_port === undefined ? undefined : portOf(input.internal_service_port);
    const transit = input.transit_service_port === undefined ? undefined : portOf(input.transit_service_port);
    // Its gateway, which never changes, is locked first, as a creation locks it.
    const current = await store.find(services.database.db, tenant, id, services.clock.now());
    let changed: PrivateDnatRow | undefined;
    let previous = '';
    return store.update<PrivateGatewayRow>(tenant, id, {
      parent: current.gateway_id,
      check(rule, gateway) {
        if (named?.vpc !== undefined && named.vpc !== gateway.vpc_id)
          throw natError('NAT.1304', named.backend.network_interface_id);
        const next = {
          ...rule,
          ...(input.description === undefined ? {} : { description: input.description }),
          ...(transitIpId === undefined ? {} : { transit_ip_id: transitIpId }),
          ...(named?.backend ?? {}),
          ...(protocol === undefined ? {} : { protocol }),
          ...(internal === undefined ? {} : { internal_service_port: internal }),
          ...(transit === undefined ? {} : { transit_service_port: transit }),
          updated_at: pageTime(services.clock.now()),
        };
        checkPorts(next.protocol, next.internal_service_port, next.transit_service_port);
        changed = { ...next, ...keys(next) };
      },
      async before(trx, rule, gateway) {
        previous = rule.transit_ip_id;
        const next = changed?.transit_ip_id ?? previous;
        const locked = await lockTransitIps(
          trx,
          services.database.engine,
          tenant,
          [previous, next],
          services.clock.now(),
        );
        checkOwner(
          locked.filter((row) => row.id === next),
          services.network(tenant),
          gateway,
        );
      },
      changes: () => {
        const {
          id: _id,
          tenant_id,
          created_at,
          pending,
          pending_until,
          status,
          ...columns
        } = changed as PrivateDnatRow & { status?: string };
        return columns;
      },
      conflict: conflictOf,
      async written(trx, rule, gateway) {
        await checkBackend(trx, rule);
        await bindDnat(services, tenant, gateway, rule)(trx);
        if (rule.transit_ip_id !== previous)
          await unbindTransitIps(trx, services.database.engine, tenant, rule.id, services.clock.now(), [
            previous,
          ]);
      },
    });
  },
};
