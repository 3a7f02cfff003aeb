import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import { ClientRequestException } from '@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { Logger4jInstance } from '@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js';
import { defaultConfig, loadConfig } from '../src/config.js';
import { assertError, engines, missing, project, startService, subnet, type TestService } from './harness.js';
import { transit } from './private-nat.js';

const base = `/v3/${project}/private-nat/gateways`;
const altProject = '27e25061336f4af590faeabeb7fcd9a3';
/** The page's downlink subnet (192.168.10.0/24) and its VPC. */
const pageSubnet = '373979ee-f4f0-46c5-80e3-0fbf72646b70';
const pageVpc = '3cb66d44-9f75-4237-bfff-e37b14d23ad2';
/** The numbered subnets of the VPC private NAT serves (10.(100+p).n.0/24, a port at .10). */
const served = (n: number, projectNo = 1) =>
  `b1000${projectNo}00-0000-4000-8000-${String(n).padStart(12, '0')}`;

const pageExample = {
  gateway: {
    name: 'private-nat-gateway-name',
    spec: 'Small',
    enterprise_project_id: '2759da7b-8015-404c-ae0a-a389007b0e2a',
    description: 'create private nat',
    downlink_vpcs: [{ virsubnet_id: pageSubnet }],
    tags: [{ key: 'key1', value: 'value1' }],
  },
};

/** A gateway body on `subnet`, with the address if given. */
function body(name: string, subnet: string, address?: string, extra: Record<string, unknown> = {}) {
  const downlink =
    address === undefined ? { virsubnet_id: subnet } : { virsubnet_id: subnet, ngport_ip_address: address };
  return { gateway: { name, downlink_vpcs: [downlink], ...extra } };
}

