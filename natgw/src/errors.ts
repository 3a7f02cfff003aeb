import { type ContractError, createError, type ErrorStatus } from 'statuskit';

/**
 * The service's error codes this API sends, with the status and message the error-code pages
 * give them (common_parameters/error_codes.rst). Where the page gives 400 for a conflict or a
 * missing resource, the contract's status (409, 404) is used, with the page's code and message.
 */
const codes = {
  'NAT.0002': [400, 'Invalid parameters.'],
  'NAT.0005': [404, 'Network {network_id} does not exist.'],
  'NAT.0006': [409, 'Rule has not been deleted.'],
  'NAT.0015': [400, 'Invalid input for name.+exceeds maximum length of 255.'],
  'NAT.0016': [400, "Invalid input for spec. Reason: '{spec}' is not in ['0', '1', '2', '3', '4']."],
  'NAT.0017': [400, "Invalid input for router_id. Reason: '{value}' is not a valid UUID."],
  'NAT.0018': [400, "Invalid input for internal_network_id. Reason: '{value}' is not a valid UUID."],
  'NAT.0004': [404, 'The router {router_id} does not exist.'],
  'NAT.0008': [400, 'Router {router} has no port for subnet {subnet}.'],
  'NAT.0020': [
    404,
    "Specifying 'tenant_id' other than authenticated tenant in request requires admin privileges",
  ],
  'NAT.0021': [404, "Invalid input for nat_gateway_id. Reason: '{value}' is not a valid UUID."],
  'NAT.0022': [
    400,
    'Either network_id or cidr must be specified. Both can not be specified at the same time',
  ],
  'NAT.0023': [404, "Port '{port_id}' could not be found."],
  'NAT.0024': [404, "Invalid input for floating_ip_id. Reason: '{value}' is not a valid UUID."],
  'NAT.0025': [401, 'Token is expired.'],
  'NAT.0026': [404, 'Floating IP {floating_ip_id} could not be found.'],
  'NAT.0103': [409, 'NatGateway {nat_gateway_id} is not ACTIVE.'],
  'NAT.0105': [404, 'NatGateway {nat_gateway_id} does not exist.'],
  'NAT.0106': [409, 'Concurrent conflict requests found'],
  'NAT.0202': [400, 'Either network_id or cidr must be specified.Both can not be specified at the same time'],
  'NAT.0203': [400, "cidr is invalid, make sure it's format is correct."],
  'NAT.0204': [400, 'source_type and network_id is incompatible.'],
  'NAT.0205': [400, "cidr must be a subset of subnet's cidr."],
  'NAT.0206': [400, "cidr conflicts with subnet's cidr."],
  'NAT.0209': [404, 'No Snat Rule exist with id {id}'],
  'NAT.0210': [400, "Invalid input for floating_ip_id. Reason: '{value}' is not a valid UUID."],
  'NAT.0211': [400, "{limit} EIP has been associated to this SNAT rules's EIP pool, no more is allowed."],
  'NAT.0302': [
    400,
    'Dnat rule protocol {protocol} not supported.Only protocol values [tcp, udp, any] and integer representations [6, 17, 0] are supported.',
  ],
  'NAT.0303': [400, 'Invalid value for port {port}'],
  'NAT.0304': [409, 'The port_id, private_ip, internal port and protocol specified have been occupied.'],
  'NAT.0305': [409, 'The floating ip, external port and protocol specified have been occupied.'],
  'NAT.0306': [
    400,
    'The external port equals 0 and internal port equals 0 and protocol equals any must satisfied at the same time.',
  ],
  'NAT.0310': [400, 'The port_id and private_ip values are both empty, at least one value is not empty.'],
  'NAT.0311': [400, 'The private ip address is not legal.'],
  'NAT.0315': [400, 'Port {value} is not a valid port.'],
  'NAT.0317': [
    400,
    'The port_id and private_ip exist at the same time and value is not empty, but at least one value is empty.',
  ],
  'NAT.0319': [404, 'No Dnat Rule exist with id {id}'],
  'NAT.0403': [400, 'There is a duplicate EIP {fips} in SNAT rule.'],
  'NAT.1002': [404, '{resource} {id} could not be found.'],
  'NAT.1015': [400, 'Tags parameter is illegal.'],
  'NAT.1016': [400, 'The number of tags exceeds the limit {limit}.'],
  'NAT.1409': [409, 'Floating Ip {floating_ip_id} is used by rules.'],
  'NAT.1503': [409, 'Snat rule for network {network_id} exists.'],
  'NAT.1505': [409, 'Snat rule for cidr {cidr} exists.'],
  'VPC.0003': [404, 'VPC does not exit.'],
  'VPC.0007': [400, 'urlTenantId is not equal tokenTenantId'],
  'VPC.0008': [401, 'Invalid token in the header.'],
  'VPC.2701': [403, 'Token not allowed to do this action.'],
  'VPC.2012': [409, 'The router {router_id} already has nat gateway.'],
} as const satisfies Record<string, readonly [ErrorStatus, string]>;

export type NatCode = keyof typeof codes;

/**
 * The page's error, with its placeholders filled.
 * @example natError('NAT.0209', { id }) // 404 'No Snat Rule exist with id …'
 */
export function natError(
  code: NatCode,
  values: Record<string, string | number> = {},
  details?: unknown,
): ContractError {
  const [status, template] = codes[code];
  const message = template.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
  return createError(status, message, { code, ...(details === undefined ? {} : { details }) });
}

/** The codes sent for the errors the plugin raises itself (bad JSON, unknown route, bad token). */
export const pluginErrorCodes = {
  400: 'NAT.0002',
  401: 'VPC.0008',
  403: 'VPC.2701',
  404: 'NAT.1002',
  500: 'NAT.1001',
  503: 'NAT.0102',
} as const;

/**
 * The page's errors as the OpenAPI document lists them (a route's `schema.errors`): status, code
 * and message template.
 * @example documented('NAT.0105') // [{ status: 404, code: 'NAT.0105', message: 'NatGateway {nat_gateway_id} does not exist.' }]
 */
export function documented(...list: NatCode[]): { status: ErrorStatus; code: NatCode; message: string }[] {
  return list.map((code) => ({ status: codes[code][0], code, message: codes[code][1] }));
}
