import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultConfig } from '../src/config.js';
import { defaultNetwork } from '../src/network/fixture.js';
import {
  assertError,
  createGateway,
  eip,
  engines,
  pageIds,
  project,
  ruleRequests,
  startService,
  subnet,
  type TestService,
} from './harness.js';

const createSnat = ruleRequests('snat').create;

/** The smaller things a client following the pages meets. */
for (const engine of engines()) {
  describe(`what the pages say, on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine, {
        provisioningDelayMs: 0,
        limits: { ...defaultConfig.limits, snatRulePublicIps: 2 },
      });
    });
    after(() => service.close());

    test("answers the version document's own self link, /v2.0/", async () => {
      const version = await service.app.inject({ url: '/v2.0' });
      const self = version.json().version.links[0].href as string;
      assert.equal(new URL(self).pathname, '/v2.0/');
      const followed = await service.app.inject({ url: '/v2.0/' });
      assert.equal(followed.statusCode, 200);
      assert.deepEqual(followed.json(), version.json());
    });

    test('answers a body that is not JSON with 400 NAT.1010, saying where and not echoing it', async () => {
      for (const payload of ['{"nat_gateway":', '{"nat_gateway": {"name": /etc/passwd}}']) {
        const response = await service.as('demo', {
          method: 'POST',
          url: '/v2.0/nat_gateways',
          headers: { 'content-type': 'application/json' },
          payload,
        });
        assertError(response, 400, 'NAT.1010');
        assert.match(response.json().error.message, /^Request parameter Json parsing failed .+\.$/);
        assert.doesNotMatch(response.body, /passwd|SyntaxError/);
      }
    });

    test("answers a bad limit or marker of the rule lists with their page's code", async () => {
      const cases: [string, string, string][] = [
        ['/v2.0/dnat_rules?limit=0', 'NAT.0301', 'get dnatRules error limit is invalid.'],
        ['/v2.0/dnat_rules?marker=x', 'NAT.0301', 'get dnatrules error marker is invalid.'],
        ['/v2.0/snat_rules?marker=x', 'NAT.0201', 'Query SnatRules list error marker is invalid.'],
        ['/v2.0/snat_rules?limit=2001', 'NAT.0002', 'Invalid parameters.'],
        [
          '/v2.0/dnat_rules?created_at=2017-13-01%2000:00:00',
          'NAT.0001',
          'Invalid value for created_at 2017-13-01 00:00:00.',
        ],
      ];
      for (const [url, code, message] of cases) {
        const response = await service.as('demo', { url });
        assertError(response, 400, code);
        assert.equal(response.json().error.message, message);
      }
      // A marker that names no rule of the project is as invalid as a malformed one.
      const unknown = await service.as('demo', { url: `/v2.0/dnat_rules?limit=5&marker=${pageIds.port}` });
      assertError(unknown, 400, 'NAT.0301');
      assert.equal(unknown.json().error.message, 'get dnatrules error marker is invalid.');
    });

    test('takes the SNAT EIP limit from the configuration (NAT.0211) and shows it on gateways', async () => {
      const gateway = await createGateway(service);
      const response = await createSnat(service, {
        nat_gateway_id: gateway,
        network_id: subnet(40),
        floating_ip_id: [eip(40), eip(41), eip(42)].join(','),
      });
      assertError(response, 400, 'NAT.0211');
      assert.equal(
        response.json().error.message,
        "2 EIP has been associated to this SNAT rules's EIP pool, no more is allowed.",
      );
      const shown = await service.as('demo', { url: `/v2.0/nat_gateways/${gateway}` });
      assert.equal(shown.json().nat_gateway.snat_rule_public_ip_limit, 2);
    });

    test('names the tag field at fault in the details of NAT.1015', async () => {
      const gateway = await createGateway(service);
      const response = await service.as('demo', {
        method: 'POST',
        url: `/v2.0/${project}/nat_gateways/${gateway}/tags/action`,
        payload: {
          action: 'create',
          tags: [
            { key: 'ok', value: 'v' },
            { key: 'a'.repeat(37), value: 'v' },
          ],
        },
      });
      assertError(response, 400, 'NAT.1015');
      assert.equal(response.json().error.message, 'Tags parameter is illegal.');
      assert.deepEqual(response.json().error.details, [
        { field: 'tags[1].key', rule: 'tag', message: 'must NOT have more than 36 characters' },
      ]);
    });

    test("speaks Chinese to Accept-Language: zh-CN with the code's zh-CN template", async () => {
      const slow = await startService(engine, { provisioningDelayMs: 60_000 });
      try {
        const gateway = await createGateway(slow);
        const put = (language?: string) =>
          slow.as('demo', {
            method: 'PUT',
            url: `/v2.0/nat_gateways/${gateway}`,
            headers: language ? { 'accept-language': language } : {},
            payload: { nat_gateway: { description: 'x' } },
          });
        const chinese = await put('zh-CN,zh;q=0.9');
        assertError(chinese, 400, 'NAT.0103');
        assert.equal(chinese.json().error.message, `NAT 网关 ${gateway} 不处于 ACTIVE 状态。`);
        assert.equal(chinese.headers['content-language'], 'zh-CN');
        const english = await put();
        assert.equal(english.json().error.message, `NatGateway ${gateway} is not ACTIVE.`);
        const missing = await slow.as('demo', {
          url: '/v2.0/snat_rules/fe1a4cf0-27fe-4b97-a9b1-2c67c127f0e0',
          headers: { 'accept-language': 'zh' },
        });
        assert.equal(
          missing.json().error.message,
          'ID 为 fe1a4cf0-27fe-4b97-a9b1-2c67c127f0e0 的 SNAT 规则不存在',
        );
      } finally {
        await slow.close();
      }
    });
  });

  describe(`a network of the project's own, on ${engine}`, () => {
    // Two VPCs in demo, and one EIP id that both projects' networks list.
    const shared = { id: '5ea7ed00-0000-4000-8000-000000000001', address: '203.0.113.1' };
    const otherVpc = 'a0ffff00-0000-4000-8000-000000000000';
    const otherSubnet = 'b0ffff00-0000-4000-8000-000000000001';
    const dir = mkdtempSync(join(tmpdir(), 'natgw-network-'));
    const demo = defaultNetwork(0, true);
    demo.routers.push({ id: otherVpc, name: 'vpc-other', cidr: '172.31.0.0/16' });
    demo.networks.push({ id: otherSubnet, router_id: otherVpc, cidr: '172.31.1.0/24' });
    demo.floating_ips.push(shared);
    const alt = defaultNetwork(1, false);
    alt.floating_ips.push(shared);
    const networkFile = join(dir, 'network.json');
    writeFileSync(networkFile, JSON.stringify({ [project]: demo, '27e25061336f4af590faeabeb7fcd9a3': alt }));
    let service: TestService;
    before(async () => {
      service = await startService(engine, { networkFile });
    });
    after(async () => {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('answers a subnet of another VPC with 400 NAT.0008, for a gateway and for an SNAT rule', async () => {
      const create = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/nat_gateways',
        payload: {
          nat_gateway: {
            name: 'cross',
            spec: '1',
            router_id: pageIds.router,
            internal_network_id: otherSubnet,
          },
        },
      });
      assertError(create, 400, 'NAT.0008');
      assert.equal(
        create.json().error.message,
        `Router ${pageIds.router} has no port for subnet ${otherSubnet}.`,
      );
      const gateway = await createGateway(service);
      assertError(
        await createSnat(service, {
          nat_gateway_id: gateway,
          network_id: otherSubnet,
          floating_ip_id: eip(1),
        }),
        400,
        'NAT.0008',
      );
    });

    test("answers an EIP another project's rules use with 400 NAT.0405, naming no gateway", async () => {
      const mine = await createGateway(service);
      const first = await createSnat(service, {
        nat_gateway_id: mine,
        network_id: subnet(50),
        floating_ip_id: shared.id,
      });
      assert.equal(first.statusCode, 201, first.body);
      const theirs = await service.as('alt', {
        method: 'POST',
        url: '/v2.0/nat_gateways',
        payload: {
          nat_gateway: {
            name: 'alt_gw',
            spec: '1',
            router_id: 'a0000200-0000-4000-8000-000000000000',
            internal_network_id: subnet(1, 2),
          },
        },
      });
      assert.equal(theirs.statusCode, 201, theirs.body);
      const taken = await createSnat(
        service,
        { nat_gateway_id: theirs.json().nat_gateway.id, network_id: subnet(2, 2), floating_ip_id: shared.id },
        'alt',
      );
      assertError(taken, 400, 'NAT.0405');
      assert.equal(taken.json().error.message, `Floating Ip ${shared.id} has been occupied.`);
    });
  });
}