for (const engine of engines()) {
  describe(`private NAT gateways on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(() => service.close());

    const create = (payload: object, user: 'demo' | 'viewer' | 'alt' = 'demo') =>
      service.as(user, { method: 'POST', url: base, payload });
    const createdId = async (payload: object) => {
      const response = await create(payload);
      assert.equal(response.statusCode, 201, response.body);
      return response.json().gateway.id as string;
    };
    const remove = (id: string) => service.as('demo', { method: 'DELETE', url: `${base}/${id}` });
    async function removeAll() {
      const listed = (await service.as('demo', { url: base })).json().gateways as { id: string }[];
      for (const { id } of listed) assert.equal((await remove(id)).statusCode, 204);
    }

    test("creates the page's example: 201, ACTIVE at once, its subnet's VPC and an address of the subnet", async () => {
      const response = await create(pageExample);
      assert.equal(response.statusCode, 201, response.body);
      const { gateway, request_id } = response.json();
      assert.equal(request_id, response.headers['x-request-id']);
      assert.equal(response.headers.location, `http://127.0.0.1:8080${base}/${gateway.id}`);
      assert.deepEqual(Object.keys(gateway), [
        'id',
        'name',
        'description',
        'spec',
        'project_id',
        'enterprise_project_id',
        'status',
        'created_at',
        'updated_at',
        'tags',
        'downlink_vpcs',
        'transit_ip_pool_size_max',
        'rule_max',
      ]);
      assert.match(gateway.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      assert.deepEqual(
        { ...gateway, id: undefined, created_at: undefined, updated_at: undefined },
        {
          id: undefined,
          name: 'private-nat-gateway-name',
          description: 'create private nat',
          spec: 'Small',
          project_id: project,
          enterprise_project_id: '2759da7b-8015-404c-ae0a-a389007b0e2a',
          status: 'ACTIVE',
          created_at: undefined,
          updated_at: undefined,
          tags: [{ key: 'key1', value: 'value1' }],
          downlink_vpcs: [{ vpc_id: pageVpc, virsubnet_id: pageSubnet, ngport_ip_address: '192.168.10.2' }],
          transit_ip_pool_size_max: 1,
          rule_max: 20,
        },
      );
      const shown = await service.as('demo', { url: `${base}/${gateway.id}` });
      assert.equal(shown.statusCode, 200);
      assert.deepEqual(shown.json().gateway, gateway);
      assert.equal(shown.json().request_id, shown.headers['x-request-id']);
      await removeAll();
    });

    test('defaults: spec Small, enterprise project 0, no tags, an empty description', async () => {
      const response = await create(body('plain', served(1)));
      assert.equal(response.statusCode, 201, response.body);
      const { gateway } = response.json();
      assert.equal(gateway.spec, 'Small');
      assert.equal(gateway.enterprise_project_id, '0');
      assert.deepEqual(gateway.tags, []);
      assert.equal(gateway.description, '');
      assert.equal(gateway.downlink_vpcs[0].ngport_ip_address, '10.100.1.2');
      await removeAll();
    });

    test('the address: given, or the lowest free one; outside the subnet NAT.1405, taken NAT.1403, freed on delete', async () => {
      const first = await create(body('a', served(2)));
      assert.equal(first.json().gateway.downlink_vpcs[0].ngport_ip_address, '10.100.2.2');
      const given = await create(body('b', served(2), '10.100.2.3'));
      assert.equal(given.statusCode, 201, given.body);
      const next = await create(body('c', served(2)));
      assert.equal(next.json().gateway.downlink_vpcs[0].ngport_ip_address, '10.100.2.4');
      const taken = await create(body('d', served(2), '10.100.2.3'));
      assertError(taken, 409, 'NAT.1403');
      assert.equal(
        taken.json().error.message,
        `Unable to complete operation for subnet ${served(2)}. The IP address 10.100.2.3 is in use.`,
      );
      // The fixture's port holds .10.
      assertError(await create(body('e', served(2), '10.100.2.10')), 409, 'NAT.1403');
      for (const address of ['10.100.3.5', '10.100.2.0', '10.100.2.1', '10.100.2.255', '10.100.2.300', 'x']) {
        const outside = await create(body('f', served(2), address));
        assertError(outside, 400, 'NAT.1405');
        assert.equal(outside.json().error.message, `IP address ${address} is not a valid IP for the subnet.`);
      }
      assert.equal((await remove(given.json().gateway.id)).statusCode, 204);
      const again = await create(body('g', served(2), '10.100.2.3'));
      assert.equal(again.statusCode, 201, again.body);
      await removeAll();
    });

    test('racing creates on one address: the database lets one have it, the others get NAT.1403', async () => {
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, n) => create(body(`race${n}`, served(3), '10.100.3.20'))),
      );
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [201, 409, 409, 409, 409, 409]);
      for (const answer of answers) if (answer.statusCode === 409) assertError(answer, 409, 'NAT.1403');
      const chosen = await Promise.all(
        Array.from({ length: 6 }, (_, n) => create(body(`free${n}`, served(3)))),
      );
      const addresses = chosen.map((answer) => answer.json().gateway.downlink_vpcs[0].ngport_ip_address);
      assert.equal(new Set(addresses).size, 6, addresses.join());
      await removeAll();
    });

    test('one downlink VPC only (NAT.1201); a subnet not in the project is NAT.1002', async () => {
      const two = {
        gateway: { name: 'two', downlink_vpcs: [{ virsubnet_id: served(1) }, { virsubnet_id: served(2) }] },
      };
      const refused = await create(two);
      assertError(refused, 400, 'NAT.1201');
      assert.equal(
        refused.json().error.message,
        '1 downlink vpc has been associated to this private nat gateway, no more is allowed.',
      );
      for (const subnet of [missing, served(1, 2), 'nope']) {
        const unknown = await create(body('x', subnet));
        assertError(unknown, 404, 'NAT.1002');
        assert.equal(unknown.json().error.message, `Subnet ${subnet} could not be found.`);
      }
    });

    test("counts a VPC's gateways against `privateGatewaysPerVpc` (none by default): past it 400 NAT.1204", async () => {
      assert.equal(defaultConfig.limits.privateGatewaysPerVpc, 0);
      const { limits } = loadConfig({ NATGW_PRIVATE_GATEWAYS_PER_VPC: '2' });
      assert.equal(limits.privateGatewaysPerVpc, 2);
      const limited = await startService(engine, { limits });
      try {
        const make = (name: string, subnet: string, headers = {}) =>
          limited.as('demo', { method: 'POST', url: base, headers, payload: body(name, subnet) });
        await limited.token();
        // Twenty at once on four subnets of the served VPC: the database lets two in.
        const raced = await Promise.all(
          Array.from({ length: 20 }, (_, n) => make(`r${n}`, served(1 + (n % 4)))),
        );
        const made = raced.filter((response) => response.statusCode === 201);
        assert.equal(made.length, 2, raced.map((response) => response.statusCode).join(','));
        for (const response of raced.filter((r) => r.statusCode !== 201))
          assertError(response, 400, 'NAT.1204');
        const full = await make('full', served(5));
        assertError(full, 400, 'NAT.1204');
        assert.equal(full.json().error.message, 'This vpc at most have 2 private nat gateway.');
        const chinese = await make('full', served(5), { 'accept-language': 'zh-CN' });
        assert.equal(chinese.json().error.message, '此 VPC 最多只能有 2 个私网 NAT 网关。');
        // Another VPC has its own count; a deleted gateway no longer counts.
        assert.equal((await make('elsewhere', transit(1))).statusCode, 201);
        const [first] = made as [(typeof made)[0]];
        const deleted = await limited.as('demo', {
          method: 'DELETE',
          url: `${base}/${first.json().gateway.id}`,
        });
        assert.equal(deleted.statusCode, 204);
        assert.equal((await make('again', served(5))).statusCode, 201);
      } finally {
        await limited.close();
      }
    });

    test('a downlink subnet without an IPv4 block is 400 NAT.0010', async () => {
      // The default network's network 65 of the public NAT VPC is IPv6 only.
      for (const address of [undefined, '10.0.65.9']) {
        const ipv6 = await create(body('ipv6', subnet(65), address));
        assertError(ipv6, 400, 'NAT.0010');
        assert.equal(ipv6.json().error.message, `Network ${subnet(65)} does not contain any IPv4 subnet`);
      }
    });

    test('tags on create: more than 20 NAT.1016; a blank, long or repeated key, a long value NAT.1015', async () => {
      const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v' }));
      assert.equal((await create(body('t20', served(4), undefined, { tags: tags(20) }))).statusCode, 201);
      const many = await create(body('t21', served(4), undefined, { tags: tags(21) }));
      assertError(many, 400, 'NAT.1016');
      assert.equal(many.json().error.message, 'The number of tags exceeds the limit 20.');
      for (const bad of [
        [{ key: '', value: 'v' }],
        [{ key: '  ', value: 'v' }],
        [{ key: 'k'.repeat(129), value: 'v' }],
        [{ key: 'k', value: 'v'.repeat(256) }],
        [
          { key: 'k', value: 'a' },
          { key: 'k', value: 'b' },
        ],
      ])
        assertError(await create(body('tbad', served(4), undefined, { tags: bad })), 400, 'NAT.1015');
      const longest = [{ key: '键'.repeat(128), value: '值'.repeat(255) }];
      assert.equal((await create(body('tmax', served(4), undefined, { tags: longest }))).statusCode, 201);
      await removeAll();
    });

    test("fields outside the page's forms are NAT.0002", async () => {
      for (const extra of [
        { spec: 'Huge' },
        { description: 'a <b>' },
        { description: 'd'.repeat(256) },
        { enterprise_project_id: 'abc' },
      ])
        assertError(await create(body('bad', served(5), undefined, extra)), 400, 'NAT.0002');
      assertError(await create(body('bad name', served(5))), 400, 'NAT.0002');
      assertError(await create({ gateway: { name: 'none', downlink_vpcs: [] } }), 400, 'NAT.0002');
      for (const spec of ['Small', 'Medium', 'Large', 'Extra-large'])
        assert.equal((await create(body(`s${spec}`, served(5), undefined, { spec }))).statusCode, 201);
      await removeAll();
    });

    test("updates name, description and spec as the page's example; the same spec alone is NAT.1206", async () => {
      const id = await createdId(pageExample);
      const before = (await service.as('demo', { url: `${base}/${id}` })).json().gateway;
      const update = {
        gateway: {
          name: 'private-nat-gateway-name',
          description: 'private-nat-gateway-description',
          spec: 'Medium',
        },
      };
      const response = await service.as('demo', { method: 'PUT', url: `${base}/${id}`, payload: update });
      assert.equal(response.statusCode, 200, response.body);
      const { gateway, request_id } = response.json();
      assert.equal(request_id, response.headers['x-request-id']);
      assert.deepEqual(
        { ...gateway, updated_at: undefined },
        { ...before, ...update.gateway, updated_at: undefined },
      );
      assert.equal(gateway.status, 'ACTIVE');
      const same = await service.as('demo', {
        method: 'PUT',
        url: `${base}/${id}`,
        payload: { gateway: { spec: 'Medium' } },
      });
      assertError(same, 400, 'NAT.1206');
      assert.equal(
        same.json().error.message,
        'Update (Medium) spec to (Medium) are the same as the original.',
      );
      for (const payload of [{ gateway: { downlink_vpcs: [] } }, { gateway: { spec: 'Huge' } }, {}])
        assertError(
          await service.as('demo', { method: 'PUT', url: `${base}/${id}`, payload }),
          400,
          'NAT.0002',
        );
      await removeAll();
    });

    test('another project, an unknown or a malformed id: NAT.1002 naming the gateway; another project in the path VPC.0007', async () => {
      const id = await createdId(body('mine', served(6)));
      const altUrl = `/v3/${altProject}/private-nat/gateways`;
      for (const [user, gateway] of [
        ['alt', id],
        ['demo', missing],
        ['demo', 'abc'],
      ] as const) {
        const url = `${user === 'alt' ? altUrl : base}/${gateway}`;
        for (const request of [
          { url },
          { method: 'PUT' as const, url, payload: { gateway: { name: 'x' } } },
          { method: 'DELETE' as const, url },
        ]) {
          const response = await service.as(user, request);
          assertError(response, 404, 'NAT.1002');
          assert.equal(response.json().error.message, `Private nat gateway ${gateway} could not be found.`);
        }
      }
      assertError(await service.as('demo', { url: base.replace(project, altProject) }), 400, 'VPC.0007');
      assertError(await service.as('alt', { url: `${base}/${id}` }), 400, 'VPC.0007');
      assert.deepEqual(
        (await service.as('demo', { url: `${base}?project_id=${altProject}` })).json().gateways,
        [],
      );
      assert.equal((await remove(id)).statusCode, 204);
      assertError(await service.as('demo', { url: `${base}/${id}` }), 404, 'NAT.1002');
    });

    test('a read-only user reads, and gets 403 VPC.2701 on every write', async () => {
      const id = await createdId(body('seen', served(7)));
      assert.equal((await service.as('viewer', { url: `${base}/${id}` })).statusCode, 200);
      assert.equal((await service.as('viewer', { url: base })).json().gateways.length, 1);
      assertError(await create(body('no', served(7)), 'viewer'), 403, 'VPC.2701');
      for (const request of [
        { method: 'PUT' as const, url: `${base}/${id}`, payload: { gateway: { name: 'x' } } },
        { method: 'DELETE' as const, url: `${base}/${id}` },
      ])
        assertError(await service.as('viewer', request), 403, 'VPC.2701');
      await removeAll();
    });

    test('messages in Chinese for Accept-Language: zh-CN', async () => {
      const response = await service.as('demo', {
        url: `${base}/${missing}`,
        headers: { 'accept-language': 'zh-CN' },
      });
      assertError(response, 404, 'NAT.1002');
      assert.equal(response.json().error.message, `找不到 Private nat gateway ${missing}。`);
    });

    test('lists with repeated-key filters, limit and marker both ways, and page_info', async () => {
      const ids: string[] = [];
      for (let n = 0; n < 5; n++)
        ids.push(
          await createdId(
            body(`list${n}`, served(8 + (n % 2)), undefined, { spec: n < 2 ? 'Large' : 'Small' }),
          ),
        );
      // Listed in the order they were made, as the page's example.
      const list = async (query: string) => {
        const response = await service.as('demo', { url: `${base}${query}` });
        assert.equal(response.statusCode, 200, response.body);
        return response.json();
      };
      const all = await list('');
      assert.deepEqual(
        all.gateways.map((gateway: { id: string }) => gateway.id),
        ids,
      );
      assert.deepEqual(all.page_info, { previous_marker: ids[0], next_marker: ids[4], current_count: 5 });
      const names = async (query: string) =>
        (await list(query)).gateways.map((gateway: { name: string }) => gateway.name).sort();
      assert.deepEqual(await names('?name=list1&name=list3'), ['list1', 'list3']);
      assert.deepEqual(await names('?name=list1'), ['list1']);
      assert.deepEqual(await names('?spec=Large'), ['list0', 'list1']);
      assert.deepEqual(await names('?spec=Large&name=list1&name=list2'), ['list1']);
      assert.deepEqual(await names(`?virsubnet_id=${served(9)}`), ['list1', 'list3']);
      assert.deepEqual(await names('?vpc_id=d84f345c-80a1-4fa2-a39c-d0d397c3f09a'), []);
      assert.equal((await list(`?vpc_id=${pageVpc}`)).gateways.length, 5);
      assert.equal((await list('?status=ACTIVE&status=FROZEN')).gateways.length, 5);
      assert.equal((await list('?status=FROZEN')).gateways.length, 0);
      assert.equal((await list(`?id=${ids[1]}&id=${ids[3]?.toUpperCase()}`)).gateways.length, 2);
      assert.equal((await list(`?project_id=${project}&enterprise_project_id=0`)).gateways.length, 5);
      // otcextensions' paging: the last id as marker until a page is empty.
      const first = await list('?limit=2');
      assert.deepEqual(first.page_info, { previous_marker: ids[0], next_marker: ids[1], current_count: 2 });
      const second = await list(`?limit=2&marker=${ids[1]}`);
      assert.deepEqual(
        second.gateways.map((gateway: { id: string }) => gateway.id),
        ids.slice(2, 4),
      );
      const end = await list(`?limit=2&marker=${ids[4]}`);
      assert.deepEqual(end.gateways, []);
      assert.deepEqual(end.page_info, { current_count: 0 });
      // Back from the last: the page before the marker, in id order.
      for (const reverse of ['True', 'true']) {
        const back = await list(`?limit=2&marker=${ids[4]}&page_reverse=${reverse}`);
        assert.deepEqual(
          back.gateways.map((gateway: { id: string }) => gateway.id),
          ids.slice(2, 4),
        );
      }
      assert.equal((await list(`?marker=${ids[2]}&page_reverse=False`)).gateways.length, 2);
      for (const query of ['?limit=0', '?limit=2001', '?limit=x', '?marker=nope', '?page_reverse=yes'])
        assertError(await service.as('demo', { url: `${base}${query}` }), 400, 'NAT.0002');
      await removeAll();
    });
  });
}

