import { isIPv6 } from 'node:net';
import { parseCidr, parseIpv4, within } from '../snat/ip.js';
import { schemas } from '../validate.js';
import type { Network } from './fixture.js';

/**
 * A project's network as the admin API takes and gives it (network/fixture.ts's `Network`): its
 * schema, bounded, and the checks a schema cannot make (valid blocks, references, duplicates).
 */

/** Items in each list of a document: the default network has a few hundred. */
export const maxNetworkItems = 1000;

const id = { type: 'string', pattern: `^${schemas.uuidPattern}$` } as const;
const block = {
  type: 'string',
  minLength: 4,
  maxLength: 43,
  description: 'An IPv4 block, `a.b.c.d/n`, or an IPv6 one (a subnet NAT does not take: NAT.0010).',
} as const;
const address = {
  type: 'string',
  minLength: 2,
  maxLength: 39,
  description: 'An IPv4 address, or an IPv6 one (an EIP NAT does not take: NAT.0109).',
} as const;

/** The document's lists and their items' fields; `strict` refuses fields it does not name. */
function documentSchema(strict: boolean) {
  const item = (required: string[], properties: Record<string, object>) => ({
    type: 'object',
    ...(strict ? { additionalProperties: false } : {}),
    required,
    properties,
  });
  const list = (description: string, of: object) => ({
    type: 'array',
    description,
    maxItems: maxNetworkItems,
    items: of,
  });
  return {
    type: 'object',
    ...(strict ? { additionalProperties: false } : {}),
    required: ['routers', 'networks', 'ports', 'floating_ips'],
    properties: {
      routers: list(
        "VPCs: a gateway's `router_id`, a private gateway's `vpc_id`.",
        item(['id', 'name', 'cidr'], { id, name: { type: 'string', maxLength: 64 }, cidr: block }),
      ),
      networks: list(
        'Subnets of a router: `internal_network_id`, `network_id`, `virsubnet_id`.',
        item(['id', 'router_id', 'cidr'], { id, router_id: id, cidr: block }),
      ),
      ports: list(
        "Ports with an address in their subnet: a DNAT rule's `port_id` or `network_interface_id`.",
        item(['id', 'network_id', 'ip'], {
          id,
          network_id: id,
          ip: {
            type: 'string',
            maxLength: 15,
            description:
              "Its IPv4 address in the subnet; `''` for a port whose address is missing (NAT.1009).",
          },
          type: {
            type: 'string',
            maxLength: 32,
            description:
              'What holds the port (`COMPUTE` if not given; `VIP`, a virtual IP, NAT.0312 for public DNAT).',
          },
        }),
      ),
      floating_ips: list(
        'EIPs: `floating_ip_id` of SNAT and DNAT rules.',
        item(['id', 'address'], {
          id,
          address,
          status: {
            type: 'string',
            maxLength: 32,
            description: "The EIP service's status: `FREEZED` is a frozen EIP (NAT.0401).",
          },
          port_id: { ...id, description: 'The port the EIP is bound to, of this network or not (NAT.0402).' },
        }),
      ),
    },
  } as const;
}

/** The body of `PUT …/network`: what the checks below need, nothing else. */
export const networkBody = documentSchema(true);

/** The document as sent: every field stored. */
export const networkSent = documentSchema(false);

/** A problem with a document, in English and Chinese. */
export interface Problem {
  en: string;
  'zh-CN': string;
}

/** The document with its ids (and the ids it refers to) in lower case, as lookups compare them. */
export function normalized(network: Network): Network {
  const lower = (text: string) => text.toLowerCase();
  return {
    ...network,
    routers: network.routers.map((router) => ({ ...router, id: lower(router.id) })),
    networks: network.networks.map((net) => ({ ...net, id: lower(net.id), router_id: lower(net.router_id) })),
    ports: network.ports.map((port) => ({ ...port, id: lower(port.id), network_id: lower(port.network_id) })),
    floating_ips: network.floating_ips.map((fip) => ({
      ...fip,
      id: lower(fip.id),
      ...(fip.port_id === undefined ? {} : { port_id: lower(fip.port_id) }),
    })),
  };
}

