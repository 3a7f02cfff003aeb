/** IPv4 addresses and CIDR blocks as the rule pages use them (NAT gateways are IPv4 only). */

/** An IPv4 address in dotted decimal (no leading zeros) as a number, or undefined. */
export function parseIpv4(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  let value = 0;
  for (const part of match.slice(1) as string[]) {
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export interface Cidr {
  base: number;
  prefix: number;
}

/**
 * A network segment (`192.168.1.0/24`, host bits zero) or a host address (`192.168.1.10`,
 * `192.168.1.10/32`), or undefined when it is neither.
 */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, ...rest] = text.split('/');
  if (rest.length > 0 || address === undefined) return undefined;
  const base = parseIpv4(address);
  if (base === undefined) return undefined;
  let prefix = 32;
  if (prefixText !== undefined) {
    if (!/^(0|[1-9]\d?)$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > 32) return undefined;
  }
  if (base % 2 ** (32 - prefix) !== 0) return undefined;
  return { base, prefix };
}

/** `a.b.c.d/n`: the one spelling of a block, for uniqueness keys. */
export function formatCidr({ base, prefix }: Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join('.')}/${prefix}`;
}

/** Whether every address of `inner` is in `outer`. */
export function within(inner: Cidr, outer: Cidr): boolean {
  const size = 2 ** (32 - outer.prefix);
  return inner.prefix >= outer.prefix && Math.floor(inner.base / size) === Math.floor(outer.base / size);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return within(a, b) || within(b, a);
}

/**
 * Whether an address can be a DNAT rule's private IP: a unicast IPv4 address, not in 0.0.0.0/8,
 * loopback (127.0.0.0/8), link-local (169.254.0.0/16), multicast or reserved (224.0.0.0/3).
 */
export function isPrivateTarget(text: string): boolean {
  const value = parseIpv4(text);
  if (value === undefined) return false;
  const address = { base: value, prefix: 32 };
  return !['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/3'].some((block) =>
    within(address, parseCidr(block) as Cidr),
  );
}