describe('private NAT gateways in a full subnet', () => {
  let service: TestService;
  let dir: string;
  const small = 'b1000100-0000-4000-8000-0000000000ff';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'natgw-private-'));
    const networkFile = join(dir, 'network.json');
    // A /29: .2 to .4 usable (the last two hosts are kept, as .253 and .254 of a /24), a port at .3.
    const network = {
      routers: [{ id: pageVpc, name: 'vpc', cidr: '192.168.0.0/16' }],
      networks: [{ id: small, router_id: pageVpc, cidr: '192.168.50.0/29' }],
      ports: [{ id: 'c1000100-0000-4000-8000-0000000000ff', network_id: small, ip: '192.168.50.3' }],
      floating_ips: [],
    };
    writeFileSync(networkFile, JSON.stringify({ [project]: network }));
    service = await startService('sqlite', { networkFile });
  });
  after(async () => {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('takes the free addresses, then answers NAT.1404 naming the subnet', async () => {
    const addresses: string[] = [];
    for (let n = 0; n < 2; n++) {
      const response = await service.as('demo', { method: 'POST', url: base, payload: body(`f${n}`, small) });
      assert.equal(response.statusCode, 201, response.body);
      addresses.push(response.json().gateway.downlink_vpcs[0].ngport_ip_address);
    }
    assert.deepEqual(addresses, ['192.168.50.2', '192.168.50.4']);
    const full = await service.as('demo', { method: 'POST', url: base, payload: body('full', small) });
    assertError(full, 400, 'NAT.1404');
    assert.equal(full.json().error.message, `No more IP addresses available on subnet ${small}.`);
  });
});

