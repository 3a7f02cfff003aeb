import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultConfig } from '../src/config.js';
import { defaultNetwork, type Network } from '../src/network/fixture.js';
import {
  altRouter,
  assertError,
  createGateway,
  eip,
  engines,
  freshPostgres,
  pageIds,
  port,
  project,
  startService,
  subnet,
  type TestService,
} from './harness.js';

const altProject = '27e25061336f4af590faeabeb7fcd9a3';
const networkUrl = (id = project) => `/_natgw/projects/${id}/network`;

async function getNetwork(service: TestService, id = project): Promise<Network> {
  const response = await service.as('admin', { url: networkUrl(id) });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

function putNetwork(
  service: TestService,
  network: unknown,
  id = project,
  headers: Record<string, string> = {},
) {
  return service.as('admin', { method: 'PUT', url: networkUrl(id), payload: network as object, headers });
}

function createGatewayOn(
  service: TestService,
  router: string,
  network: string,
  user: 'demo' | 'alt' = 'demo',
) {
  return service.as(user, {
    method: 'POST',
    url: '/v2.0/nat_gateways',
    payload: {
      nat_gateway: { name: 'on-network', spec: '1', router_id: router, internal_network_id: network },
    },
  });
}

/** A subnet of the demo VPC that no default network has, with a port. */
const added = {
  network: { id: 'b0ffff00-0000-4000-8000-0000000000aa', router_id: pageIds.router, cidr: '10.250.1.0/24' },
  port: {
    id: 'c0ffff00-0000-4000-8000-0000000000aa',
    network_id: 'b0ffff00-0000-4000-8000-0000000000aa',
    ip: '10.250.1.7',
  },
};

function withAdded(network: Network): Network {
  return {
    ...network,
    networks: [...network.networks, added.network],
    ports: [...network.ports, added.port],
  };
}

/** The network without an item, and without what refers to it (a router's networks, a network's ports). */
function without(network: Network, list: keyof Network, id: string): Network {
  const networks = network.networks.filter((net) =>
    list === 'routers' ? net.router_id !== id : list !== 'networks' || net.id !== id,
  );
  const kept = new Set(networks.map((net) => net.id));
  return {
    routers: network.routers.filter((router) => list !== 'routers' || router.id !== id),
    networks,
    ports: network.ports.filter((item) => kept.has(item.network_id) && (list !== 'ports' || item.id !== id)),
    floating_ips: network.floating_ips.filter((fip) => list !== 'floating_ips' || fip.id !== id),
  };
}

for (const engine of engines()) {
  describe(`a project's network through the admin API on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(() => service.close());

    test("gives the demo project's default network, the pages' ids in it; 404 for a project natgw does not have; the admin only", async () => {
      const network = await getNetwork(service);
      assert.deepEqual(network, defaultNetwork(0, true));
      assert.deepEqual(await getNetwork(service, altProject), defaultNetwork(1, false));
      assertError(
        await service.as('admin', { url: networkUrl('0123456789abcdef0123456789abcdef') }),
        404,
        'NAT.1002',
      );
      for (const user of ['demo', 'alt'] as const) {
        assertError(await service.as(user, { url: networkUrl() }), 403, 'VPC.2701');
        assertError(
          await service.as(user, { method: 'PUT', url: networkUrl(), payload: network }),
          403,
          'VPC.2701',
        );
      }
    });

    test('replaces it with PUT (200, the stored document, ids in lower case); resources see the new network at once', async () => {
      const before = await getNetwork(service);
      assertError(await createGatewayOn(service, pageIds.router, added.network.id), 404, 'NAT.0005');
      const upper = withAdded(before);
      upper.networks = upper.networks.map((net) =>
        net.id === added.network.id ? { ...net, id: net.id.toUpperCase() } : net,
      );
      const response = await putNetwork(service, upper);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), withAdded(before));
      assert.deepEqual(await getNetwork(service), withAdded(before));
      const created = await createGatewayOn(service, pageIds.router, added.network.id);
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().nat_gateway.id;
      assert.equal(
        (await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${id}` })).statusCode,
        204,
      );
    });

    test("takes what NAT does not (an IPv6 subnet, a virtual IP, a frozen or bound EIP, a port without an address), and the rules refuse it with the page's codes", async () => {
      const before = await getNetwork(service);
      const ids = {
        v6: 'b0ffff00-0000-4000-8000-0000000000b6',
        vip: 'c0ffff00-0000-4000-8000-0000000000b1',
        bare: 'c0ffff00-0000-4000-8000-0000000000b2',
        frozen: 'e0ffff00-0000-4000-8000-0000000000b1',
        bound: 'e0ffff00-0000-4000-8000-0000000000b2',
      };
      // The network and port an earlier test of this service added, once.
      const base = withAdded(without(before, 'networks', added.network.id));
      const mine: Network = {
        ...base,
        networks: [...base.networks, { id: ids.v6, router_id: pageIds.router, cidr: 'fd00:1::/64' }],
        ports: [
          ...base.ports,
          { id: ids.vip, network_id: added.network.id, ip: '10.250.1.8', type: 'VIP' },
          { id: ids.bare, network_id: added.network.id, ip: '' },
        ],
        floating_ips: [
          ...base.floating_ips,
          { id: ids.frozen, address: '80.250.0.1', status: 'FREEZED' },
          { id: ids.bound, address: '80.250.0.2', port_id: added.port.id },
        ],
      };
      const response = await putNetwork(service, mine);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(await getNetwork(service), mine, 'every field kept');
      assertError(await createGatewayOn(service, pageIds.router, ids.v6), 400, 'NAT.0010');
      const made = await createGatewayOn(service, pageIds.router, added.network.id);
      assert.equal(made.statusCode, 201, made.body);
      const gateway = made.json().nat_gateway as { id: string };
      const dnat = (port_id: string, floating_ip_id: string) =>
        service.as('demo', {
          method: 'POST',
          url: '/v2.0/dnat_rules',
          payload: {
            dnat_rule: {
              nat_gateway_id: gateway.id,
              port_id,
              floating_ip_id,
              protocol: 'tcp',
              internal_service_port: 80,
              external_service_port: 8080,
            },
          },
        });
      assertError(await dnat(ids.vip, eip(1)), 400, 'NAT.0312');
      assertError(await dnat(ids.bare, eip(1)), 404, 'NAT.1009');
      assertError(await dnat(added.port.id, ids.frozen), 400, 'NAT.0401');
      assertError(await dnat(added.port.id, ids.bound), 400, 'NAT.0402');
      const bad = {
        ...mine,
        networks: [
          ...mine.networks,
          { id: 'b0ffff00-0000-4000-8000-0000000000b7', router_id: pageIds.router, cidr: 'fd00:2::/129' },
        ],
      };
      assertError(await putNetwork(service, bad), 400, 'NAT.0002');
      assert.deepEqual(await getNetwork(service), mine, 'a refused document changes nothing');
      assert.equal(
        (await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${gateway.id}` })).statusCode,
        204,
      );
      assert.equal((await putNetwork(service, before)).statusCode, 200);
    });

    test('refuses a document that is not one, and changes nothing: 400 NAT.0002 naming what is wrong', async () => {
      assert.equal((await putNetwork(service, defaultNetwork(0, true))).statusCode, 200);
      const stored = await getNetwork(service);
      const [router] = stored.routers;
      const [net] = stored.networks;
      assert.ok(router && net);
      const cases: [string, unknown, RegExp][] = [
        ['a list missing', { routers: [], networks: [], ports: [] }, /floating_ips/],
        [
          'an id that is no UUID',
          { ...stored, routers: [{ ...router, id: 'vpc-1' }] },
          /routers\/0\/id|pattern/,
        ],
        [
          'a block that is not one',
          { ...stored, routers: [{ ...router, cidr: '10.0.0.1/8' }, ...stored.routers.slice(1)] },
          /routers\[0\]\.cidr: 10\.0\.0\.1\/8/,
        ],
        [
          'an address for a block',
          { ...stored, networks: [{ ...net, cidr: '192.168.0.0' }, ...stored.networks.slice(1)] },
          /networks\[0\]\.cidr/,
        ],
        [
          'a network of no router',
          { ...stored, networks: [...stored.networks, { ...added.network, router_id: altRouter }] },
          new RegExp(`router_id: no router ${altRouter}`),
        ],
        [
          'a port of no network',
          { ...stored, ports: [...stored.ports, added.port] },
          new RegExp(`no network ${added.port.network_id}`),
        ],
        [
          'a port outside its network',
          { ...withAdded(stored), ports: [...stored.ports, { ...added.port, ip: '10.250.2.7' }] },
          /10\.250\.2\.7 is not an address of its network's block/,
        ],
        [
          'an id twice',
          { ...stored, floating_ips: [...stored.floating_ips, { id: eip(1), address: '203.0.113.9' }] },
          new RegExp(`${eip(1)} is in floating_ips twice`),
        ],
        [
          'an address twice',
          {
            ...stored,
            floating_ips: [
              ...stored.floating_ips,
              { id: 'e0ffff00-0000-4000-8000-000000000001', address: '5.21.11.226' },
            ],
          },
          /5\.21\.11\.226 is another EIP's/,
        ],
        [
          'a port address twice',
          {
            ...stored,
            ports: [
              ...stored.ports,
              {
                ...added.port,
                id: 'c0ffff00-0000-4000-8000-0000000000ab',
                network_id: pageIds.snatNetwork,
                ip: '192.168.1.10',
              },
            ],
          },
          /192\.168\.1\.10 is another port's/,
        ],
        [
          'more than 1000 items in a list',
          {
            ...stored,
            floating_ips: Array.from({ length: 1001 }, (_, n) => ({
              id: `e0ffff00-0000-4000-8000-${String(n).padStart(12, '0')}`,
              address: `203.0.${n >> 8}.${n & 255}`,
            })),
          },
          /floating_ips|1000/,
        ],
      ];
      // A field the document does not have is left out, as the answer shows.
      const unknown = await putNetwork(service, { ...stored, subnets: [{ id: 'x' }] });
      assert.equal(unknown.statusCode, 200, unknown.body);
      assert.deepEqual(unknown.json(), stored);
      for (const [what, document, message] of cases) {
        const response = await putNetwork(service, document);
        assertError(response, 400, 'NAT.0002');
        assert.match(response.json().error.message, message, what);
      }
      const chinese = await putNetwork(
        service,
        { ...stored, ports: [...stored.ports, added.port] },
        project,
        { 'accept-language': 'zh-CN' },
      );
      assert.match(chinese.json().error.message, /文档中没有子网/);
      // Past the body limit (1 MiB): refused unread.
      const huge = { ...stored, routers: [{ ...router, name: 'x'.repeat(1024 * 1024) }] };
      assert.equal((await putNetwork(service, huge)).statusCode, 400);
      assert.deepEqual(await getNetwork(service), stored);
    });

    test('refuses (409, in English and Chinese) to leave out what a resource uses, naming both, and changes nothing', async () => {
      const stored = await getNetwork(service);
      const gateway = await createGateway(service);
      const gatewayRow = (await service.as('demo', { url: `/v2.0/nat_gateways/${gateway}` })).json()
        .nat_gateway;
      const snat = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/snat_rules',
        payload: { snat_rule: { nat_gateway_id: gateway, network_id: subnet(10), floating_ip_id: eip(20) } },
      });
      assert.equal(snat.statusCode, 201, snat.body);
      const dnat = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/dnat_rules',
        payload: {
          dnat_rule: {
            nat_gateway_id: gateway,
            port_id: port(11),
            internal_service_port: 80,
            floating_ip_id: eip(21),
            external_service_port: 8080,
            protocol: 'tcp',
          },
        },
      });
      assert.equal(dnat.statusCode, 201, dnat.body);
      const transitSubnet = 'b2000100-0000-4000-8000-000000000003';
      const transit = await service.as('demo', {
        method: 'POST',
        url: `/v3/${project}/private-nat/transit-ips`,
        payload: { transit_ip: { virsubnet_id: transitSubnet } },
      });
      assert.equal(transit.statusCode, 201, transit.body);
      const uses: [keyof Network, string, RegExp][] = [
        [
          'networks',
          gatewayRow.internal_network_id,
          new RegExp(
            `network ${gatewayRow.internal_network_id} is used by the NAT gateway ${gateway} \\(its internal_network_id\\)`,
          ),
        ],
        [
          'routers',
          pageIds.router,
          new RegExp(`router ${pageIds.router} is used by the NAT gateway ${gateway}`),
        ],
        [
          'networks',
          subnet(10),
          new RegExp(`network ${subnet(10)} is used by the SNAT rule ${snat.json().snat_rule.id}`),
        ],
        ['floating_ips', eip(20), new RegExp(`EIP ${eip(20)} is used by the SNAT rule`)],
        [
          'ports',
          port(11),
          new RegExp(`port ${port(11)} is used by the DNAT rule ${dnat.json().dnat_rule.id}`),
        ],
        ['floating_ips', eip(21), new RegExp(`EIP ${eip(21)} is used by the DNAT rule`)],
        [
          'networks',
          transitSubnet,
          new RegExp(
            `network ${transitSubnet} is used by the transit IP address ${transit.json().transit_ip.id}`,
          ),
        ],
      ];
      for (const [list, id, message] of uses) {
        const response = await putNetwork(service, without(stored, list, id));
        assert.equal(response.statusCode, 409, response.body);
        assert.match(response.json().error.message, message);
      }
      const chinese = await putNetwork(service, without(stored, 'ports', port(11)), project, {
        'accept-language': 'zh-CN',
      });
      assert.equal(chinese.statusCode, 409);
      assert.match(chinese.json().error.message, new RegExp(`端口 ${port(11)} 正被DNAT 规则`));
      assert.deepEqual(await getNetwork(service), stored);
      // What nothing uses goes: here an EIP of the default network.
      const freed = await putNetwork(service, without(stored, 'floating_ips', eip(200)));
      assert.equal(freed.statusCode, 200, freed.body);
      assert.equal((await putNetwork(service, stored)).statusCode, 200);
    });

    test('reset: one project (the other untouched), then all; every resource goes, the network stays, and its ids are free again', async () => {
      assert.equal((await service.as('admin', { method: 'POST', url: '/_natgw/reset' })).statusCode, 204);
      const network = await getNetwork(service);
      const altNetwork = await getNetwork(service, altProject);
      // In each project: a gateway with a tag, an SNAT rule holding an EIP, a private gateway, a transit IP.
      const populate = async (user: 'demo' | 'alt', tenant: string, no: number) => {
        const gateway = await createGatewayOn(
          service,
          no === 1 ? pageIds.router : altRouter,
          subnet(5, no),
          user,
        );
        assert.equal(gateway.statusCode, 201, gateway.body);
        const id = gateway.json().nat_gateway.id;
        const tagged = await service.as(user, {
          method: 'POST',
          url: `/v2.0/${tenant}/nat_gateways/${id}/tags`,
          payload: { tag: { key: 'k', value: 'v' } },
        });
        assert.equal(tagged.statusCode, 204, tagged.body);
        const snat = await service.as(user, {
          method: 'POST',
          url: '/v2.0/snat_rules',
          payload: {
            snat_rule: { nat_gateway_id: id, network_id: subnet(6, no), floating_ip_id: eip(30, no) },
          },
        });
        assert.equal(snat.statusCode, 201, snat.body);
        const served = `b1000${no}00-0000-4000-8000-000000000005`;
        const privateGateway = await service.as(user, {
          method: 'POST',
          url: `/v3/${tenant}/private-nat/gateways`,
          payload: { gateway: { name: 'p', downlink_vpcs: [{ virsubnet_id: served }] } },
        });
        assert.equal(privateGateway.statusCode, 201, privateGateway.body);
        const transit = await service.as(user, {
          method: 'POST',
          url: `/v3/${tenant}/private-nat/transit-ips`,
          payload: {
            transit_ip: {
              virsubnet_id: `b2000${no}00-0000-4000-8000-000000000002`,
              ip_address: `172.18.${no - 1}.9`,
            },
          },
        });
        assert.equal(transit.statusCode, 201, transit.body);
      };
      const counts = async (user: 'demo' | 'alt', tenant: string) => ({
        gateways: (await service.as(user, { url: '/v2.0/nat_gateways' })).json().nat_gateways.length,
        snat: (await service.as(user, { url: '/v2.0/snat_rules' })).json().snat_rules.length,
        tags: (await service.as(user, { url: `/v2.0/${tenant}/nat_gateways/tags` })).json().tags.length,
        transit: (await service.as(user, { url: `/v3/${tenant}/private-nat/transit-ips` })).json().transit_ips
          .length,
        private: (await service.as(user, { url: `/v3/${tenant}/private-nat/gateways` })).json().gateways
          .length,
      });
      const full = { gateways: 1, snat: 1, tags: 1, transit: 1, private: 1 };
      const empty = { gateways: 0, snat: 0, tags: 0, transit: 0, private: 0 };
      await populate('demo', project, 1);
      await populate('alt', altProject, 2);
      assert.deepEqual(await counts('demo', project), full);

      assertError(
        await service.as('admin', { method: 'POST', url: '/_natgw/reset?project_id=nope' }),
        404,
        'NAT.1002',
      );
      assertError(
        await service.as('demo', { method: 'POST', url: `/_natgw/reset?project_id=${project}` }),
        403,
        'VPC.2701',
      );
      assert.equal(
        (await service.as('admin', { method: 'POST', url: `/_natgw/reset?project_id=${project}` }))
          .statusCode,
        204,
      );
      assert.deepEqual(await counts('demo', project), empty);
      assert.deepEqual(await counts('alt', altProject), full);
      // What the demo project's resources held (the network, the EIP, the transit address) is free again.
      await populate('demo', project, 1);

      assert.equal((await service.as('admin', { method: 'POST', url: '/_natgw/reset' })).statusCode, 204);
      assert.deepEqual(await counts('demo', project), empty);
      assert.deepEqual(await counts('alt', altProject), empty);
      assert.deepEqual(await getNetwork(service), network);
      assert.deepEqual(await getNetwork(service, altProject), altNetwork);
    });
  });
}

describe("where a project's first network comes from", () => {
  test('a project added to the configuration later gets its default network at the next start; a replaced one stays replaced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natgw-networks-'));
    const sqliteFile = join(dir, 'natgw.sqlite');
    try {
      const first = await startService('sqlite', { sqliteFile });
      const replaced = without(await getNetwork(first), 'floating_ips', eip(256));
      assert.equal((await putNetwork(first, replaced)).statusCode, 200);
      await first.app.close();
      const later = { name: 'later', id: '5e3c0c8bd8a84b3c9d6f0c1e2a3b4c5d' };
      const again = await startService('sqlite', {
        sqliteFile,
        projects: [...defaultConfig.projects, later],
      });
      try {
        assert.deepEqual(await getNetwork(again), replaced);
        assert.deepEqual(await getNetwork(again, later.id), defaultNetwork(2, false));
      } finally {
        await again.app.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an older setup's data/network.json beside the SQLite file, and NATGW_NETWORK_FILE, seed it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natgw-networks-'));
    try {
      const older = defaultNetwork(1, false);
      older.floating_ips = older.floating_ips.slice(0, 2);
      writeFileSync(join(dir, 'network.json'), JSON.stringify({ [altProject]: older }));
      const given = defaultNetwork(0, true);
      given.routers[0] = { ...given.routers[0], name: 'given' } as Network['routers'][0];
      const networkFile = join(dir, 'given.json');
      writeFileSync(networkFile, JSON.stringify({ [project]: given }));
      const service = await startService('sqlite', { sqliteFile: join(dir, 'natgw.sqlite'), networkFile });
      try {
        assert.deepEqual(await getNetwork(service), given);
        assert.deepEqual(await getNetwork(service, altProject), older);
      } finally {
        await service.app.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

if (process.env.NATGW_TEST_DATABASE_URL) {
  describe('two instances on one PostgreSQL', () => {
    test("one sees the other's PUT before its next create", async () => {
      const shared = await freshPostgres();
      const first = await startService('sqlite', { databaseUrl: shared.url });
      const second = await startService('sqlite', { databaseUrl: shared.url });
      try {
        // The second has read the network (a create checked against it) before the first replaces it.
        assertError(await createGatewayOn(second, pageIds.router, added.network.id), 404, 'NAT.0005');
        const stored = await getNetwork(first);
        assert.equal(
          (await putNetwork(first, without(withAdded(stored), 'networks', subnet(40)))).statusCode,
          200,
        );
        const created = await createGatewayOn(second, pageIds.router, added.network.id);
        assert.equal(created.statusCode, 201, created.body);
        assertError(await createGatewayOn(second, pageIds.router, subnet(40)), 404, 'NAT.0005');
        // And the first sees the gateway the second made: the network it is on cannot go.
        assert.equal((await putNetwork(first, stored)).statusCode, 409);
      } finally {
        await first.app.close();
        await second.app.close();
        await shared.drop();
      }
    });
  });
}
