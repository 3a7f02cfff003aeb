import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, engines, missing, project, startService, subnet, type TestService } from './harness.js';

const url = `/v3/${project}/private-nat/transit-ips`;
/** The page's transit subnet (192.168.1.0/24, in the demo project's transit VPC). */
const pageSubnet = '2759da7b-8015-404c-ae0a-a389007b0e2a';
/** The demo project's backend subnet (192.168.1.0/24 in the served VPC), whose ports hold .72 and .99. */
const backends = 'b1000100-0000-4000-8000-000000000000';
/** Numbered extras: a subnet of the served VPC (10.100.n.0/24, a port at .10) and of the transit VPC. */
const served = (n: number) => `b1000100-0000-4000-8000-${String(n).padStart(12, '0')}`;
const transit = (n: number, projectNo = 1) =>
  `b2000${projectNo}00-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** The other project of the default config (user alt). */
const altProject = '27e25061336f4af590faeabeb7fcd9a3';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type User = 'demo' | 'viewer' | 'alt';

function assign(service: TestService, transitIp: Record<string, unknown>, user: User = 'demo') {
  return service.as(user, { method: 'POST', url, payload: { transit_ip: transitIp } });
}

/** Assigns an address that must get 201; the transit IP. */
async function assigned(service: TestService, transitIp: Record<string, unknown>) {
  const response = await assign(service, transitIp);
  assert.equal(response.statusCode, 201, response.body);
  return response.json().transit_ip as { id: string; ip_address: string; virsubnet_id: string };
}

function release(service: TestService, id: string, user: User = 'demo') {
  return service.as(user, { method: 'DELETE', url: `${url}/${id}` });
}

async function list(service: TestService, query: string) {
  const response = await service.as('demo', { url: `${url}?${query}` });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as {
    transit_ips: { id: string; ip_address: string }[];
    page_info: Record<string, unknown>;
    request_id: string;
  };
}

for (const engine of engines()) {
  describe(`transit IP addresses on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(() => service.close());

    test("assigns the page's example with 201, Location and the page's fields, ACTIVE at once", async () => {
      const response = await assign(service, {
        virsubnet_id: pageSubnet,
        enterprise_project_id: pageSubnet,
        ip_address: '192.168.1.68',
      });
      assert.equal(response.statusCode, 201, response.body);
      const body = response.json();
      const transitIp = body.transit_ip;
      assert.equal(response.headers.location, `http://127.0.0.1:8080${url}/${transitIp.id}`);
      assert.deepEqual(Object.keys(body).sort(), ['request_id', 'transit_ip']);
      assert.equal(body.request_id, response.headers['x-request-id']);
      assert.deepEqual(Object.keys(transitIp).sort(), [
        'created_at',
        'enterprise_project_id',
        'gateway_id',
        'id',
        'ip_address',
        'network_interface_id',
        'project_id',
        'status',
        'tags',
        'updated_at',
        'virsubnet_id',
      ]);
      assert.equal(transitIp.project_id, project);
      assert.equal(transitIp.ip_address, '192.168.1.68');
      assert.equal(transitIp.virsubnet_id, pageSubnet);
      assert.equal(transitIp.enterprise_project_id, pageSubnet);
      assert.equal(transitIp.gateway_id, '');
      assert.equal(transitIp.status, 'ACTIVE');
      assert.match(transitIp.network_interface_id, uuid);
      assert.match(transitIp.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      assert.equal(transitIp.updated_at, transitIp.created_at);

      const shown = await service.as('demo', { url: `${url}/${transitIp.id}` });
      assert.equal(shown.statusCode, 200);
      assert.deepEqual(shown.json().transit_ip, transitIp);
      assert.equal(typeof shown.json().request_id, 'string');
      assert.equal((await release(service, transitIp.id)).statusCode, 204);
    });

    test('allocates the lowest free usable address when none is asked for, past fixture ports', async () => {
      // 10.100.3.0/24: .0 and .1 are the subnet's, .10 a fixture port's.
      const addresses: string[] = [];
      for (let n = 0; n < 9; n++)
        addresses.push((await assigned(service, { virsubnet_id: served(3) })).ip_address);
      assert.deepEqual(
        addresses,
        [2, 3, 4, 5, 6, 7, 8, 9, 11].map((host) => `10.100.3.${host}`),
      );
      const plain = await assigned(service, { virsubnet_id: transit(4), enterprise_project_id: null });
      assert.equal(
        (await service.as('demo', { url: `${url}/${plain.id}` })).json().transit_ip.enterprise_project_id,
        '0',
      );
    });

    test('answers an address outside the subnet or one the subnet keeps with 400 NAT.1405', async () => {
      for (const address of [
        '10.0.0.5',
        '192.168.1.0',
        '192.168.1.1',
        '192.168.1.253',
        '192.168.1.255',
        'abc',
        '192.168.01.5',
      ]) {
        const response = await assign(service, { virsubnet_id: pageSubnet, ip_address: address });
        assertError(response, 400, 'NAT.1405');
        assert.equal(
          response.json().error.message,
          `IP address ${address} is not a valid IP for the subnet.`,
        );
      }
    });

    test('answers an address in use with 409 NAT.1403, free again once released', async () => {
      const port = await assign(service, { virsubnet_id: backends, ip_address: '192.168.1.72' });
      assertError(port, 409, 'NAT.1403');
      assert.equal(
        port.json().error.message,
        `Unable to complete operation for subnet ${backends}. The IP address 192.168.1.72 is in use.`,
      );
      const first = await assigned(service, { virsubnet_id: transit(5), ip_address: '172.21.0.40' });
      assertError(
        await assign(service, { virsubnet_id: transit(5), ip_address: '172.21.0.40' }),
        409,
        'NAT.1403',
      );
      // The same address in another subnet is another address.
      await assigned(service, { virsubnet_id: transit(6), ip_address: '172.22.0.40' });
      assert.equal((await release(service, first.id)).statusCode, 204);
      await assigned(service, { virsubnet_id: transit(5), ip_address: '172.21.0.40' });
    });

    test('answers a full subnet with 400 NAT.1404', async () => {
      // 172.23.0.0/24 keeps five addresses: 251 to assign.
      for (let n = 0; n < 251; n++) await assigned(service, { virsubnet_id: transit(7) });
      const full = await assign(service, { virsubnet_id: transit(7) });
      assertError(full, 400, 'NAT.1404');
      assert.equal(full.json().error.message, `No more IP addresses available on subnet ${transit(7)}.`);
      const taken = await list(service, `virsubnet_id=${transit(7)}&limit=1&ip_address=172.23.0.252`);
      assert.equal(taken.transit_ips.length, 1);
      assert.equal((await release(service, taken.transit_ips[0]?.id ?? '')).statusCode, 204);
      assert.equal((await assigned(service, { virsubnet_id: transit(7) })).ip_address, '172.23.0.252');
    });

    test("answers an unknown subnet or another project's with 404 NAT.1002, a malformed one with 400", async () => {
      for (const subnet of [missing, transit(1, 2)]) {
        const response = await assign(service, { virsubnet_id: subnet });
        assertError(response, 404, 'NAT.1002');
        assert.equal(response.json().error.message, `VirSubnet ${subnet} could not be found.`);
      }
      assertError(await assign(service, { virsubnet_id: 'not-a-subnet' }), 400, 'NAT.0002');
      assertError(await assign(service, {}), 400, 'NAT.0002');
    });

    test('answers a subnet without an IPv4 block with 400 NAT.0010', async () => {
      // The default network's network 65 of the public NAT VPC is IPv6 only.
      for (const request of [
        { virsubnet_id: subnet(65) },
        { virsubnet_id: subnet(65), ip_address: '10.0.65.9' },
      ]) {
        const response = await assign(service, request);
        assertError(response, 400, 'NAT.0010');
        assert.equal(response.json().error.message, `Network ${subnet(65)} does not contain any IPv4 subnet`);
      }
    });

    test('decides between 20 concurrent assignments of one address in the database: one 201', async () => {
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          assign(service, { virsubnet_id: transit(8), ip_address: '172.24.0.77' }),
        ),
      );
      const statuses = responses.map((response) => response.statusCode).sort();
      assert.deepEqual(statuses, [201, ...Array(19).fill(409)]);
      for (const response of responses)
        if (response.statusCode === 409) assert.equal(response.json().error.code, 'NAT.1403');
      assert.equal((await list(service, 'ip_address=172.24.0.77')).transit_ips.length, 1);
    });

    test('gives 20 concurrent allocations 20 different addresses', async () => {
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => assign(service, { virsubnet_id: transit(9) })),
      );
      for (const response of responses) assert.equal(response.statusCode, 201, response.body);
      const addresses = new Set(responses.map((response) => response.json().transit_ip.ip_address));
      assert.equal(addresses.size, 20);
    });

    test('lists with repeated-key filters, marker paging to an empty page, page_reverse and page_info', async () => {
      const ids = [];
      for (const host of [10, 11, 12])
        ids.push((await assigned(service, { virsubnet_id: transit(10), ip_address: `172.26.0.${host}` })).id);
      // Listed in the order they were assigned, as the page's example.
      const all = await list(service, `virsubnet_id=${transit(10)}`);
      assert.deepEqual(
        all.transit_ips.map((ip) => ip.id),
        ids,
      );
      assert.deepEqual(all.page_info, { previous_marker: ids[0], next_marker: ids[2], current_count: 3 });
      assert.equal(typeof all.request_id, 'string');
      // Repeated keys: any of the values; across keys, all of them.
      const two = await list(
        service,
        `ip_address=172.26.0.10&ip_address=172.26.0.12&transit_subnet_id=${transit(10).toUpperCase()}`,
      );
      assert.deepEqual(two.transit_ips.map((ip) => ip.ip_address).sort(), ['172.26.0.10', '172.26.0.12']);
      assert.equal(
        (await list(service, `id=${ids[0]}&id=${ids[1]}&project_id=${project}`)).transit_ips.length,
        2,
      );
      assert.equal((await list(service, `id=${ids[0]}&project_id=${'0'.repeat(32)}`)).transit_ips.length, 0);
      assert.equal((await list(service, `id=${ids[0]}&gateway_id=${missing}`)).transit_ips.length, 0);
      assert.equal(
        (await list(service, `id=${ids[0]}&enterprise_project_id=0&description=`)).transit_ips.length,
        1,
      );
      assert.equal((await list(service, `id=${ids[0]}&description=x`)).transit_ips.length, 0);
      // v2.0's filters are no v3 page's: ignored, as any unknown parameter.
      assert.equal(
        (await list(service, `id=${ids[0]}&admin_state_up=true&tenant_id=x`)).transit_ips.length,
        1,
      );
      // otcextensions' paging: the last id as marker until a page comes back empty.
      const seen: string[] = [];
      let marker = '';
      for (;;) {
        const page = await list(
          service,
          `virsubnet_id=${transit(10)}&limit=2${marker && `&marker=${marker}`}`,
        );
        if (page.transit_ips.length === 0) {
          assert.deepEqual(page.page_info, { current_count: 0 });
          break;
        }
        seen.push(...page.transit_ips.map((ip) => ip.id));
        marker = page.transit_ips.at(-1)?.id ?? '';
      }
      assert.deepEqual(seen, ids);
      // Backwards from a marker, as otcextensions spells the boolean; the last page without one.
      const before = await list(
        service,
        `virsubnet_id=${transit(10)}&marker=${ids[2]}&page_reverse=True&limit=1`,
      );
      assert.deepEqual(
        before.transit_ips.map((ip) => ip.id),
        [ids[1]],
      );
      const last = await list(service, `virsubnet_id=${transit(10)}&page_reverse=true&limit=2`);
      assert.deepEqual(
        last.transit_ips.map((ip) => ip.id),
        [ids[1], ids[2]],
      );
      for (const query of ['limit=0', 'limit=2001', 'limit=x', 'marker=nope', 'page_reverse=yes'])
        assertError(await service.as('demo', { url: `${url}?${query}` }), 400, 'NAT.0002');
    });

    test('releases with 204; a released, unknown or malformed one is 404 NAT.1002', async () => {
      const transitIp = await assigned(service, { virsubnet_id: transit(11) });
      const released = await release(service, transitIp.id);
      assert.equal(released.statusCode, 204);
      assert.equal(released.body, '');
      for (const response of [
        await service.as('demo', { url: `${url}/${transitIp.id}` }),
        await release(service, transitIp.id),
        await release(service, missing),
      ])
        assertError(response, 404, 'NAT.1002');
      assert.equal(
        (await release(service, missing)).json().error.message,
        `Transit ip ${missing} could not be found.`,
      );
      const malformed = await release(service, 'nope');
      assertError(malformed, 404, 'NAT.1002');
      assert.equal(malformed.json().error.message, 'Transit ip nope could not be found.');
      assert.equal((await list(service, `id=${transitIp.id}`)).transit_ips.length, 0);
    });

    test("keeps projects apart: another project's transit IP is not found, its path is VPC.0007", async () => {
      const transitIp = await assigned(service, { virsubnet_id: transit(12) });
      assertError(
        await service.as('alt', { url: `/v3/${project}/private-nat/transit-ips/${transitIp.id}` }),
        400,
        'VPC.0007',
      );
      const altUrl = `/v3/${altProject}/private-nat/transit-ips`;
      assertError(await service.as('alt', { url: `${altUrl}/${transitIp.id}` }), 404, 'NAT.1002');
      assertError(
        await service.as('alt', { method: 'DELETE', url: `${altUrl}/${transitIp.id}` }),
        404,
        'NAT.1002',
      );
      const theirs = await service.as('alt', { url: `${altUrl}?id=${transitIp.id}` });
      assert.deepEqual(theirs.json().transit_ips, []);
      // The same subnet id names nothing in another project.
      assertError(
        await service.as('alt', {
          method: 'POST',
          url: altUrl,
          payload: { transit_ip: { virsubnet_id: transit(12) } },
        }),
        404,
        'NAT.1002',
      );
    });

    test('lets read-only users read and refuses their writes with 403 VPC.2701', async () => {
      const transitIp = await assigned(service, { virsubnet_id: transit(13) });
      assert.equal((await service.as('viewer', { url: `${url}/${transitIp.id}` })).statusCode, 200);
      assert.equal((await service.as('viewer', { url })).statusCode, 200);
      assertError(await assign(service, { virsubnet_id: transit(13) }, 'viewer'), 403, 'VPC.2701');
      assertError(await release(service, transitIp.id, 'viewer'), 403, 'VPC.2701');
      assert.equal((await service.as('demo', { url: `${url}/${transitIp.id}` })).statusCode, 200);
    });

    test('speaks Chinese when asked: NAT.1403 and NAT.1405 in zh-CN', async () => {
      const headers = { 'accept-language': 'zh-CN' };
      const taken = await service.as('demo', {
        method: 'POST',
        url,
        headers,
        payload: { transit_ip: { virsubnet_id: backends, ip_address: '192.168.1.99' } },
      });
      assertError(taken, 409, 'NAT.1403');
      assert.match(taken.json().error.message, /[\u4e00-\u9fff]/);
      assert.ok(taken.json().error.message.includes('192.168.1.99'));
      const outside = await service.as('demo', {
        method: 'POST',
        url,
        headers,
        payload: { transit_ip: { virsubnet_id: backends, ip_address: '10.1.1.1' } },
      });
      assertError(outside, 400, 'NAT.1405');
      assert.match(outside.json().error.message, /[\u4e00-\u9fff]/);
    });

    test('assigns with tags and shows them; takes 20, refuses a 21st or a repeated key', async () => {
      const tags = [
        { key: 'key1', value: 'value1' },
        { key: 'k='.padEnd(128, 'x'), value: 'v'.repeat(255) },
      ];
      const transitIp = await assigned(service, { virsubnet_id: transit(14), tags });
      assert.deepEqual((transitIp as unknown as { tags: unknown }).tags, tags);
      const shown = await service.as('demo', { url: `${url}/${transitIp.id}` });
      assert.deepEqual(shown.json().transit_ip.tags, tags);
      assert.deepEqual((await list(service, `id=${transitIp.id}`)).transit_ips[0], shown.json().transit_ip);
      const many = Array.from({ length: 21 }, (_, n) => ({ key: `k${n}`, value: '' }));
      assertError(await assign(service, { virsubnet_id: transit(14), tags: many }), 400, 'NAT.1016');
      assert.equal(
        (await assign(service, { virsubnet_id: transit(14), tags: many.slice(1) })).statusCode,
        201,
      );
      for (const bad of [
        [
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ],
        [{ key: ' ', value: '1' }],
        [{ key: 'k'.repeat(129), value: '1' }],
        [{ key: 'k', value: 'v'.repeat(256) }],
      ])
        assertError(await assign(service, { virsubnet_id: transit(14), tags: bad }), 400, 'NAT.1015');
    });

    test('serves the tag pages under /v3/{project_id}/transit-ips with request_id in their bodies', async () => {
      const tagged = `/v3/${project}/transit-ips`;
      const first = await assigned(service, { virsubnet_id: transit(15) });
      const second = await assigned(service, { virsubnet_id: transit(15) });
      const add = (id: string, tag: object) =>
        service.as('demo', { method: 'POST', url: `${tagged}/${id}/tags`, payload: { tag } });
      assert.equal((await add(first.id, { key: 'key1', value: 'value1' })).statusCode, 204);
      // v3 tags: up to 128 and 255 characters, any of them.
      assert.equal((await add(first.id, { key: 'a=b/c', value: 'x'.repeat(255) })).statusCode, 204);
      assertError(await add(first.id, { key: 'k'.repeat(129), value: '' }), 400, 'NAT.1015');
      const batch = await service.as('demo', {
        method: 'POST',
        url: `${tagged}/${second.id}/tags/action`,
        payload: {
          action: 'create',
          tags: [
            { key: 'key1', value: 'value2' },
            { key: 'key2', value: 'value2' },
          ],
        },
      });
      assert.equal(batch.statusCode, 204, batch.body);
      const own = await service.as('demo', { url: `${tagged}/${second.id}/tags` });
      assert.equal(own.statusCode, 200);
      assert.deepEqual(Object.keys(own.json()).sort(), ['request_id', 'tags']);
      assert.deepEqual(own.json().tags, [
        { key: 'key1', value: 'value2' },
        { key: 'key2', value: 'value2' },
      ]);
      const all = await service.as('demo', { url: `${tagged}/tags` });
      assert.equal(typeof all.json().request_id, 'string');
      assert.deepEqual(
        all.json().tags.find((tag: { key: string }) => tag.key === 'key1'),
        { key: 'key1', values: ['value1', 'value2'] },
      );
      const found = await service.as('demo', {
        method: 'POST',
        url: `${tagged}/resource_instances/action`,
        payload: {
          action: 'filter',
          tags: [{ key: 'key2', values: ['value2'] }],
          matches: [{ key: 'resource_name', value: '' }],
        },
      });
      assert.equal(found.statusCode, 200, found.body);
      assert.equal(typeof found.json().request_id, 'string');
      assert.equal(found.json().total_count, 1);
      assert.equal(found.json().resources[0].resource_id, second.id);
      assert.equal(found.json().resources[0].resource_name, '');
      const counted = await service.as('viewer', {
        method: 'POST',
        url: `${tagged}/resource_instances/action`,
        payload: {
          action: 'count',
          tags_any: [
            { key: 'a=b/c', values: [] },
            { key: 'key2', values: [] },
          ],
        },
      });
      assert.deepEqual(Object.keys(counted.json()).sort(), ['request_id', 'total_count']);
      assert.equal(counted.json().total_count, 2);
      const removed = await service.as('demo', { method: 'DELETE', url: `${tagged}/${second.id}/tags/key2` });
      assert.equal(removed.statusCode, 204);
      const again = await service.as('demo', { method: 'DELETE', url: `${tagged}/${second.id}/tags/key2` });
      assertError(again, 404, 'NAT.1002');
      assertError(await add(missing, { key: 'k', value: 'v' }), 404, 'NAT.1002');
      assertError(
        await service.as('alt', { url: `/v3/${altProject}/transit-ips/${first.id}/tags` }),
        404,
        'NAT.1002',
      );
      assertError(
        await service.as('viewer', {
          method: 'POST',
          url: `${tagged}/${first.id}/tags`,
          payload: { tag: { key: 'k', value: 'v' } },
        }),
        403,
        'VPC.2701',
      );
      assert.deepEqual((await service.as('demo', { url: `${url}/${second.id}` })).json().transit_ip.tags, [
        { key: 'key1', value: 'value2' },
      ]);
    });
  });
}
