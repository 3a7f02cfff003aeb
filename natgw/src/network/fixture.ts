import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The project's network as NAT resources refer to it: VPCs (routers), subnets, ports, EIPs. */
export interface Network {
  routers: { id: string; name: string; cidr: string }[];
  networks: { id: string; router_id: string; cidr: string }[];
  ports: { id: string; network_id: string; ip: string }[];
  floating_ips: { id: string; address: string }[];
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
  for (let i = 1; i <= 256; i++) {
    net.floating_ips.push({
      id: numbered(`e0${p}00`, i),
      address: `80.${projectIndex}.${Math.floor(i / 250)}.${i % 250}`,
    });
  }
  return net;
}

/**
 * The network fixture: from `file` when given; otherwise the default, written to `dataFile` on
 * first start so that it can be read and replaced there.
 */
export function loadNetwork(
  projectIds: string[],
  options: { file?: string | undefined; dataFile?: string | undefined },
): NetworkFixture {
  const source =
    options.file ?? (options.dataFile && existsSync(options.dataFile) ? options.dataFile : undefined);
  if (source) return JSON.parse(readFileSync(source, 'utf8')) as NetworkFixture;
  const fixture = Object.fromEntries(projectIds.map((id, index) => [id, defaultNetwork(index, index === 0)]));
  if (options.dataFile) {
    mkdirSync(dirname(options.dataFile), { recursive: true });
    writeFileSync(options.dataFile, `${JSON.stringify(fixture, null, 2)}\n`);
  }
  return fixture;
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
