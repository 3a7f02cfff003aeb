import { type Cidr, formatCidr, parseCidr, parseIpv4, within } from '../snat/ip.js';

/**
 * The addresses of a subnet a private NAT gateway or a transit IP may take: all but the five a
 * VPC subnet keeps for itself (its network address, its gateway (the first), the last two
 * (system interface and DHCP) and its broadcast address), in a block of at least 8.
 */
export function usable(cidr: string): { first: number; last: number } | undefined {
  const block = parseCidr(cidr);
  if (!block || block.prefix > 29) return undefined;
  const size = 2 ** (32 - block.prefix);
  return { first: block.base + 2, last: block.base + size - 4 };
}

/** `ip` as one address the subnet `cidr` can assign, dotted; undefined when it is not one. */
export function assignable(cidr: string, ip: string): string | undefined {
  const address = parseIpv4(ip);
  const range = usable(cidr);
  if (address === undefined || !range) return undefined;
  const inside = within({ base: address, prefix: 32 }, parseCidr(cidr) as Cidr);
  return inside && address >= range.first && address <= range.last ? dotted(address) : undefined;
}

/** The lowest usable address of `cidr` not in `taken`, dotted; undefined when there is none. */
export function firstFree(cidr: string, taken: ReadonlySet<string>): string | undefined {
  const range = usable(cidr);
  if (!range) return undefined;
  for (let address = range.first; address <= range.last; address++) {
    const text = dotted(address);
    if (!taken.has(text)) return text;
  }
  return undefined;
}

/** An address as dotted decimal. */
export function dotted(address: number): string {
  return formatCidr({ base: address, prefix: 32 }).slice(0, -3);
}
