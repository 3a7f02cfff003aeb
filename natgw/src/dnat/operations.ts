import type { Transaction } from 'kysely';
import type { DnatRuleRow, NatGatewayRow, Schema } from '../db/schema.js';
import { natError } from '../errors.js';
import type { ProjectNetwork } from '../network/fixture.js';
import { checkEip, checkNotVirtualIp, portAddress } from '../network/unfit.js';
import type { Creation, Fields, Operation, Services, View } from '../resources/kind.js';
import { claimEips, lockEips, releaseEips } from '../snat/claims.js';
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

/** What a request says of a rule's mapping: the target, the ports, the EIP and the protocol. */
interface MappingInput {
  port_id?: string | null;
  private_ip?: string | null;
  internal_service_port: unknown;
  floating_ip_id: string;
  external_service_port: unknown;
  protocol: unknown;
}

/** A rule's mapping, checked against the project's network. */
interface Mapping {
  /** The port (a lower-case UUID) or the private IP: exactly one of them set, the other ''. */
  portId: string;
  privateIp: string;
  /** The port's subnet, to check it is in the gateway's VPC. */
  portNetwork: string | undefined;
  internalPort: number;
  externalPort: number;
  floatingIpId: string;
  floatingIpAddress: string;
  /** `tcp`, `udp` or `any` (all ports). */
  protocol: string;
}

/** The page's checks of a mapping, in its order, against the project's network. */
function mappingOf(input: MappingInput, net: ProjectNetwork): Mapping {
  const floatingIpId = uuid(input.floating_ip_id, 'NAT.0024');
  const protocol = protocolOf(input.protocol);
  if (protocol === undefined)
    throw natError('NAT.0302', { protocol: String(input.protocol), values: '[tcp, udp, any]' });
  const internalPort = portOf(input.internal_service_port);
  const externalPort = portOf(input.external_service_port);
  // All ports: both ports 0 and protocol any, together or not at all. Protocol any on a port is
  // the case the page's NAT.0301 names; the rest of the mismatch, NAT.0306.
  if (protocol === 'any' && (internalPort !== 0 || externalPort !== 0))
    throw natError('NAT.0301', {}, { variant: 'for non-all port rule' });
  const allPorts = [internalPort === 0, externalPort === 0, protocol === 'any'];
  if (allPorts.includes(true) && allPorts.includes(false)) throw natError('NAT.0306');

  const portText = given(input.port_id);
  const privateIp = given(input.private_ip) ?? '';
  if (portText === undefined && privateIp === '') throw natError('NAT.0310');
  if (portText !== undefined && privateIp !== '') throw natError('NAT.0317');
  let portId = '';
  let port: ReturnType<ProjectNetwork['port']>;
  if (portText !== undefined) {
    portId = uuid(portText, 'NAT.0315');
    port = net.port(portId);
    if (!port) throw natError('NAT.0023', portId);
  } else if (!isPrivateTarget(privateIp)) {
    throw natError('NAT.0311');
  }
  const fip = net.floatingIp(floatingIpId);
  if (!fip) throw natError('NAT.0026', floatingIpId);
  // Both exist: whether NAT takes them (a port with its address, not a virtual IP; the EIP).
  if (port) {
    portAddress(port);
    checkNotVirtualIp(port);
  }
  checkEip(fip);
  const floatingIpAddress = fip.address;
  return {
    portId,
    privateIp,
    portNetwork: port?.network_id,
    internalPort,
    externalPort,
    floatingIpId,
    floatingIpAddress,
    protocol,
  };
}

/**
 * Where a mapping goes on a gateway, in a transaction that holds the gateway's row (rule creation,
 * update and gateway deletion all take it): a server's port in the gateway's VPC (NAT.0315); the
 * external and internal mappings unique by constraint (`external_key`, `internal_key`, NAT.0305
 * and NAT.0304); under the gateway's lock, its number of rules (NAT.0309) and a port or private IP
 * with an all-port rule beside port rules (NAT.0307, NAT.0308); the EIP claimed in the same
 * transaction (NAT.0404, NAT.0408, NAT.0409, NAT.0313).
 */
