import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseErrorBody } from 'statuskit';
import { createGateway, engines, pageIds, startService, type TestService } from './harness.js';

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

    test('answers a second gateway of the same name in the project with 409', async () => {
      const response = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/nat_gateways',
        payload: pageExample,
      });
      assert.equal(response.statusCode, 409);
      assert.equal(errorCode(response.body), 'NAT.0106');
    });

    test('gives exactly one 201 when many create the same name at once', async () => {
      const payload = { nat_gateway: { ...pageExample.nat_gateway, name: 'raced' } };
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          service.as('demo', { method: 'POST', url: '/v2.0/nat_gateways', payload }),
        ),
      );
      const statuses = responses.map((response) => response.statusCode);
      assert.equal(statuses.filter((status) => status === 201).length, 1);
      assert.equal(statuses.filter((status) => status === 409).length, 19);
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
      for (const name of ['has space', 'x'.repeat(65), '']) {
        const payload = { nat_gateway: { ...pageExample.nat_gateway, name } };
        const response = await service.as('demo', { method: 'POST', url: '/v2.0/nat_gateways', payload });
        assert.equal(response.statusCode, 400, name);
        assert.equal(errorCode(response.body), 'NAT.0002');
        assert.match(String(parseErrorBody(response.body)?.message), /nat_gateway\.name/);
      }
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
      assert.equal(badLimit.statusCode, 400);
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

    test('deletes with 204 and an empty body, and the gateway is gone after', async () => {
      const id = await createGateway(service);
      const response = await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${id}` });
      assert.equal(response.statusCode, 204);
      assert.equal(response.body, '');
      assert.equal(response.headers['content-type'], undefined);
      assert.equal((await service.as('demo', { url: `/v2.0/nat_gateways/${id}` })).statusCode, 404);
      assert.equal(
        (await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${id}` })).statusCode,
        404,
      );
    });

    test("never shows or changes another project's gateway", async () => {
      const id = await createGateway(service, 'private_one');
      assert.equal((await service.as('alt', { url: `/v2.0/nat_gateways/${id}` })).statusCode, 404);
      assert.equal(
        (await service.as('alt', { method: 'DELETE', url: `/v2.0/nat_gateways/${id}` })).statusCode,
        404,
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

    test('answers acting on a pending gateway with 409 NAT.0103', async () => {
      const id = await createGateway(service);
      const update = await service.as('demo', {
        method: 'PUT',
        url: `/v2.0/nat_gateways/${id}`,
        payload: { nat_gateway: { description: 'x' } },
      });
      assert.equal(update.statusCode, 409);
      assert.equal(errorCode(update.body), 'NAT.0103');
      const remove = await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${id}` });
      assert.equal(remove.statusCode, 409);
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
