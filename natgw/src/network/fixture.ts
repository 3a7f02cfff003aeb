import { existsSync, readFileSync } from 'node:fs';

/**
 * The project's network as NAT resources refer to it: VPCs (routers), subnets, ports (with the
 * kind of what holds them, COMPUTE when not given: private NAT's DNAT `type`), EIPs. Beside what
 * NAT resources take from them, some say what makes them unfit for NAT, each a condition of the
 * error-code page (all optional, so a fixture without them means none of them).
 */
export interface Network {
  routers: { id: string; name: string; cidr: string }[];
  networks: {
    id: string;
    router_id: string;
    /**
     * An IPv6 block is a network without an IPv4 subnet: no gateway, SNAT rule or transit IP
     * takes it (NAT.0010).
     */
    cidr: string;
  }[];
  ports: {
    id: string;
    network_id: string;
    /** The port's address; '' for a port whose address is missing (a DNAT rule to it: 404 NAT.1009). */
    ip: string;
    /** `VIP` for a virtual IP address: private DNAT takes it, public DNAT does not (NAT.0312). */
    type?: string;
  }[];
  floating_ips: {
    id: string;
    /** An IPv6 address is an EIP no NAT rule takes (NAT.0109). */
    address: string;
    /** The EIP service's status; `FREEZED` (its spelling) is a frozen EIP no NAT rule takes (NAT.0401). */
    status?: string;
    /** The port the EIP is bound to directly; no NAT rule takes such an EIP (NAT.0402). */
    port_id?: string;
  }[];
}

/** Networks by project id. */
export type NetworkFixture = Record<string, Network>;

