import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../src/app.js';
import {
  assertError,
  createGateway,
  eip,
  engines,
  pageIds,
  project,
  startService,
  type TestService,
} from './harness.js';

const altProject = '27e25061336f4af590faeabeb7fcd9a3';
const account = (projectId: string) => `/_natgw/projects/${projectId}/account`;
/** A subnet of the private NAT's served VPC (10.100.n.0/24, a port at .10), and of its transit VPC. */
const served = (n: number) => `b1000100-0000-4000-8000-${String(n).padStart(12, '0')}`;
const transit = (n: number) => `b2000100-0000-4000-8000-${String(n).padStart(12, '0')}`;
const servedPort = (n: number) => `c1000100-0000-4000-8000-${String(n).padStart(12, '0')}`;
const privateGateways = `/v3/${project}/private-nat/gateways`;
const privateSnat = `/v3/${project}/private-nat/snat-rules`;
const privateDnat = `/v3/${project}/private-nat/dnat-rules`;
const zhCn = { 'accept-language': 'zh-CN' };

async function setState(service: TestService, state: string, projectId = project) {
  const response = await service.as('admin', { method: 'PUT', url: account(projectId), payload: { state } });
  assert.equal(response.statusCode, 200, response.body);
  assert.deepEqual(response.json(), { project_id: projectId, state });
}

/** Sends a request twice, in English and in Chinese: both must be this error, with these messages. */
async function refusedInBoth(
  service: TestService,
  request: { method: 'POST' | 'PUT' | 'DELETE'; url: string; payload?: object },
  code: string,
  english: string,
  chinese: string,
) {
  const en = await service.as('demo', request);
  assertError(en, 400, code);
  assert.equal(en.json().error.message, english);
  const zh = await service.as('demo', { ...request, headers: zhCn });
  assertError(zh, 400, code);
  assert.equal(zh.json().error.message, chinese);
}

