import { isIPv6 } from 'node:net';
import { natError } from '../errors.js';
import { type Cidr, parseCidr } from '../snat/ip.js';
import type { Network } from './fixture.js';

/**
 * What the network says makes a subnet, a port or an EIP unfit for NAT, as the error-code page
 * names it. Each is checked once the thing is known to exist, before anything is counted or
 * claimed for it.
 */

/** A network's IPv4 block: NAT.0010 for a network with none (an IPv6 one). */
export function ipv4Block(network: Network['networks'][number]): Cidr {
  const block = parseCidr(network.cidr);
  if (!block) throw natError('NAT.0010', { network: network.id });
  return block;
}

/** The address a DNAT rule reaches a port at: 404 NAT.1009 for a port without one. */
export function portAddress(port: Network['ports'][number]): string {
  if (!port.ip) throw natError('NAT.1009', { 0: port.id });
  return port.ip;
}

/** The virtual IP ports, which public DNAT does not map (NAT.0312); private DNAT does (type `VIP`). */
export function checkNotVirtualIp(port: Network['ports'][number]): void {
  if (port.type === 'VIP') throw natError('NAT.0312');
}

/** An EIP a NAT rule may take: not IPv6 (NAT.0109), not frozen (NAT.0401), bound to no port (NAT.0402). */
export function checkEip(fip: Network['floating_ips'][number]): void {
  if (isIPv6(fip.address)) throw natError('NAT.0109');
  if (fip.status === 'FREEZED') throw natError('NAT.0401', { fip: fip.id });
  if (fip.port_id) throw natError('NAT.0402', { fip: fip.id, port: fip.port_id });
}