function placement(mapping: Mapping, net: ProjectNetwork, services: Services, tenant: string) {
  const { portId, privateIp, internalPort, externalPort, floatingIpId, protocol } = mapping;
  const allPorts = protocol === 'any';
  return {
    check(gateway: NatGatewayRow) {
      if (
        mapping.portNetwork !== undefined &&
        net.subnet(mapping.portNetwork)?.router_id !== gateway.router_id
      )
        throw natError('NAT.0315', { port: portId });
    },
    fields(gateway: NatGatewayRow) {
      const target = portId ? `port:${portId}` : `ip:${privateIp}`;
      return {
        port_id: portId,
        private_ip: privateIp,
        internal_service_port: internalPort,
        floating_ip_id: floatingIpId,
        floating_ip_address: mapping.floatingIpAddress,
        external_service_port: externalPort,
        protocol,
        // EIP ids are unique across projects; private IPs are not, so the internal side is per gateway.
        external_key: `${floatingIpId}:${externalPort}:${protocol}`,
        internal_key: `${gateway.id}:${target}:${internalPort}:${protocol}`,
      };
    },
    conflict(constraint: string) {
      if (constraint.includes('external_key')) return natError('NAT.0305');
      if (constraint.includes('internal_key')) return natError('NAT.0304');
      return undefined;
    },
    async placed(trx: Transaction<Schema>, rule: DnatRuleRow, gateway: NatGatewayRow) {
      const live = await trx
        .selectFrom('dnat_rules')
        .select(['port_id', 'private_ip', 'protocol'])
        .where('nat_gateway_id', '=', gateway.id)
        .where('external_key', 'is not', null)
        .where('id', '<>', rule.id)
        .execute();
      const limit = services.limits.dnatRulesPerGateway;
      if (live.length + 1 > limit) throw natError('NAT.0309', { limit });
      // An all-port rule owns its target: no other rule beside it, and it beside no other.
      const clash = (other: { protocol: string }) => allPorts || other.protocol === 'any';
      if (portId && live.some((other) => other.port_id === portId && clash(other)))
        throw natError('NAT.0307');
      if (privateIp && live.some((other) => other.private_ip === privateIp && clash(other)))
        throw natError('NAT.0308');
      await claimEips(trx, services.database.engine, {
        tenant,
        gatewayId: gateway.id,
        use: allPorts ? 'dnat-all' : 'dnat-port',
        ruleId: rule.id,
        floatingIpIds: [floatingIpId],
        dnatRulesPerEip: services.limits.dnatRulesPerEip,
      });
    },
  };
}

type CreateInput = MappingInput & { nat_gateway_id: string; description?: string };

/** The creation of one rule as a request gives it: checked, then placed on its gateway. */
function creation(
  input: CreateInput,
  net: ProjectNetwork,
  services: Services,
  tenant: string,
): Creation<DnatRuleRow, NatGatewayRow> {
  checkLengths(input);
  const gatewayId = uuid(input.nat_gateway_id, 'NAT.0021');
  const place = placement(mappingOf(input, net), net, services, tenant);
  return {
    parent: gatewayId,
    prepare: (_trx, _now, gateway) => place.check(gateway),
    fields: (gateway): Fields<DnatRuleRow> => ({
      nat_gateway_id: gateway.id,
      ...place.fields(gateway),
      description: input.description ?? '',
      admin_state_up: 1,
    }),
    conflict: place.conflict,
    async written(trx, rule, gateway) {
      await place.placed(trx, rule, gateway);
      // The rule is programmed on the gateway's VTEP.
      services.backends.call('vtep');
    },
  };
}

/** A rule to create, as the page's body gives it (ports and protocol are checked by the service). */
const ruleBody = {
  type: 'object',
  required: [
    'nat_gateway_id',
    'internal_service_port',
    'floating_ip_id',
    'external_service_port',
    'protocol',
  ],
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
} as const;

/** The errors of a rule's creation, alone or in a batch. */
const creationErrors = [
  'NAT.0014',
  'NAT.0021',
  'NAT.0024',
  'NAT.0302',
  'NAT.0303',
  { code: 'NAT.0301', variant: 'for non-all port rule' },
  'NAT.0306',
  'NAT.0310',
  'NAT.0317',
  'NAT.0315',
  'NAT.0023',
  'NAT.0311',
  'NAT.0026',
  'NAT.1009',
  'NAT.0312',
  'NAT.0109',
  'NAT.0401',
  'NAT.0402',
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
  'NAT.0316',
] as const;

/** A field the page requires left out (or null): its NAT.0301, naming it. */
function missingField(field: string, path = field) {
  return natError(
    'NAT.0301',
    {},
    {
      variant: 'param xxx is null in request body.',
      gaps: (template) => template.replace('xxx', field),
      details: [{ field: path, rule: 'required', message: `must have required property '${field}'` }],
    },
  );
}

/** Creates a rule on an ACTIVE gateway of the project, PENDING_CREATE for the provisioning delay. */
export const createDnatRule: Operation<{ dnat_rule: CreateInput }, DnatRuleRow> = {
  errors: [{ code: 'NAT.0301', variant: 'param xxx is null in request body.' }, ...creationErrors],
  missing: missingField,
  body: { type: 'object', required: ['dnat_rule'], examples: [example], properties: { dnat_rule: ruleBody } },
  async handle({ dnat_rule: input }, { tenant, store, services }) {
    return store.create(tenant, creation(input, services.network(tenant), services, tenant));
  },
};

/**
 * Creates rules in a batch (Huawei Cloud's page), all or none, each as one rule is created: a
 * batch holds at most as many rules as a gateway takes (NAT.0314), and at least one.
 */
