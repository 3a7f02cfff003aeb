import { timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

/** The header by which the proxy in front proves a request is its own (`proxySecret`). */
export const proxySecretHeader = 'x-natgw-proxy-secret';

/**
 * The proxies `trustProxy` names: addresses, CIDRs (`10.0.0.0/8`) and `loopback`, comma-separated.
 * @example proxies('loopback, 192.0.2.1').check('127.0.0.1') // true
 */
export function proxies(list: string): BlockList {
  const blocks = new BlockList();
  for (const entry of list.split(',').map((item) => item.trim())) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (entry === 'loopback') {
      blocks.addSubnet('127.0.0.0', 8, 'ipv4');
      blocks.addAddress('::1', 'ipv6');
    } else if (isIP(address) && bits === undefined) {
      blocks.addAddress(address, family);
    } else if (
      isIP(address) &&
      /^\d{1,3}$/.test(bits ?? '') &&
      Number(bits) <= (family === 'ipv6' ? 128 : 32)
    ) {
      blocks.addSubnet(address, Number(bits), family);
    } else {
      throw new RangeError(`trustProxy: "${entry}" is not an address, a CIDR or loopback`);
    }
  }
  return blocks;
}

/** An IPv4 address as the socket may give it, mapped into IPv6 (`::ffff:127.0.0.1`), unmapped. */
function unmapped(address: string): string {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
}

/**
 * The address a request comes from, as the login lockout counts it: the socket's peer, unless
 * the peer is the proxy in front (one of `trustProxy`, and, with `proxySecret`, it sent the
 * secret). Then it is the one entry that proxy appended to `X-Forwarded-For`, the last: one hop
 * is trusted, the list is not walked, so what a client writes there itself never counts. On one
 * machine anyone can connect from loopback: there, only the secret tells the proxy from them.
 */
export function clientAddress(config: Pick<Config, 'trustProxy' | 'proxySecret'>) {
  const trusted = config.trustProxy ? proxies(config.trustProxy) : undefined;
  const secret = config.proxySecret === undefined ? undefined : Buffer.from(config.proxySecret);
  const proven = (sent: string | string[] | undefined): boolean => {
    if (secret === undefined) return true;
    const given = Buffer.from(typeof sent === 'string' ? sent : '');
    return given.length === secret.length && timingSafeEqual(given, secret);
  };
  return (request: FastifyRequest): string => {
    const peer = unmapped(request.socket.remoteAddress ?? '');
    const family = isIP(peer) === 6 ? 'ipv6' : 'ipv4';
    if (!trusted || !isIP(peer) || !trusted.check(peer, family)) return peer;
    if (!proven(request.headers[proxySecretHeader])) return peer;
    const forwarded = [request.headers['x-forwarded-for'] ?? []].flat().join(',');
    const last = forwarded.split(',').at(-1)?.trim() ?? '';
    return isIP(last) ? last : peer;
  };
}
