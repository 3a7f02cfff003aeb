import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseErrorBody } from 'statuskit';
import {
  assertError,
  createGateway,
  engines,
  pageIds,
  startService,
  subnet,
  type TestService,
} from './harness.js';

const pageExample = {
  nat_gateway: {
    name: 'nat_001',
    description: 'my nat gateway 01',
    router_id: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
    internal_network_id: '89d66639-aacb-4929-969d-07080b0f9fd9',
    spec: '1',
  },
};

function errorCode(body: string) {
  return parseErrorBody(body)?.code;
}

for (const engine of engines()) {
  describe(`NAT gateways on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(() => service.close());

    test("creates the page's example with 201, Location and the page's fields", async () => {
      const response = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/nat_gateways',
        payload: pageExample,
      });
      assert.equal(response.statusCode, 201);
      const gateway = response.json().nat_gateway;
      assert.equal(response.headers.location, `http://127.0.0.1:8080/v2.0/nat_gateways/${gateway.id}`);
      assert.deepEqual(Object.keys(gateway).sort(), [
        'admin_state_up',
        'billinginfo',
        'created_at',
        'description',
        'dnat_rules_limit',
        'freeze_info',
        'id',
        'internal_network_id',
        'name',
        'router_id',
        'snat_rule_public_ip_limit',
        'spec',
        'status',
        'sys_tags',
        'tenant_id',
      ]);
      assert.equal(gateway.tenant_id, '9ad601814ac94c80bf7bb9073ded66fc');
      assert.match(gateway.created_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
      assert.deepEqual(gateway.sys_tags, ['_sys_enterprise_project_id=0']);
      const shown = await service.as('demo', { url: `/v2.0/nat_gateways/${gateway.id}` });
      assert.equal(shown.statusCode, 200);
      assert.equal(shown.json().nat_gateway.name, 'nat_001');
    });

    test('creates gateways of one name side by side: the pages make names unique nowhere', async () => {
      const payload = (n: number) => ({
        nat_gateway: { ...pageExample.nat_gateway, name: 'twin', internal_network_id: subnet(n) },
      });
      const responses = await Promise.all(
        [1, 2, 3].map((n) =>
          service.as('demo', { method: 'POST', url: '/v2.0/nat_gateways', payload: payload(n) }),
        ),
      );
      assert.deepEqual(
        responses.map((response) => response.statusCode),
        [201, 201, 201],
      );
      const listed = await service.as('demo', { url: '/v2.0/nat_gateways?name=twin' });
      assert.equal(listed.json().nat_gateways.length, 3);
    });

    test('refuses more gateways than the VPC and network limits allow with 400 NAT.0113 and NAT.0012', async () => {
      const limited = await startService(engine, {
        limits: { ...service.config.limits, gatewaysPerVpc: 3, gatewaysPerNetwork: 1 },
      });
      try {
        const body = (network: string) => ({
          nat_gateway: { ...pageExample.nat_gateway, name: 'limited', internal_network_id: network },
        });
        const create = (network: string) =>
          limited.as('demo', { method: 'POST', url: '/v2.0/nat_gateways', payload: body(network) });
        const first = await create(subnet(1));
        assert.equal(first.statusCode, 201, first.body);
        const again = await create(subnet(1));
        assertError(again, 400, 'NAT.0012');
        assert.equal(again.json().error.message, `The network ${subnet(1)} already has nat gateway.`);
        // Twenty at once on one network: one wins.
        const raced = await Promise.all(Array.from({ length: 20 }, () => create(subnet(2))));
        assert.equal(raced.filter((response) => response.statusCode === 201).length, 1);
        for (const response of raced.filter((r) => r.statusCode !== 201))
          assertError(response, 400, 'NAT.0012');
        assert.equal((await create(subnet(3))).statusCode, 201);
        const full = await create(subnet(4));
        assertError(full, 400, 'NAT.0113');
        assert.equal(
          full.json().error.message,
          '3 NAT gateways has been created to this VPC, no more is allowed',
        );
        // A gateway being deleted no longer counts.
        const id = first.json().nat_gateway.id;
        assert.equal(
          (await limited.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${id}` })).statusCode,
          204,
        );
        assert.equal((await create(subnet(4))).statusCode, 201);
      } finally {
        await limited.close();
      }
    });

    for (const [field, value, code] of [
      ['spec', '9', 'NAT.0016'],
      ['router_id', 'not-a-uuid', 'NAT.0017'],
      ['internal_network_id', '1234', 'NAT.0018'],
    ] as const) {
      test(`answers an invalid ${field} with 400 and ${code}`, async () => {
        const payload = { nat_gateway: { ...pageExample.nat_gateway, name: `bad_${field}`, [field]: value } };
        const response = await service.as('demo', { method: 'POST', url: '/v2.0/nat_gateways', payload });
        assert.equal(response.statusCode, 400);
        assert.equal(errorCode(response.body), code);
      });
    }

    test('answers an invalid name with 400 naming the field', async () => {
      for (const name of ['has space', '']) {
        const payload = { nat_gateway: { ...pageExample.nat_gateway, name } };
        const response = await service.as('demo', { method: 'POST', url: '/v2.0/nat_gateways', payload });
        assert.equal(response.statusCode, 400, name);
        assert.equal(errorCode(response.body), 'NAT.0002');
        // The page's message; the field is named in the details.
        assert.equal(response.json().error.message, 'Invalid parameters.');
        assert.equal(response.json().error.details[0].field, 'nat_gateway.name');
      }
    });

    test("answers a name over 64 characters and a description over 255 with the page's 400 NAT.0015 and NAT.0014", async () => {
      const create = (changes: Record<string, string>) =>
        service.as('demo', {
          method: 'POST',
          url: '/v2.0/nat_gateways',
          payload: { nat_gateway: { ...pageExample.nat_gateway, ...changes } },
        });
      const name = await create({ name: 'x'.repeat(65) });
      assertError(name, 400, 'NAT.0015');
      assert.equal(
        name.json().error.message,
        'Invalid input for name. Reason: 65 characters exceeds maximum length of 64.',
      );
      assertError(await create({ description: 'd'.repeat(256) }), 400, 'NAT.0014');
      const longest = await create({
        name: 'x'.repeat(64),
        description: '说'.repeat(255),
        internal_network_id: subnet(4),
      });
      assert.equal(longest.statusCode, 201, longest.body);
    });

    test('answers an unknown VPC or network with 404 and the page codes', async () => {
      const unknown = '0f0f0f0f-0000-4000-8000-000000000000';
      const vpc = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/nat_gateways',
        payload: { nat_gateway: { ...pageExample.nat_gateway, name: 'novpc', router_id: unknown } },
      });
      assert.equal(vpc.statusCode, 404);
      assert.equal(errorCode(vpc.body), 'NAT.0004');
      const network = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/nat_gateways',
        payload: { nat_gateway: { ...pageExample.nat_gateway, name: 'nonet', internal_network_id: unknown } },
      });
      assert.equal(network.statusCode, 404);
      assert.equal(errorCode(network.body), 'NAT.0005');
    });

    test('answers a network without an IPv4 subnet with 400 NAT.0010, once it is known to exist', async () => {
      // The default network's network 65 has an IPv6 block only.
      const ipv6 = subnet(65);
      const create = (changes: Record<string, string>, headers = {}) =>
        service.as('demo', {
          method: 'POST',
          url: '/v2.0/nat_gateways',
          headers,
          payload: { nat_gateway: { ...pageExample.nat_gateway, name: 'ipv6', ...changes } },
        });
      const refused = await create({ internal_network_id: ipv6 });
      assertError(refused, 400, 'NAT.0010');
      assert.equal(refused.json().error.message, `Network ${ipv6} does not contain any IPv4 subnet`);
      const chinese = await create({ internal_network_id: ipv6 }, { 'accept-language': 'zh-CN' });
      assert.equal(chinese.json().error.message, `网络 ${ipv6} 不包含任何 IPv4 子网`);
      // The network's own fault before its VPC's (NAT.0008); alt's is not demo's to name (NAT.0005).
      const servedVpc = '3cb66d44-9f75-4237-bfff-e37b14d23ad2';
      assertError(await create({ router_id: servedVpc, internal_network_id: ipv6 }), 400, 'NAT.0010');
      assertError(await create({ internal_network_id: subnet(65, 2) }), 404, 'NAT.0005');
      const listed = await service.as('demo', { url: `/v2.0/nat_gateways?internal_network_id=${ipv6}` });
      assert.deepEqual(listed.json().nat_gateways, []);
    });

    test('answers an unknown gateway with 404 NAT.0105 and a malformed id with 404 NAT.0021', async () => {
      const unknown = await service.as('demo', {
        url: '/v2.0/nat_gateways/0f0f0f0f-0000-4000-8000-000000000000',
      });
      assert.equal(unknown.statusCode, 404);
      assert.equal(errorCode(unknown.body), 'NAT.0105');
      const malformed = await service.as('demo', { url: '/v2.0/nat_gateways/abc' });
      assert.equal(malformed.statusCode, 404);
      assert.equal(errorCode(malformed.body), 'NAT.0021');
    });

    test('lists with filters and pages with limit and marker', async () => {
      const ids = [
        await createGateway(service, 'page_a'),
        await createGateway(service, 'page_b'),
        await createGateway(service, 'page_c'),
      ];
      const byName = await service.as('demo', { url: '/v2.0/nat_gateways?name=page_b' });
      assert.deepEqual(
        byName.json().nat_gateways.map((gateway: { id: string }) => gateway.id),
        [ids[1]],
      );
      const seen: string[] = [];
      let marker = '';
      for (let page = 0; page < 20; page++) {
        const response = await service.as('demo', {
          url: `/v2.0/nat_gateways?limit=2${marker ? `&marker=${marker}` : ''}`,
        });
        const gateways = response.json().nat_gateways as { id: string }[];
        assert.ok(gateways.length <= 2);
        seen.push(...gateways.map((gateway) => gateway.id));
        if (gateways.length < 2) break;
        marker = gateways.at(-1)?.id ?? '';
      }
      for (const id of ids) assert.ok(seen.includes(id));
      assert.equal(new Set(seen).size, seen.length, 'no gateway twice');
      const active = await service.as('demo', { url: '/v2.0/nat_gateways?status=ACTIVE&spec=1' });
      assert.ok(active.json().nat_gateways.length >= 3);
      const badLimit = await service.as('demo', { url: '/v2.0/nat_gateways?limit=abc' });
      assertError(badLimit, 400, 'NAT.0101');
      assert.equal(badLimit.json().error.message, 'get natgateways error limit is invalid.');
      const badMarker = await service.as('demo', { url: '/v2.0/nat_gateways?marker=nope' });
      assertError(badMarker, 400, 'NAT.0101');
      assert.equal(badMarker.json().error.message, 'get natgateways error marker is invalid.');
      const badTime = await service.as('demo', { url: '/v2.0/nat_gateways?created_at=yesterday' });
      assertError(badTime, 400, 'NAT.0001');
      assert.equal(badTime.json().error.message, 'Invalid value for created_at yesterday.');
      const created = (await service.as('demo', { url: `/v2.0/nat_gateways/${seen[0]}` })).json().nat_gateway;
      const byTime = await service.as('demo', {
        url: `/v2.0/nat_gateways?created_at=${encodeURIComponent(created.created_at)}`,
      });
      assert.ok(byTime.json().nat_gateways.some((gateway: { id: string }) => gateway.id === created.id));
      // Ids compare without regard to case in filters too, as in lookups.
      const byId = await service.as('demo', { url: `/v2.0/nat_gateways?id=${created.id.toUpperCase()}` });
      assert.deepEqual(
        byId.json().nat_gateways.map((gateway: { id: string }) => gateway.id),
        [created.id],
      );
      const byRouter = await service.as('demo', {
        url: `/v2.0/nat_gateways?router_id=${pageIds.router.toUpperCase()}&id=${created.id}`,
      });
      assert.equal(byRouter.json().nat_gateways.length, 1);
    });

    test('updates name, description and spec with 200', async () => {
      const id = await createGateway(service);
      const response = await service.as('demo', {
        method: 'PUT',
        url: `/v2.0/nat_gateways/${id}`,
        payload: { nat_gateway: { name: 'renamed', description: 'changed', spec: '2' } },
      });
      assert.equal(response.statusCode, 200);
      const gateway = response.json().nat_gateway;
      assert.deepEqual([gateway.name, gateway.description, gateway.spec], ['renamed', 'changed', '2']);
    });

    test('updates only name, description and spec, at least one of them: else 400', async () => {
      const id = await createGateway(service);
      const put = (nat_gateway: Record<string, unknown>) =>
        service.as('demo', { method: 'PUT', url: `/v2.0/nat_gateways/${id}`, payload: { nat_gateway } });
      for (const changes of [
        { admin_state_up: false },
        { router_id: pageIds.router },
        { name: 'ok', colour: 'red' },
      ]) {
        const response = await put(changes);
        assertError(response, 400, 'NAT.0002');
      }
      const empty = await put({});
      assertError(empty, 400, 'NAT.0101');
      assert.equal(empty.json().error.message, 'update natgateway request is null');
      const gateway = (await service.as('demo', { url: `/v2.0/nat_gateways/${id}` })).json().nat_gateway;
      assert.equal(gateway.name.startsWith('nat_'), true, 'nothing changed');
      // The spec it has, alone, is an update like another (NAT.1206 is private NAT's).
      assert.equal((await put({ spec: '1' })).statusCode, 200);
      assert.equal((await put({ spec: '1', description: 'page example' })).statusCode, 200);
    });

    test('deletes with 204 and an empty body, and the gateway is gone after', async () => {
      const id = await createGateway(service);
      const response = await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${id}` });
      assert.equal(response.statusCode, 204);
      assert.equal(response.body, '');
      assert.equal(response.headers['content-type'], undefined);
      assert.equal((await service.as('demo', { url: `/v2.0/nat_gateways/${id}` })).statusCode, 404);
      // The page: 400 for a gateway to delete that is not found, 404 for one queried.
      assertError(
        await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${id}` }),
        400,
        'NAT.0105',
      );
    });

    test("never shows or changes another project's gateway", async () => {
      const id = await createGateway(service, 'private_one');
      assert.equal((await service.as('alt', { url: `/v2.0/nat_gateways/${id}` })).statusCode, 404);
      assertError(
        await service.as('alt', { method: 'DELETE', url: `/v2.0/nat_gateways/${id}` }),
        400,
        'NAT.0105',
      );
      assert.equal(
        (
          await service.as('alt', {
            method: 'PUT',
            url: `/v2.0/nat_gateways/${id}`,
            payload: { nat_gateway: { name: 'x' } },
          })
        ).statusCode,
        404,
      );
      const listed = await service.as('alt', { url: `/v2.0/nat_gateways?id=${id}` });
      assert.deepEqual(listed.json().nat_gateways, []);
      const byTenant = await service.as('alt', {
        url: '/v2.0/nat_gateways?tenant_id=9ad601814ac94c80bf7bb9073ded66fc',
      });
      assert.deepEqual(byTenant.json().nat_gateways, []);
    });

    test('refuses a tenant_id other than the token project with 404 NAT.0020', async () => {
      const payload = {
        nat_gateway: {
          ...pageExample.nat_gateway,
          name: 'foreign',
          tenant_id: '27e25061336f4af590faeabeb7fcd9a3',
        },
      };
      const response = await service.as('demo', { method: 'POST', url: '/v2.0/nat_gateways', payload });
      assert.equal(response.statusCode, 404);
      assert.equal(errorCode(response.body), 'NAT.0020');
    });
  });

  describe(`NAT gateway status on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine, { provisioningDelayMs: 300 });
    });
    after(() => service.close());

    test('is PENDING_CREATE, then ACTIVE after the provisioning delay', async () => {
      const created = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/nat_gateways',
        payload: {
          nat_gateway: {
            name: 'slow_one',
            spec: '1',
            router_id: pageIds.router,
            internal_network_id: pageIds.internalNetwork,
          },
        },
      });
      const { id, status } = created.json().nat_gateway;
      assert.equal(status, 'PENDING_CREATE');
      const pending = await service.as('demo', { url: '/v2.0/nat_gateways?status=PENDING_CREATE' });
      assert.ok(pending.json().nat_gateways.some((gateway: { id: string }) => gateway.id === id));
      await new Promise((resolve) => setTimeout(resolve, 350));
      assert.equal(
        (await service.as('demo', { url: `/v2.0/nat_gateways/${id}` })).json().nat_gateway.status,
        'ACTIVE',
      );
    });

    test('answers acting on a pending gateway with 400 NAT.0103', async () => {
      const id = await createGateway(service);
      const update = await service.as('demo', {
        method: 'PUT',
        url: `/v2.0/nat_gateways/${id}`,
        payload: { nat_gateway: { description: 'x' } },
      });
      assertError(update, 400, 'NAT.0103');
      assert.equal(update.json().error.message, `NatGateway ${id} is not ACTIVE.`);
      const remove = await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${id}` });
      assertError(remove, 400, 'NAT.0103');
      await new Promise((resolve) => setTimeout(resolve, 350));
      assert.equal(
        (await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${id}` })).statusCode,
        204,
      );
      const deleting = await service.as('demo', { url: `/v2.0/nat_gateways/${id}` });
      assert.equal(deleting.json().nat_gateway.status, 'PENDING_DELETE');
      await new Promise((resolve) => setTimeout(resolve, 350));
      assert.equal((await service.as('demo', { url: `/v2.0/nat_gateways/${id}` })).statusCode, 404);
    });
  });
}