export const createDnatRules: Operation<{ dnat_rules: CreateInput[] }, DnatRuleRow, View[]> = {
  forms: ['huawei'],
  errors: [
    { code: 'NAT.0301', variant: 'Request is null.' },
    { code: 'NAT.0301', variant: 'param xxx is null in request body.' },
    'NAT.0314',
    ...creationErrors,
  ],
  missing: missingField,
  body: {
    type: 'object',
    required: ['dnat_rules'],
    examples: [
      {
        dnat_rules: [
          example.dnat_rule,
          {
            floating_ip_id: 'cf99c679-9f41-4dac-8513-9c9228e713e1',
            nat_gateway_id: 'cda3a125-2406-456c-a11f-598e10578541',
            private_ip: '192.168.1.100',
            internal_service_port: 0,
            protocol: 'any',
            external_service_port: 0,
          },
        ],
      },
    ],
    properties: { dnat_rules: { type: 'array', items: ruleBody } },
  },
  async handle({ dnat_rules: inputs }, { tenant, store, services }) {
    if (inputs.length === 0) throw natError('NAT.0301', {}, { variant: 'Request is null.' });
    const limit = services.limits.dnatRulesPerGateway;
    if (inputs.length > limit) throw natError('NAT.0314', { limit });
    const net = services.network(tenant);
    return store.createMany(
      tenant,
      inputs.map((input) => creation(input, net, services, tenant)),
    );
  },
};

/** The fields of a mapping: given together, or none of them (the update page). */
const mappingFields = [
  'internal_service_port',
  'external_service_port',
  'floating_ip_id',
  'protocol',
] as const;

/**
 * Changes a rule (Huawei Cloud's page): its description, its mapping (every field of it
 * together: else NAT.0301 naming the first missing), or both. The rule and its gateway, which
 * the request names (a rule of another gateway is not found), must be ACTIVE; the mapping is
 * checked as a new rule's is, and its EIP, if another, is released when no rule uses it.
 */
export const updateDnatRule: Operation<
  { dnat_rule: Partial<MappingInput> & { nat_gateway_id: string; description?: string } },
  DnatRuleRow
> = {
  forms: ['huawei'],
  errors: [
    'NAT.0319',
    'NAT.0318',
    'NAT.0014',
    'NAT.0021',
    { code: 'NAT.0301', variant: 'Request is null.' },
    { code: 'NAT.0301', variant: 'param xxx is null in request body.' },
    ...creationErrors.filter(
      (code) => code !== 'NAT.0014' && code !== 'NAT.0021' && code !== 'NAT.0309' && code !== 'NAT.0316',
    ),
  ],
  missing: missingField,
  body: {
    type: 'object',
    required: ['dnat_rule'],
    examples: [
      {
        dnat_rule: {
          nat_gateway_id: 'a78fb3eb-1654-4710-8742-3fc49d5f04f8',
          floating_ip_id: 'cf99c679-9f41-4dac-8513-9c9228e713e1',
          port_id: '9a469561-daac-4c94-88f5-39366e5ea193',
          internal_service_port: 993,
          protocol: 'tcp',
          external_service_port: 242,
          description: 'my dnat rule 01',
        },
      },
    ],
    properties: {
      dnat_rule: {
        type: 'object',
        required: ['nat_gateway_id'],
        properties: { ...ruleBody.properties, floating_ip_id: optionalText(255) },
      },
    },
  },
  async handle({ dnat_rule: input }, { tenant, id, store, services }) {
    checkLengths(input);
    const gatewayId = uuid(input.nat_gateway_id, 'NAT.0021');
    const present = (field: keyof MappingInput) => input[field] !== undefined && input[field] !== null;
    const mapped = [...mappingFields, 'port_id', 'private_ip'] as const;
    if (!mapped.some(present) && input.description === undefined)
      throw natError('NAT.0301', {}, { variant: 'Request is null.' });
    const description = input.description === undefined ? {} : { description: input.description };
    if (!mapped.some(present))
      return store.update(tenant, id, { parent: gatewayId, changes: () => description });
    const missing = mappingFields.find((field) => !present(field));
    if (missing !== undefined) throw missingField(missing, `dnat_rule.${missing}`);
    const net = services.network(tenant);
    const place = placement(mappingOf(input as MappingInput, net), net, services, tenant);
    let before = '';
    return store.update<NatGatewayRow>(tenant, id, {
      parent: gatewayId,
      check: (_rule, gateway) => place.check(gateway),
      async before(trx, rule) {
        before = rule.floating_ip_id;
        // The claim first, as a deletion takes it: see `eipDeletion`.
        await lockEips(trx, services.database.engine, [before]);
      },
      changes: (_rule, gateway) => ({ ...place.fields(gateway), ...description }),
      conflict: place.conflict,
      async written(trx, rule, gateway) {
        await place.placed(trx, rule, gateway);
        if (before !== rule.floating_ip_id) await releaseEips(trx, [before]);
      },
    });
  },
};