/** Ids a fixture derives for its numbered extras, so every start makes the same ones. */
function numbered(prefix: string, n: number): string {
  return `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/**
 * The default network of a project. The `demo` project's holds every id of the pages' example
 * requests, so they work as written; every project also gets numbered extras for tests and load.
 */
export function defaultNetwork(projectIndex: number, withPageIds: boolean): Network {
  const p = String(projectIndex + 1).padStart(4, '0');
  const router = withPageIds ? 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a' : numbered(`a0${p}00`, 0);
  const net: Network = {
    routers: [{ id: router, name: 'vpc-default', cidr: '192.168.0.0/16' }],
    networks: withPageIds
      ? [
          { id: '89d66639-aacb-4929-969d-07080b0f9fd9', router_id: router, cidr: '192.168.0.0/24' },
          { id: 'eaad9cd6-2372-4be1-9535-9bd37210ae7b', router_id: router, cidr: '192.168.1.0/24' },
        ]
      : [],
    ports: withPageIds
      ? [
          {
            id: '9a469561-daac-4c94-88f5-39366e5ea193',
            network_id: 'eaad9cd6-2372-4be1-9535-9bd37210ae7b',
            ip: '192.168.1.10',
          },
        ]
      : [],
    floating_ips: withPageIds
      ? [
          { id: 'bdc10a4c-d81a-41ec-adf7-de857f7c812a', address: '5.21.11.226' },
          { id: 'bf99c679-9f41-4dac-8513-9c9228e713e1', address: '5.21.11.227' },
          { id: 'cf99c679-9f41-4dac-8513-9c9228e713e1', address: '5.21.11.228' },
        ]
      : [],
  };
  for (let i = 1; i <= 64; i++) {
    const network = numbered(`b0${p}00`, i);
    net.networks.push({ id: network, router_id: router, cidr: `10.${projectIndex}.${i}.0/24` });
    net.ports.push({ id: numbered(`c0${p}00`, i), network_id: network, ip: `10.${projectIndex}.${i}.10` });
  }
  privateNetworks(net, p, projectIndex, withPageIds);
  for (let i = 1; i <= 256; i++) {
    net.floating_ips.push({
      id: numbered(`e0${p}00`, i),
      address: `80.${projectIndex}.${Math.floor(i / 250)}.${i % 250}`,
    });
  }
  unfitForNat(net, p, projectIndex, router);
  return net;
}

/**
 * One of each thing the error-code page says NAT does not take, appended to the numbered extras:
 * in the VPC of public NAT, network 65 with an IPv6 block only (NAT.0010), and in network 1 port
 * 65, a virtual IP (NAT.0312 for public DNAT), and port 66, without an address (NAT.1009); EIPs
 * 257 with an IPv6 address (NAT.0109), 258 bound to port 1 (NAT.0402) and 259 frozen
 * (NAT.0401); and in the served VPC's subnet 16 port 17, a virtual IP, which private DNAT takes.
 */
function unfitForNat(net: Network, p: string, projectIndex: number, router: string): void {
  const publicSubnet = numbered(`b0${p}00`, 1);
  net.networks.push({
    id: numbered(`b0${p}00`, 65),
    router_id: router,
    cidr: `2001:db8:${projectIndex}::/64`,
  });
  net.ports.push(
    { id: numbered(`c0${p}00`, 65), network_id: publicSubnet, ip: `10.${projectIndex}.1.11`, type: 'VIP' },
    { id: numbered(`c0${p}00`, 66), network_id: publicSubnet, ip: '' },
    {
      id: numbered(`c1${p}00`, 17),
      network_id: numbered(`b1${p}00`, 16),
      ip: `10.${100 + projectIndex}.16.11`,
      type: 'VIP',
    },
  );
  net.floating_ips.push(
    { id: numbered(`e0${p}00`, 257), address: `2001:db8:ffff:${projectIndex}::1` },
    { id: numbered(`e0${p}00`, 258), address: `80.${projectIndex}.1.8`, port_id: numbered(`c0${p}00`, 1) },
    { id: numbered(`e0${p}00`, 259), address: `80.${projectIndex}.1.9`, status: 'FREEZED' },
  );
}

/**
 * What private NAT needs beside the VPC above: a VPC its gateways serve (their downlink subnets,
 * the subnets their SNAT rules translate, the ports their DNAT rules reach) and a transit VPC
 * whose subnets transit IP addresses are assigned from (a VPC other than the gateway's, as the
 * pages require). The `demo` project's hold every id of the private NAT pages' example requests,
 * in the VPCs those examples need them in; every project gets numbered extras in both.
 */
function privateNetworks(net: Network, p: string, projectIndex: number, withPageIds: boolean): void {
  const served = withPageIds ? '3cb66d44-9f75-4237-bfff-e37b14d23ad2' : numbered(`a1${p}00`, 0);
  const transit = numbered(`a2${p}00`, 0);
  net.routers.push(
    { id: served, name: 'vpc-private-nat', cidr: '192.168.0.0/16' },
    { id: transit, name: 'vpc-transit', cidr: '172.16.0.0/12' },
  );
  if (withPageIds) {
    const backends = numbered(`b1${p}00`, 0);
    net.networks.push(
      { id: '373979ee-f4f0-46c5-80e3-0fbf72646b70', router_id: served, cidr: '192.168.10.0/24' },
      { id: '5b9ea497-727d-4ad0-a99e-3984b3f5aaed', router_id: served, cidr: '192.168.20.0/24' },
      { id: '95df1b88-d9bc-4edd-a808-a771dd4ded32', router_id: served, cidr: '192.168.21.0/24' },
      { id: backends, router_id: served, cidr: '192.168.1.0/24' },
      { id: '2759da7b-8015-404c-ae0a-a389007b0e2a', router_id: transit, cidr: '192.168.1.0/24' },
      { id: '49ee5fb5-75bf-4320-946e-b21ef4c9c9c1', router_id: transit, cidr: '172.20.1.0/24' },
    );
    net.ports.push(
      {
        id: 'dae9393a-b536-491c-a5a2-72edc1104707',
        network_id: backends,
        ip: '192.168.1.72',
        type: 'COMPUTE',
      },
      {
        id: '9e2f0dbb-68b2-4c4b-9298-fa4f13187976',
        network_id: backends,
        ip: '192.168.1.99',
        type: 'COMPUTE',
      },
    );
  }
  for (let i = 1; i <= 16; i++) {
    const network = numbered(`b1${p}00`, i);
    net.networks.push({ id: network, router_id: served, cidr: `10.${100 + projectIndex}.${i}.0/24` });
    net.ports.push({
      id: numbered(`c1${p}00`, i),
      network_id: network,
      ip: `10.${100 + projectIndex}.${i}.10`,
    });
    net.networks.push({
      id: numbered(`b2${p}00`, i),
      router_id: transit,
      cidr: `172.${16 + (i % 16)}.${projectIndex}.0/24`,
    });
  }
}

/**
 * The first network of each project, for the database to keep (network/store.ts): its entry in
 * `file` (`NATGW_NETWORK_FILE`) when given, else in `dataFile` (the `data/network.json` an older
 * natgw wrote beside its SQLite file) when there is one, else the default network.
 */
export function firstNetworks(
  projectIds: string[],
  options: { file?: string | undefined; dataFile?: string | undefined },
): NetworkFixture {
  const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as NetworkFixture;
  const given = options.file ? read(options.file) : {};
  const older = options.dataFile && existsSync(options.dataFile) ? read(options.dataFile) : {};
  return Object.fromEntries(
    projectIds.map((id, index) => [
      id,
      (Object.hasOwn(given, id) ? given[id] : undefined) ??
        (Object.hasOwn(older, id) ? older[id] : undefined) ??
        defaultNetwork(index, index === 0),
    ]),
  );
}

/** Lookups over one project's network; ids compare without regard to case, as UUIDs do. */
export class ProjectNetwork {
  constructor(readonly network: Network = { routers: [], networks: [], ports: [], floating_ips: [] }) {}

  router(id: string) {
    return this.network.routers.find((router) => router.id === id.toLowerCase());
  }
  subnet(id: string) {
    return this.network.networks.find((network) => network.id === id.toLowerCase());
  }
  port(id: string) {
    return this.network.ports.find((port) => port.id === id.toLowerCase());
  }
  portByIp(ip: string) {
    return this.network.ports.find((port) => port.ip === ip);
  }
  floatingIp(id: string) {
    return this.network.floating_ips.find((fip) => fip.id === id.toLowerCase());
  }
}
