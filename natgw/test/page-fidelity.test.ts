import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultConfig, loadConfig } from '../src/config.js';
import { errorCodes } from '../src/error-codes.js';
import {
  assertError,
  createGateway,
  eip,
  engines,
  pageIds,
  project,
  startService,
  subnet,
  type TestService,
} from './harness.js';

/**
 * natgw's answers against the pages' own text, one test per difference an audit found: the
 * examples' statuses, the error-code page's rows and templates, the list pages' order.
 */

/** A page's template as a pattern: its `.+` any text, the rest as written. */
function templatePattern(template: string, filled: Record<string, string> = {}): RegExp {
  let pattern = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\.\\+', '\\..+');
  for (const [from, to] of Object.entries(filled)) pattern = pattern.replace(from, to);
  return new RegExp(`^${pattern}$`);
}

const dnatRule = (gateway: string, changes: Record<string, unknown> = {}) => ({
  dnat_rule: {
    nat_gateway_id: gateway,
    floating_ip_id: eip(1),
    private_ip: '10.0.1.10',
    internal_service_port: 80,
    external_service_port: 80,
    protocol: 'tcp',
    ...changes,
  },
});

for (const engine of engines()) {
  describe(`the pages' answers on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(() => service.close());

    test('1. a gateway update answers ACTIVE; creates answer as their examples; a rule goes at once', async () => {
      // The default configuration's timing: what the pages' examples show.
      const service = await startService(engine, { provisioningDelayMs: defaultConfig.provisioningDelayMs });
      try {
        const created = await service.as('demo', {
          method: 'POST',
          url: '/v2.0/nat_gateways',
          payload: {
            nat_gateway: {
              name: 'nat_001',
              router_id: pageIds.router,
              internal_network_id: subnet(40),
              spec: '1',
            },
          },
        });
        // creating_a_nat_gateway.rst's example answers "status": "PENDING_CREATE".
        assert.equal(created.json().nat_gateway.status, 'PENDING_CREATE');
        const id = created.json().nat_gateway.id;
        assert.equal(
          (await service.as('demo', { url: `/v2.0/nat_gateways/${id}` })).json().nat_gateway.status,
          'ACTIVE',
        );
        // updating_a_nat_gateway.rst's example answers "status": "ACTIVE", and the gateway takes a rule at once.
        const renamed = await service.as('demo', {
          method: 'PUT',
          url: `/v2.0/nat_gateways/${id}`,
          payload: { nat_gateway: { name: 'new_name' } },
        });
        assert.equal(renamed.json().nat_gateway.status, 'ACTIVE');
        const dnat = await service.as('demo', {
          method: 'POST',
          url: '/v2.0/dnat_rules',
          payload: dnatRule(id),
        });
        // creating_a_dnat_rule.rst: both examples answer "status": "ACTIVE".
        assert.equal(dnat.statusCode, 201, dnat.body);
        assert.equal(dnat.json().dnat_rule.status, 'ACTIVE');
        const snat = await service.as('demo', {
          method: 'POST',
          url: '/v2.0/snat_rules',
          payload: { snat_rule: { nat_gateway_id: id, network_id: subnet(40), floating_ip_id: eip(2) } },
        });
        // creating_an_snat_rule.rst: its three examples answer "status": "PENDING_CREATE".
        assert.equal(snat.json().snat_rule.status, 'PENDING_CREATE');
        for (const url of [
          `/v2.0/dnat_rules/${dnat.json().dnat_rule.id}`,
          `/v2.0/snat_rules/${snat.json().snat_rule.id}`,
        ])
          assert.equal((await service.as('demo', { method: 'DELETE', url })).statusCode, 204, url);
      } finally {
        await service.close();
      }
    });

    test('1. with PENDING_* states configured, a rule still being made answers a page code, never SK.*', async () => {
      const slow = await startService(engine, { provisioningDelayMs: 60_000 });
      try {
        const pending = await slow.as('demo', {
          method: 'POST',
          url: '/v2.0/nat_gateways',
          payload: {
            nat_gateway: {
              name: 'slow',
              router_id: pageIds.router,
              internal_network_id: subnet(41),
              spec: '1',
            },
          },
        });
        assert.equal(pending.json().nat_gateway.status, 'PENDING_CREATE');
        // A rule on it: the gateway's NAT.0103.
        const rule = await slow.as('demo', {
          method: 'POST',
          url: '/v2.0/dnat_rules',
          payload: dnatRule(pending.json().nat_gateway.id),
        });
        assertError(rule, 400, 'NAT.0103');
      } finally {
        await slow.close();
      }
      const rules = await startService(engine, { provisioningDelayMs: 300 });
      try {
        const gateway = await createGateway(rules);
        await new Promise((resolve) => setTimeout(resolve, 350));
        const created = await rules.as('demo', {
          method: 'POST',
          url: '/v2.0/dnat_rules',
          payload: dnatRule(gateway),
        });
        assert.equal(created.json().dnat_rule.status, 'PENDING_CREATE');
        const deleted = await rules.as('demo', {
          method: 'DELETE',
          url: `/v2.0/dnat_rules/${created.json().dnat_rule.id}`,
        });
        // error_codes.rst: "Concurrent conflict requests found" (no 409 row of the public pages).
        assertError(deleted, 400, 'NAT.0106');
        assert.equal(deleted.json().error.message, errorCodes['NAT.0106'].messages[0]);
      } finally {
        await rules.close();
      }
    });

    test('2. a schema failure is "Invalid parameters."; a DNAT field left out is NAT.0301 naming it', async () => {
      const bad = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/nat_gateways',
        payload: {
          nat_gateway: {
            name: 'has space',
            router_id: pageIds.router,
            internal_network_id: subnet(42),
            spec: '1',
          },
        },
      });
      assertError(bad, 400, 'NAT.0002');
      // error_codes.rst: NAT.0002 "Invalid parameters."
      assert.equal(bad.json().error.message, 'Invalid parameters.');
      assert.equal(bad.json().error.details[0].field, 'nat_gateway.name');
      const gateway = await createGateway(service);
      const { protocol: _, ...noProtocol } = dnatRule(gateway).dnat_rule;
      for (const url of ['/v2.0/dnat_rules', `/v2/${project}/dnat_rules`]) {
        const missing = await service.as('demo', { method: 'POST', url, payload: { dnat_rule: noProtocol } });
        assertError(missing, 400, 'NAT.0301');
        // error_codes.rst: NAT.0301 "param xxx is null in request body."
        assert.equal(missing.json().error.message, 'param protocol is null in request body.');
      }
      const batch = await service.as('demo', {
        method: 'POST',
        url: `/v2/${project}/dnat_rules/batch`,
        payload: { dnat_rules: [noProtocol] },
      });
      assertError(batch, 400, 'NAT.0301');
      assert.equal(batch.json().error.message, 'param protocol is null in request body.');
    });

    test('3. NAT.0014 and NAT.0015 fill the template: the reason, and the field’s own maximum', async () => {
      const create = (changes: Record<string, string>) =>
        service.as('demo', {
          method: 'POST',
          url: '/v2.0/nat_gateways',
          payload: {
            nat_gateway: {
              name: 'n',
              router_id: pageIds.router,
              internal_network_id: subnet(43),
              spec: '1',
              ...changes,
            },
          },
        });
      // error_codes.rst: "Invalid input for name.+exceeds maximum length of 255." (a name's is 64).
      const name = await create({ name: 'x'.repeat(65) });
      assertError(name, 400, 'NAT.0015');
      const nameTemplate = errorCodes['NAT.0015'].messages[0];
      assert.match(name.json().error.message, templatePattern(nameTemplate, { '255': '64' }));
      assert.notEqual(name.json().error.message, nameTemplate);
      // "Invalid input for description.+exceeds maximum length of 255."
      const description = await create({ description: 'd'.repeat(256) });
      assertError(description, 400, 'NAT.0014');
      const descriptionTemplate = errorCodes['NAT.0014'].messages[0];
      assert.match(description.json().error.message, templatePattern(descriptionTemplate));
      assert.notEqual(description.json().error.message, descriptionTemplate);
    });

    test('4. a public gateway updated to the spec it has is 200: NAT.1206 is a private NAT row', async () => {
      const id = await createGateway(service);
      const same = await service.as('demo', {
        method: 'PUT',
        url: `/v2.0/nat_gateways/${id}`,
        payload: { nat_gateway: { spec: '1' } },
      });
      // updating_a_nat_gateway.rst: "At least one attribute must be specified", nothing more.
      assert.equal(same.statusCode, 200, same.body);
      assert.equal(same.json().nat_gateway.spec, '1');
    });

    test('5. enterprise_project_id is kept, shown, validated as NAT.0101, and "0" by default', async () => {
      const enterprise = '2759da7b-8015-404c-ae0a-a389007b0e2a';
      const create = (nat_gateway: Record<string, unknown>, url = `/v2/${project}/nat_gateways`) =>
        service.as('demo', {
          method: 'POST',
          url,
          payload: {
            nat_gateway: { name: 'ep', router_id: pageIds.router, spec: '1', ...nat_gateway },
          },
        });
      const inProject = await create({ internal_network_id: subnet(44), enterprise_project_id: enterprise });
      assert.equal(inProject.statusCode, 201, inProject.body);
      assert.equal(inProject.json().nat_gateway.enterprise_project_id, enterprise);
      const id = inProject.json().nat_gateway.id;
      // querying_details_of_a_nat_gateway.rst: "sys_tags": ["_sys_enterprise_project_id=0"], here the one given.
      const shown = (await service.as('demo', { url: `/v2.0/nat_gateways/${id}` })).json().nat_gateway;
      assert.deepEqual(shown.sys_tags, [`_sys_enterprise_project_id=${enterprise}`]);
      const byDefault = await create({ internal_network_id: subnet(45) }, '/v2.0/nat_gateways');
      assert.deepEqual(byDefault.json().nat_gateway.sys_tags, ['_sys_enterprise_project_id=0']);
      const invalid = await create({
        internal_network_id: subnet(46),
        enterprise_project_id: 'not-a-project',
      });
      assertError(invalid, 400, 'NAT.0101');
      assert.equal(invalid.json().error.message, 'the enterprise project id in request is invalid.');
    });

    test('6. repeated filters match any of their values; the Huawei form shows its own fields', async () => {
      const slowOnes = await startService(engine, { provisioningDelayMs: 60_000 });
      try {
        const ready = await createGateway(slowOnes);
        const other = await createGateway(slowOnes);
        const list = async (query: string, url = `/v2/${project}/nat_gateways`) => {
          const response = await slowOnes.as('demo', { url: `${url}?${query}` });
          assert.equal(response.statusCode, 200, `${query}: ${response.body}`);
          return response.json().nat_gateways.map((gateway: { id: string }) => gateway.id);
        };
        assert.deepEqual(await list('status=PENDING_CREATE&status=ACTIVE'), [ready, other]);
        assert.deepEqual(await list('status=ACTIVE&status=PENDING_UPDATE'), []);
        assert.deepEqual(await list(`id=${other}&id=${ready}`, '/v2.0/nat_gateways'), [ready, other]);
        assert.deepEqual(await list('spec=1&spec=2'), [ready, other]);
        assert.deepEqual(await list('spec=3&spec=4'), []);
        const huawei = (await slowOnes.as('demo', { url: `/v2/${project}/nat_gateways/${ready}` })).json()
          .nat_gateway;
        assert.equal(huawei.enterprise_project_id, '0');
        assert.equal(huawei.billing_info, '');
        assert.match(huawei.ngport_ip_address, /^10\.\d+\.\d+\.\d+$/);
        const otc = (await slowOnes.as('demo', { url: `/v2.0/nat_gateways/${ready}` })).json().nat_gateway;
        assert.equal('ngport_ip_address' in otc, false);
      } finally {
        await slowOnes.close();
      }
    });

    test("6. a gateway takes an address of its network: none left is the page's NAT.0107", async () => {
      const full = await startService(engine);
      try {
        // Transit IPs take every address of the network a gateway would serve (a /24).
        for (let status = 201; status === 201; ) {
          const assigned = await full.as('demo', {
            method: 'POST',
            url: `/v3/${project}/private-nat/transit-ips`,
            payload: { transit_ip: { virsubnet_id: subnet(47) } },
          });
          status = assigned.statusCode;
          if (status !== 201) assertError(assigned, 400, 'NAT.1404');
        }
        const gateway = await full.as('demo', {
          method: 'POST',
          url: '/v2.0/nat_gateways',
          payload: {
            nat_gateway: {
              name: 'full',
              router_id: pageIds.router,
              internal_network_id: subnet(47),
              spec: '1',
            },
          },
        });
        // error_codes.rst: NAT.0107 "Create NG Port failed." (its internal port).
        assertError(gateway, 400, 'NAT.0107');
      } finally {
        await full.close();
      }
    });

    test('7. DNAT protocol any with a port is the page’s NAT.0301', async () => {
      const gateway = await createGateway(service);
      const response = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/dnat_rules',
        payload: dnatRule(gateway, { protocol: 'any', internal_service_port: 80, external_service_port: 80 }),
      });
      assertError(response, 400, 'NAT.0301');
      // error_codes.rst: NAT.0301 "for non-all port rule,the protocol can not be any."
      assert.equal(response.json().error.message, 'for non-all port rule,the protocol can not be any.');
    });

    test('8. lists in creation order, with page_reverse and microsecond times', async () => {
      const fresh = await startService(engine, {});
      try {
        const made: string[] = [];
        for (let n = 0; n < 8; n++) made.push(await createGateway(fresh));
        const list = async (query: string) =>
          (await fresh.as('demo', { url: `/v2.0/nat_gateways?${query}` })).json().nat_gateways as {
            id: string;
            created_at: string;
          }[];
        const all = await list('limit=2000');
        // querying_nat_gateways.rst lists its examples as they were made, not by id.
        assert.deepEqual(
          all.map((gateway) => gateway.id),
          made,
        );
        // "Its value rounds to 6 decimal places for seconds": the microseconds are the time's own.
        for (const { created_at } of all) assert.match(created_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
        assert.ok(
          all.some(({ created_at }) => !created_at.endsWith('000')),
          'every time ends in 000',
        );
        const paged: string[] = [];
        for (let marker = ''; ; ) {
          const page = await list(`limit=3${marker ? `&marker=${marker}` : ''}`);
          if (page.length === 0) break;
          paged.push(...page.map((gateway) => gateway.id));
          marker = page.at(-1)?.id ?? '';
        }
        assert.deepEqual(paged, made);
        assert.deepEqual(
          (await list('limit=3&page_reverse=true')).map((gateway) => gateway.id),
          made.slice(-3),
        );
        assert.deepEqual(
          (await list(`limit=2&page_reverse=true&marker=${made[5]}`)).map((gateway) => gateway.id),
          made.slice(3, 5),
        );
      } finally {
        await fresh.close();
      }
    });

    test('9. gateways per VPC: NATGW_GATEWAYS_PER_VPC sets the limit the page’s NAT.0113 answers', async () => {
      const limits = loadConfig({ NATGW_GATEWAYS_PER_VPC: '2' }).limits;
      assert.equal(limits.gatewaysPerVpc, 2);
      assert.equal(loadConfig({}).limits.gatewaysPerVpc, 0);
      const limited = await startService(engine, { limits });
      try {
        await createGateway(limited);
        await createGateway(limited);
        const third = await limited.as('demo', {
          method: 'POST',
          url: '/v2.0/nat_gateways',
          payload: {
            nat_gateway: {
              name: 'third',
              router_id: pageIds.router,
              internal_network_id: subnet(1),
              spec: '1',
            },
          },
        });
        assertError(third, 400, 'NAT.0113');
        // error_codes.rst: "%(limit)s NAT gateways has been created to this VPC, no more is allowed"
        assert.equal(
          third.json().error.message,
          '2 NAT gateways has been created to this VPC, no more is allowed',
        );
      } finally {
        await limited.close();
      }
    });

    test('10. GET / is the page’s list of versions: v2.0 alone', async () => {
      const response = await service.app.inject({ url: '/' });
      // querying_all_api_versions.rst's example: one version, v2.0, CURRENT.
      assert.deepEqual(
        response
          .json()
          .versions.map((version: { id: string; status: string }) => [version.id, version.status]),
        [['v2.0', 'CURRENT']],
      );
    });
  });
}