for (const engine of engines()) {
  describe(`account states on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(() => service.close());

    test("keeps a project's account state in the database, normal until set: every instance sees it", async () => {
      const shown = await service.as('admin', { url: account(project) });
      assert.equal(shown.statusCode, 200, shown.body);
      assert.deepEqual(shown.json(), { project_id: project, state: 'normal' });
      await setState(service, 'frozen');
      // Another instance on the same database.
      const other = await buildApp(service.config);
      try {
        const seen = await other.inject({
          url: account(project),
          headers: { 'x-auth-token': await service.token('admin') },
        });
        assert.deepEqual(seen.json(), { project_id: project, state: 'frozen' });
      } finally {
        await other.close();
      }
      await setState(service, 'normal');
      assert.deepEqual((await service.as('admin', { url: account(project) })).json().state, 'normal');
    });

    test('refuses an unknown project (404), a state it does not know (400), and any user but the admin (403)', async () => {
      const unknown = await service.as('admin', { url: account('nobody') });
      assertError(unknown, 404, 'NAT.1002');
      assert.match(unknown.json().error.message, /No project nobody/);
      assertError(
        await service.as('admin', { method: 'PUT', url: account(project), payload: { state: 'asleep' } }),
        400,
        'NAT.0002',
      );
      assertError(
        await service.as('demo', { method: 'PUT', url: account(project), payload: { state: 'normal' } }),
        403,
        'VPC.2701',
      );
    });

    test('a restricted account creates no private NAT gateway (400 NAT.1022), a suspended one neither (NAT.1023), in English and Chinese', async () => {
      const request = {
        method: 'POST' as const,
        url: privateGateways,
        payload: { gateway: { name: 'gw', downlink_vpcs: [{ virsubnet_id: served(1) }] } },
      };
      await setState(service, 'restricted');
      await refusedInBoth(
        service,
        request,
        'NAT.1022',
        'Account is restricted, operation is forbidden.',
        '账号受限，禁止操作。',
      );
      await setState(service, 'suspended');
      await refusedInBoth(
        service,
        request,
        'NAT.1023',
        'Account is suspended, operation is forbidden.',
        '账号已冻结，禁止操作。',
      );
      // Another project's account is its own.
      const alt = await service.as('alt', {
        ...request,
        url: `/v3/${altProject}/private-nat/gateways`,
        payload: {
          gateway: { name: 'gw', downlink_vpcs: [{ virsubnet_id: 'b1000200-0000-4000-8000-000000000001' }] },
        },
      });
      assert.equal(alt.statusCode, 201, alt.body);
      await setState(service, 'normal');
      const created = await service.as('demo', request);
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(
        (
          await service.as('demo', {
            method: 'DELETE',
            url: `${privateGateways}/${created.json().gateway.id}`,
          })
        ).statusCode,
        204,
      );
    });

    test("a frozen account's NAT gateway takes no update (400 NAT.0104), nor its DNAT rules (NAT.0318); reads still work", async () => {
      const gatewayId = await createGateway(service);
      const dnat = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/dnat_rules',
        payload: {
          dnat_rule: {
            nat_gateway_id: gatewayId,
            floating_ip_id: eip(50),
            port_id: pageIds.port,
            protocol: 'tcp',
            internal_service_port: 22,
            external_service_port: 2222,
          },
        },
      });
      assert.equal(dnat.statusCode, 201, dnat.body);
      const ruleId = dnat.json().dnat_rule.id;
      await setState(service, 'frozen');
      const gatewayUrl = `/v2.0/nat_gateways/${gatewayId}`;
      await refusedInBoth(
        service,
        { method: 'PUT', url: gatewayUrl, payload: { nat_gateway: { description: 'x' } } },
        'NAT.0104',
        `NatGateway ${gatewayId} is frozen.can not update.`,
        `NAT 网关 ${gatewayId} 已冻结，不能更新。`,
      );
      await refusedInBoth(
        service,
        {
          method: 'PUT',
          url: `/v2/${project}/dnat_rules/${ruleId}`,
          payload: { dnat_rule: { nat_gateway_id: gatewayId, description: 'x' } },
        },
        'NAT.0318',
        'DNAT rule is frozen, can no longer update.',
        'DNAT 规则已冻结，不能再更新。',
      );
      assert.equal((await service.as('demo', { url: gatewayUrl })).statusCode, 200);
      assert.equal((await service.as('demo', { url: `/v2.0/dnat_rules/${ruleId}` })).statusCode, 200);
      // Thawed, both take the change.
      await setState(service, 'normal');
      const updated = await service.as('demo', {
        method: 'PUT',
        url: gatewayUrl,
        payload: { nat_gateway: { description: 'x' } },
      });
      assert.equal(updated.statusCode, 200, updated.body);
      const rule = await service.as('demo', {
        method: 'PUT',
        url: `/v2/${project}/dnat_rules/${ruleId}`,
        payload: { dnat_rule: { nat_gateway_id: gatewayId, description: 'x' } },
      });
      assert.equal(rule.statusCode, 200, rule.body);
    });

    test("a frozen account's private NAT gateways take no update or deletion, and no rule is created, updated or deleted on them (400 NAT.1208)", async () => {
      const made = await service.as('demo', {
        method: 'POST',
        url: privateGateways,
        payload: { gateway: { name: 'gw', downlink_vpcs: [{ virsubnet_id: served(2) }] } },
      });
      assert.equal(made.statusCode, 201, made.body);
      const gatewayId = made.json().gateway.id;
      const transitIp = async (n: number) => {
        const response = await service.as('demo', {
          method: 'POST',
          url: `/v3/${project}/private-nat/transit-ips`,
          payload: { transit_ip: { virsubnet_id: transit(n) } },
        });
        assert.equal(response.statusCode, 201, response.body);
        return response.json().transit_ip.id as string;
      };
      const [snatIp, dnatIp] = [await transitIp(3), await transitIp(4)];
      const snat = await service.as('demo', {
        method: 'POST',
        url: privateSnat,
        payload: { snat_rule: { gateway_id: gatewayId, virsubnet_id: served(2), transit_ip_ids: [snatIp] } },
      });
      assert.equal(snat.statusCode, 201, snat.body);
      const snatId = snat.json().snat_rule.id;
      const dnatRule = {
        gateway_id: gatewayId,
        transit_ip_id: dnatIp,
        network_interface_id: servedPort(2),
        protocol: 'tcp',
        internal_service_port: 80,
        transit_service_port: 8080,
      };
      const dnat = await service.as('demo', {
        method: 'POST',
        url: privateDnat,
        payload: { dnat_rule: dnatRule },
      });
      assert.equal(dnat.statusCode, 201, dnat.body);
      const dnatId = dnat.json().dnat_rule.id;

      await setState(service, 'frozen');
      const frozen = (operation: string) =>
        `Gateway ${gatewayId} is frozen, ${operation} operation is forbidden.`;
      const frozenZh = (operation: string) => `网关 ${gatewayId} 已冻结，禁止${operation}操作。`;
      await refusedInBoth(
        service,
        { method: 'PUT', url: `${privateGateways}/${gatewayId}`, payload: { gateway: { name: 'renamed' } } },
        'NAT.1208',
        frozen('update'),
        frozenZh('更新'),
      );
      await refusedInBoth(
        service,
        {
          method: 'POST',
          url: privateDnat,
          payload: { dnat_rule: { ...dnatRule, transit_service_port: 8081 } },
        },
        'NAT.1208',
        frozen('create'),
        frozenZh('创建'),
      );
      await refusedInBoth(
        service,
        { method: 'PUT', url: `${privateSnat}/${snatId}`, payload: { snat_rule: { description: 'x' } } },
        'NAT.1208',
        frozen('update'),
        frozenZh('更新'),
      );
      await refusedInBoth(
        service,
        { method: 'DELETE', url: `${privateDnat}/${dnatId}` },
        'NAT.1208',
        frozen('delete'),
        frozenZh('删除'),
      );
      await refusedInBoth(
        service,
        { method: 'DELETE', url: `${privateSnat}/${snatId}` },
        'NAT.1208',
        frozen('delete'),
        frozenZh('删除'),
      );
      // Reads still work; nothing changed.
      const shown = await service.as('demo', { url: `${privateGateways}/${gatewayId}` });
      assert.equal(shown.json().gateway.name, 'gw');
      const rules = await service.as('demo', { url: privateDnat });
      assert.deepEqual(
        rules.json().dnat_rules.map(({ id }: { id: string }) => id),
        [dnatId],
      );

      // Thawed: the rules go, then the gateway.
      await setState(service, 'normal');
      for (const url of [`${privateDnat}/${dnatId}`, `${privateSnat}/${snatId}`])
        assert.equal((await service.as('demo', { method: 'DELETE', url })).statusCode, 204);
      await setState(service, 'frozen');
      await refusedInBoth(
        service,
        { method: 'DELETE', url: `${privateGateways}/${gatewayId}` },
        'NAT.1208',
        frozen('delete'),
        frozenZh('删除'),
      );
      await setState(service, 'normal');
      assert.equal(
        (await service.as('demo', { method: 'DELETE', url: `${privateGateways}/${gatewayId}` })).statusCode,
        204,
      );
    });
  });
}