/**
 * Huawei Cloud's SDK core (its signer and HTTP client) sending what its NatClient sends for
 * createPrivateNat, listPrivateNats, showPrivateNat, updatePrivateNat and deletePrivateNat, and for
 * the gateways' six tag operations.
 */
describe("private NAT gateways through Huawei Cloud's SDK core (AK/SK)", { timeout: 60_000 }, () => {
  let service: TestService;
  let client: HcClient;
  const home = mkdtempSync(join(tmpdir(), 'natgw-sdk-home-'));
  const realHome = process.env.HOME;
  before(async () => {
    // The SDK keeps an application id under the user's home; it gets a home of its own here.
    process.env.HOME = home;
    Logger4jInstance.level = 'off';
    service = await startService('sqlite');
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    const endpoint = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;
    const key = defaultConfig.accessKeys.find((candidate) => candidate.user === 'demo');
    assert.ok(key);
    const credentials = new BasicCredentials().withAk(key.access).withSk(key.secret).withProjectId(project);
    client = new ClientBuilder<HcClient>((built) => built)
      .withCredential(credentials)
      .withEndpoint(endpoint)
      .build();
  });
  after(async () => {
    await service.close();
    process.env.HOME = realHome;
    rmSync(home, { recursive: true, force: true });
  });

  type Gateway = { id: string; spec: string; name: string };
  type Reply = { httpStatusCode: number; gateway: Gateway; gateways: Gateway[] };
  const send = (method: string, url: string, options: { id?: string; query?: object; data?: object } = {}) =>
    client.sendRequest<Reply>({
      method,
      url,
      contentType: 'application/json',
      queryParams: options.query ?? {},
      pathParams: options.id === undefined ? {} : { gateway_id: options.id },
      headers: options.data === undefined ? {} : { 'Content-Type': 'application/json' },
      ...(options.data === undefined ? {} : { data: options.data }),
    }) as Promise<Reply>;
  const one = '/v3/{project_id}/private-nat/gateways/{gateway_id}';

  test('creates, lists with arrays, shows, updates and deletes; errors come back as ClientRequestException', async () => {
    const created = await send('POST', '/v3/{project_id}/private-nat/gateways', { data: pageExample });
    assert.equal(created.httpStatusCode, 201);
    const { id } = created.gateway;
    const listed = await send('GET', '/v3/{project_id}/private-nat/gateways', {
      query: { limit: 10, page_reverse: false, status: ['ACTIVE', 'FROZEN'], spec: ['Small'], id: [id] },
    });
    assert.deepEqual(
      listed.gateways.map((gateway) => gateway.id),
      [id],
    );
    assert.equal((await send('GET', one, { id })).httpStatusCode, 200);
    const updated = await send('PUT', one, { id, data: { gateway: { spec: 'Large', name: 'sdk_renamed' } } });
    assert.deepEqual([updated.gateway.spec, updated.gateway.name], ['Large', 'sdk_renamed']);
    assert.equal((await send('DELETE', one, { id })).httpStatusCode, 204);
    const gone = await send('GET', one, { id }).then(
      () => assert.fail('found'),
      (error: unknown) => error,
    );
    assert.ok(gone instanceof ClientRequestException);
    assert.deepEqual([gone.httpStatusCode, gone.errorCode], [404, 'NAT.1002']);
  });

  test('serves the six tag operations as createPrivateNatTag … listPrivateNatsByTags send them', async () => {
    const { id } = (await send('POST', '/v3/{project_id}/private-nat/gateways', { data: pageExample }))
      .gateway;
    const tags = (path: string, options: { key?: string; data?: object } = {}) =>
      client.sendRequest<{ httpStatusCode: number; tags: object[]; total_count: number }>({
        method: options.data === undefined ? (options.key === undefined ? 'GET' : 'DELETE') : 'POST',
        url: `/v3/{project_id}/private-nat-gateways${path}`,
        contentType: 'application/json',
        queryParams: {},
        pathParams: { resource_id: id, ...(options.key === undefined ? {} : { key: options.key }) },
        headers: options.data === undefined ? {} : { 'Content-Type': 'application/json' },
        ...(options.data === undefined ? {} : { data: options.data }),
      }) as Promise<{ httpStatusCode: number; tags: object[]; total_count: number }>;
    const added = await tags('/{resource_id}/tags', { data: { tag: { key: 'key2', value: 'value2' } } });
    assert.equal(added.httpStatusCode, 204);
    const edited = await tags('/{resource_id}/tags/action', {
      data: { action: 'create', tags: [{ key: 'key3', value: 'value3' }] },
    });
    assert.equal(edited.httpStatusCode, 204);
    // The key as the NAT client puts it in the path: escaped by the HTTP client alone.
    assert.equal((await tags('/{resource_id}/tags/{key}', { key: 'key3' })).httpStatusCode, 204);
    assert.deepEqual((await tags('/{resource_id}/tags')).tags, [
      { key: 'key1', value: 'value1' },
      { key: 'key2', value: 'value2' },
    ]);
    assert.ok(
      (await tags('/tags')).tags.some((tag) => JSON.stringify(tag) === '{"key":"key2","values":["value2"]}'),
    );
    const counted = await tags('/resource_instances/action', {
      data: { action: 'count', tags: [{ key: 'key2', values: ['value2'] }] },
    });
    assert.deepEqual([counted.httpStatusCode, counted.total_count], [200, 1]);
    const filtered = await tags('/resource_instances/action', {
      data: { action: 'filter', offset: '0', limit: '10', tags_any: [{ key: 'key1', values: [] }] },
    });
    assert.equal(filtered.total_count, 1);
    const gone = await tags('/{resource_id}/tags/{key}', { key: 'key3' }).then(
      () => assert.fail('deleted twice'),
      (error: unknown) => error,
    );
    assert.ok(gone instanceof ClientRequestException);
    assert.deepEqual([gone.httpStatusCode, gone.errorCode], [404, 'NAT.1002']);
    assert.equal((await send('DELETE', one, { id })).httpStatusCode, 204);
  });
});