/**
 * The first thing wrong with a (normalized) document, or undefined: a block or address that is
 * not one, a subnet of no router of the document, a port of no subnet or outside its subnet's
 * block, an id twice in a list, an address twice (a port's in its subnet, an EIP's).
 */
export function problemOf(network: Network): Problem | undefined {
  for (const list of ['routers', 'networks', 'ports', 'floating_ips'] as const) {
    const seen = new Set<string>();
    for (const [index, item] of network[list].entries()) {
      if (seen.has(item.id))
        return {
          en: `${list}[${index}].id: ${item.id} is in ${list} twice`,
          'zh-CN': `${list}[${index}].id：${item.id} 在 ${list} 中出现了两次`,
        };
      seen.add(item.id);
    }
  }
  const blocks = new Map<string, ReturnType<typeof parseCidr>>();
  for (const list of ['routers', 'networks'] as const) {
    for (const [index, item] of network[list].entries()) {
      const parsed = item.cidr.includes('/') ? parseCidr(item.cidr) : undefined;
      if (!parsed && !(list === 'networks' && isIpv6Block(item.cidr)))
        return {
          en: `${list}[${index}].cidr: ${item.cidr} is not an IPv4 block (a.b.c.d/n, host bits zero)${list === 'networks' ? ' or an IPv6 one' : ''}`,
          'zh-CN': `${list}[${index}].cidr：${item.cidr} 不是 IPv4 网段（a.b.c.d/n，主机位为零）${list === 'networks' ? '或 IPv6 网段' : ''}`,
        };
      if (list === 'networks') blocks.set(item.id, parsed);
    }
  }
  const routers = new Set(network.routers.map((router) => router.id));
  for (const [index, net] of network.networks.entries()) {
    if (!routers.has(net.router_id))
      return {
        en: `networks[${index}].router_id: no router ${net.router_id} in the document`,
        'zh-CN': `networks[${index}].router_id：文档中没有路由器 ${net.router_id}`,
      };
  }
  const taken = new Set<string>();
  for (const [index, port] of network.ports.entries()) {
    if (!blocks.has(port.network_id))
      return {
        en: `ports[${index}].network_id: no network ${port.network_id} in the document`,
        'zh-CN': `ports[${index}].network_id：文档中没有子网 ${port.network_id}`,
      };
    // A port whose address is missing has none to check (NAT.1009 when a rule names it).
    if (port.ip === '') continue;
    const subnet = blocks.get(port.network_id);
    const ip = parseIpv4(port.ip);
    if (ip === undefined || subnet === undefined || !within({ base: ip, prefix: 32 }, subnet))
      return {
        en: `ports[${index}].ip: ${port.ip} is not an address of its network's block`,
        'zh-CN': `ports[${index}].ip：${port.ip} 不是其子网网段内的地址`,
      };
    const key = `${port.network_id}/${port.ip}`;
    if (taken.has(key))
      return {
        en: `ports[${index}].ip: ${port.ip} is another port's in network ${port.network_id}`,
        'zh-CN': `ports[${index}].ip：${port.ip} 已被子网 ${port.network_id} 中的另一个端口使用`,
      };
    taken.add(key);
  }
  const addresses = new Set<string>();
  for (const [index, fip] of network.floating_ips.entries()) {
    if (parseIpv4(fip.address) === undefined && !isIPv6(fip.address))
      return {
        en: `floating_ips[${index}].address: ${fip.address} is not an IP address`,
        'zh-CN': `floating_ips[${index}].address：${fip.address} 不是 IP 地址`,
      };
    if (addresses.has(fip.address))
      return {
        en: `floating_ips[${index}].address: ${fip.address} is another EIP's`,
        'zh-CN': `floating_ips[${index}].address：${fip.address} 已被另一个弹性公网 IP 使用`,
      };
    addresses.add(fip.address);
  }
  return undefined;
}

/** An IPv6 block, `prefix/n` (n up to 128): a subnet natgw keeps but NAT does not take. */
function isIpv6Block(text: string): boolean {
  const [prefix, length, extra] = text.split('/');
  return (
    extra === undefined &&
    prefix !== undefined &&
    isIPv6(prefix) &&
    /^(?:\d|[1-9]\d|1[01]\d|12[0-8])$/.test(length ?? '')
  );
}
