import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assertError,
  createGateway,
  eip,
  eipAddress,
  engines,
  missing,
  pageIds,
  port,
  project,
  ruleRequests,
  startService,
  subnet,
  type TestService,
} from './harness.js';

/**
 * Huawei Cloud's three additions to the public NAT API (nat-gateway-huawei-v2): SNAT rule
 * update, DNAT rule update and DNAT rules created in a batch, on the `/v2/{project_id}` form.
 */

const bounded = { timeout: 60_000 };
/** The alt user's project (config.ts). */
const altProject = '27e25061336f4af590faeabeb7fcd9a3';
const zh = { 'accept-language': 'zh-CN,zh;q=0.9' };
type User = 'demo' | 'viewer' | 'alt';

const snat = ruleRequests('snat');
const dnat = ruleRequests('dnat');

const ruleUrl = (kind: 'snat' | 'dnat', id: string, projectId = project) =>
  `/v2/${projectId}/${kind}_rules/${id}`;

function update(
  service: TestService,
  kind: 'snat' | 'dnat',
  id: string,
  rule: Record<string, unknown>,
  options: { user?: User; headers?: Record<string, string>; projectId?: string } = {},
) {
  return service.as(options.user ?? 'demo', {
    method: 'PUT',
    url: ruleUrl(kind, id, options.projectId),
    payload: { [`${kind}_rule`]: rule },
    ...(options.headers ? { headers: options.headers } : {}),
  });
}

const batch = (service: TestService, rules: unknown[], user: User = 'demo') =>
  service.as(user, {
    method: 'POST',
    url: `/v2/${project}/dnat_rules/batch`,
    payload: { dnat_rules: rules },
  });

/** A fresh numbered EIP of the demo project for each use, so tests do not share claims. */
let nextEip = 1;
const freshEip = () => nextEip++;
/** A fresh block of a subnet of the VPC for each SNAT rule: no two overlap (NAT.0207). */
let nextBlock = 1;

for (const engine of engines()) {
  describe(`rule updates and batch DNAT creation on ${engine}`, () => {
    let service: TestService;
    let gateway: string;
    let otherGateway: string;
    const snatRule = async (n = freshEip()) =>
      snat.id(service, { nat_gateway_id: gateway, cidr: `10.0.${nextBlock++}.0/25`, floating_ip_id: eip(n) });
    /** A valid rule on a fresh EIP and internal port: tests change one field. */
    const dnatBody = (changes: Record<string, unknown> = {}) => {
      const n = freshEip();
      return {
        nat_gateway_id: gateway,
        floating_ip_id: eip(n),
        port_id: port(1),
        internal_service_port: 10_000 + n,
        external_service_port: 80,
        protocol: 'tcp',
        ...changes,
      };
    };
    const dnatRule = async (changes: Record<string, unknown> = {}) => dnat.id(service, dnatBody(changes));

    before(async () => {
      nextEip = 1;
      nextBlock = 1;
      service = await startService(engine);
      gateway = await createGateway(service);
      otherGateway = await createGateway(service);
    });
    after(() => service.close());

    test(
      "updates an SNAT rule's EIPs by address and its description, freeing the EIPs it no longer uses",
      bounded,
      async () => {
        const [first, second, third] = [freshEip(), freshEip(), freshEip()];
        const id = await snatRule(first);
        const response = await update(service, 'snat', id, {
          nat_gateway_id: gateway,
          description: 'my snat rule 01',
          public_ip_address: `${eipAddress(second)}, ${eipAddress(third)}`,
        });
        assert.equal(response.statusCode, 200, response.body);
        const rule = response.json().snat_rule;
        assert.equal(rule.id, id);
        assert.equal(rule.floating_ip_id, `${eip(second)},${eip(third)}`);
        assert.equal(rule.floating_ip_address, `${eipAddress(second)},${eipAddress(third)}`);
        assert.equal(rule.description, 'my snat rule 01');
        // Huawei Cloud's page's example answers "status": "PENDING_UPDATE"; it is ACTIVE at once after.
        assert.equal(rule.status, 'PENDING_UPDATE');
        assert.deepEqual((await service.as('demo', { url: ruleUrl('snat', id) })).json().snat_rule, {
          ...rule,
          status: 'ACTIVE',
        });

        // The EIP it left is free for another gateway; those it took are this gateway's.
        const freed = await snat.create(service, {
          nat_gateway_id: otherGateway,
          cidr: '10.0.60.0/26',
          floating_ip_id: eip(first),
        });
        assert.equal(freed.statusCode, 201, freed.body);
        const taken = await snat.create(service, {
          nat_gateway_id: otherGateway,
          cidr: '10.0.60.64/26',
          floating_ip_id: eip(second),
        });
        assertError(taken, 400, 'NAT.0404');

        // The description alone leaves the EIPs as they are.
        const described = await update(service, 'snat', id, { nat_gateway_id: gateway, description: '' });
        assert.equal(described.statusCode, 200, described.body);
        assert.equal(described.json().snat_rule.floating_ip_id, rule.floating_ip_id);
        assert.equal(described.json().snat_rule.description, '');
      },
    );

    test("answers an SNAT rule update's bad input with the page's codes", bounded, async () => {
      const id = await snatRule();
      const on = (rule: Record<string, unknown>) =>
        update(service, 'snat', id, { nat_gateway_id: gateway, ...rule });
      assertError(
        await update(service, 'snat', missing, { nat_gateway_id: gateway, description: 'x' }),
        404,
        'NAT.0209',
      );
      assertError(
        await update(service, 'snat', 'not-an-id', { nat_gateway_id: gateway, description: 'x' }),
        404,
        'NAT.0209',
      );
      // A rule named with another gateway than its own is not found there.
      assertError(
        await update(service, 'snat', id, { nat_gateway_id: otherGateway, description: 'x' }),
        404,
        'NAT.0209',
      );
      assertError(
        await update(service, 'snat', id, { nat_gateway_id: missing, description: 'x' }),
        404,
        'NAT.0105',
      );
      assertError(
        await update(service, 'snat', id, { nat_gateway_id: 'nope', description: 'x' }),
        404,
        'NAT.0021',
      );
      const empty = await on({});
      assertError(empty, 400, 'NAT.0201');
      assert.equal(empty.json().error.message, 'Request is null.');
      assertError(await on({ description: 'd'.repeat(256) }), 400, 'NAT.0014');
      const many = Array.from({ length: 21 }, (_, n) => eipAddress(200 + n)).join(',');
      const tooMany = await on({ public_ip_address: many });
      assertError(tooMany, 400, 'NAT.0211');
      assert.match(tooMany.json().error.message, /^20 EIP has been associated/);
      const malformed = await on({ public_ip_address: '80.0.0.x' });
      assertError(malformed, 400, 'NAT.0210');
      assert.equal(malformed.json().error.message, 'Invalid value for public ip id.');
      const twice = await on({ public_ip_address: `${eipAddress(201)},${eipAddress(201)}` });
      assertError(twice, 400, 'NAT.0403');
      assert.equal(twice.json().error.message, `There is a duplicate EIP ${eipAddress(201)} in SNAT rule.`);
      const unknown = await on({ public_ip_address: '203.0.113.9' });
      assertError(unknown, 400, 'NAT.0026');
      assert.equal(unknown.json().error.message, 'Floating IP 203.0.113.9 could not be found.');
      // Nothing was changed by any of them.
      assert.equal((await service.as('demo', { url: ruleUrl('snat', id) })).json().snat_rule.description, '');
    });

    test(
      'refuses on an update what a creation refuses of the network: EIPs 257 to 259, ports 65 and 66',
      bounded,
      async () => {
        // The default network's EIPs 257 (IPv6), 258 (bound to port 1) and 259 (frozen), by address
        // for an SNAT rule; its ports 65 (a virtual IP) and 66 (no address) for a DNAT rule.
        const snatId = await snatRule();
        const onSnat = (address: string) =>
          update(service, 'snat', snatId, { nat_gateway_id: gateway, public_ip_address: address });
        assertError(await onSnat('2001:db8:ffff:0::1'), 400, 'NAT.0109');
        assertError(await onSnat('2001:db8:ffff:0::2'), 400, 'NAT.0026');
        assertError(await onSnat('2001:db8:ffff:0::x'), 400, 'NAT.0210');
        assertError(await onSnat(`${eipAddress(freshEip())},${eipAddress(258)}`), 400, 'NAT.0402');
        assertError(await onSnat(eipAddress(259)), 400, 'NAT.0401');
        const dnatId = await dnatRule();
        const onDnat = (changes: Record<string, unknown>) =>
          update(service, 'dnat', dnatId, dnatBody(changes));
        assertError(await onDnat({ port_id: port(65) }), 400, 'NAT.0312');
        assertError(await onDnat({ port_id: port(66) }), 404, 'NAT.1009');
        assertError(await onDnat({ floating_ip_id: eip(257) }), 400, 'NAT.0109');
        // Nothing was changed by any of them.
        const [snatShown, dnatShown] = await Promise.all([
          service.as('demo', { url: ruleUrl('snat', snatId) }),
          service.as('demo', { url: ruleUrl('dnat', dnatId) }),
        ]);
        assert.equal(snatShown.json().snat_rule.floating_ip_id.split(',').length, 1);
        assert.equal(dnatShown.json().dnat_rule.port_id, port(1));
      },
    );

    test("keeps the pages' EIP rules on an SNAT rule update: NAT.0404 and NAT.0409", bounded, async () => {
      const id = await snatRule();
      const elsewhere = freshEip();
      await snat.id(service, {
        nat_gateway_id: otherGateway,
        cidr: '10.0.60.128/26',
        floating_ip_id: eip(elsewhere),
      });
      const other = await update(service, 'snat', id, {
        nat_gateway_id: gateway,
        public_ip_address: eipAddress(elsewhere),
      });
      assertError(other, 400, 'NAT.0404');
      assert.equal(
        other.json().error.message,
        `Floating Ip ${eip(elsewhere)} has used by nat gateway ${otherGateway}.`,
      );
      const allPort = freshEip();
      await dnatRule({
        floating_ip_id: eip(allPort),
        port_id: port(2),
        internal_service_port: 0,
        external_service_port: 0,
        protocol: 'any',
      });
      assertError(
        await update(service, 'snat', id, {
          nat_gateway_id: gateway,
          public_ip_address: eipAddress(allPort),
        }),
        400,
        'NAT.0409',
      );
    });

    test(
      "updates a DNAT rule's mapping as the page's example does, freeing its old mapping and EIP",
      bounded,
      async () => {
        const before = dnatBody({ private_ip: '192.168.1.50', port_id: null });
        const id = await dnat.id(service, before);
        const next = freshEip();
        const response = await update(service, 'dnat', id, {
          nat_gateway_id: gateway,
          floating_ip_id: eip(next),
          port_id: port(3),
          internal_service_port: 993,
          protocol: 6,
          external_service_port: '242',
          description: 'my dnat rule 01',
        });
        assert.equal(response.statusCode, 200, response.body);
        const rule = response.json().dnat_rule;
        assert.deepEqual(
          [rule.floating_ip_id, rule.floating_ip_address, rule.port_id, rule.private_ip],
          [eip(next), eipAddress(next), port(3), ''],
        );
        assert.deepEqual(
          [rule.internal_service_port, rule.external_service_port, rule.protocol, rule.description],
          [993, 242, 'tcp', 'my dnat rule 01'],
        );
        // The old mapping and EIP are free: another gateway's rule may take them.
        const reused = await dnat.create(service, { ...before, nat_gateway_id: otherGateway });
        assert.equal(reused.statusCode, 201, reused.body);
        // The new mapping is taken.
        const clash = await dnat.create(
          service,
          dnatBody({ floating_ip_id: eip(next), external_service_port: 242 }),
        );
        assertError(clash, 400, 'NAT.0305');

        const described = await update(service, 'dnat', id, {
          nat_gateway_id: gateway,
          description: 'only this',
        });
        assert.equal(described.statusCode, 200, described.body);
        assert.equal(described.json().dnat_rule.external_service_port, 242);
        assert.equal(described.json().dnat_rule.description, 'only this');
      },
    );

    test("answers a DNAT rule update's bad input with the page's codes", bounded, async () => {
      const id = await dnatRule();
      const mapping = {
        nat_gateway_id: gateway,
        floating_ip_id: eip(freshEip()),
        port_id: port(4),
        internal_service_port: 22,
        external_service_port: 2222,
        protocol: 'tcp',
      };
      const on = (rule: Record<string, unknown>) => update(service, 'dnat', id, { ...mapping, ...rule });
      assertError(await update(service, 'dnat', missing, mapping), 404, 'NAT.0319');
      assertError(
        await update(service, 'dnat', id, { ...mapping, nat_gateway_id: otherGateway }),
        404,
        'NAT.0319',
      );
      assertError(await on({ nat_gateway_id: 'nope' }), 404, 'NAT.0021');
      const empty = await update(service, 'dnat', id, { nat_gateway_id: gateway });
      assertError(empty, 400, 'NAT.0301');
      assert.equal(empty.json().error.message, 'Request is null.');
      // The mapping's fields go together.
      const partial = await update(service, 'dnat', id, {
        nat_gateway_id: gateway,
        external_service_port: 81,
      });
      assertError(partial, 400, 'NAT.0301');
      assert.equal(partial.json().error.message, 'param internal_service_port is null in request body.');
      assert.equal(partial.json().error.details[0].field, 'dnat_rule.internal_service_port');
      assertError(await on({ protocol: 'icmp' }), 400, 'NAT.0302');
      assertError(await on({ internal_service_port: 65536 }), 400, 'NAT.0303');
      // Any on ports: the page's NAT.0301; ports 0 without any: NAT.0306.
      assertError(await on({ protocol: 'any' }), 400, 'NAT.0301');
      assertError(await on({ internal_service_port: 0, external_service_port: 0 }), 400, 'NAT.0306');
      assertError(await on({ port_id: null }), 400, 'NAT.0310');
      assertError(await on({ private_ip: '192.168.1.9' }), 400, 'NAT.0317');
      assertError(await on({ floating_ip_id: 'nope' }), 404, 'NAT.0024');
      assertError(await on({ floating_ip_id: missing }), 400, 'NAT.0026');
      assertError(await on({ description: 'd'.repeat(256) }), 400, 'NAT.0014');
      const taken = await dnatRule({
        port_id: port(5),
        internal_service_port: 5000,
        external_service_port: 5000,
      });
      const takenRule = (await service.as('demo', { url: ruleUrl('dnat', taken) })).json().dnat_rule;
      assertError(
        await on({ floating_ip_id: takenRule.floating_ip_id, external_service_port: 5000 }),
        400,
        'NAT.0305',
      );
      assertError(await on({ port_id: port(5), internal_service_port: 5000 }), 400, 'NAT.0304');
      await dnatRule({
        port_id: port(6),
        internal_service_port: 0,
        external_service_port: 0,
        protocol: 'any',
      });
      assertError(await on({ port_id: port(6) }), 400, 'NAT.0307');
      // Nothing was changed by any of them.
      assert.equal(
        (await service.as('demo', { url: ruleUrl('dnat', id) })).json().dnat_rule.external_service_port,
        80,
      );
    });

    test("creates the batch page's example rules with 201 and both in the list", bounded, async () => {
      const [first, second] = [freshEip(), freshEip()];
      const response = await batch(service, [
        dnatBody({ floating_ip_id: eip(first), internal_service_port: 993, external_service_port: 242 }),
        {
          nat_gateway_id: gateway,
          floating_ip_id: eip(second),
          private_ip: '192.168.1.100',
          internal_service_port: 0,
          protocol: 'any',
          external_service_port: 0,
        },
      ]);
      assert.equal(response.statusCode, 201, response.body);
      const rules = response.json().dnat_rules;
      assert.equal(rules.length, 2);
      assert.deepEqual(
        rules.map((rule: { floating_ip_id: string; protocol: string }) => [
          rule.floating_ip_id,
          rule.protocol,
        ]),
        [
          [eip(first), 'tcp'],
          [eip(second), 'any'],
        ],
      );
      for (const rule of rules) {
        const shown = await service.as('demo', { url: ruleUrl('dnat', rule.id) });
        assert.deepEqual(shown.json().dnat_rule, rule);
      }
    });

    test(
      'creates a batch all or none, and refuses an empty one (NAT.0301) and one over the limit (NAT.0314)',
      bounded,
      async () => {
        const shared = freshEip();
        const before = await dnat.listIds(service, `nat_gateway_id=${gateway}`);
        // The second rule takes the first one's EIP, port and protocol: none is created.
        const clash = await batch(service, [
          dnatBody({ floating_ip_id: eip(shared), external_service_port: 7000, port_id: port(8) }),
          dnatBody({ floating_ip_id: eip(shared), external_service_port: 7000, port_id: port(7) }),
        ]);
        assertError(clash, 400, 'NAT.0305');
        const invalid = await batch(service, [dnatBody(), dnatBody({ protocol: 'gre' })]);
        assertError(invalid, 400, 'NAT.0302');
        assert.deepEqual(await dnat.listIds(service, `nat_gateway_id=${gateway}`), before);

        const empty = await batch(service, []);
        assertError(empty, 400, 'NAT.0301');
        assert.equal(empty.json().error.message, 'Request is null.');
        const tooMany = await batch(
          service,
          Array.from({ length: 201 }, () => dnatBody()),
        );
        assertError(tooMany, 400, 'NAT.0314');
        assert.equal(tooMany.json().error.message, 'batch create dnat rules max limit: 200');
        assert.deepEqual(await dnat.listIds(service, `nat_gateway_id=${gateway}`), before);
      },
    );

    test(
      "serves the additions on Huawei Cloud's form only, to the caller's project, and to writers only",
      bounded,
      async () => {
        const snatId = await snatRule();
        const dnatId = await dnatRule();
        // On Open Telekom Cloud's form, as before: no such operation.
        const otcUpdate = await service.as('demo', {
          method: 'PUT',
          url: `/v2.0/snat_rules/${snatId}`,
          payload: { snat_rule: { nat_gateway_id: gateway, description: 'x' } },
        });
        assert.equal(otcUpdate.statusCode, 405, otcUpdate.body);
        const otcBatch = await service.as('demo', {
          method: 'POST',
          url: '/v2.0/dnat_rules/batch',
          payload: { dnat_rules: [dnatBody()] },
        });
        assert.ok([404, 405].includes(otcBatch.statusCode), otcBatch.body);
        // `batch` in the path is still a rule id to read.
        assertError(await service.as('demo', { url: `/v2/${project}/dnat_rules/batch` }), 404, 'NAT.0319');

        for (const [kind, id] of [
          ['snat', snatId],
          ['dnat', dnatId],
        ] as const) {
          const change = { nat_gateway_id: gateway, description: 'by another' };
          assertError(await update(service, kind, id, change, { user: 'viewer' }), 403, 'VPC.2701');
          // Another project in the path; from its own project's path, the other's gateway is not found.
          assertError(await update(service, kind, id, change, { user: 'alt' }), 400, 'VPC.0007');
          assertError(
            await update(service, kind, id, change, { user: 'alt', projectId: altProject }),
            404,
            'NAT.0105',
          );
          const unchanged = (await service.as('demo', { url: ruleUrl(kind, id) })).json()[`${kind}_rule`];
          assert.equal(unchanged.description, '');
        }
        assertError(await batch(service, [dnatBody()], 'viewer'), 403, 'VPC.2701');
        assertError(
          await service.as('alt', {
            method: 'POST',
            url: `/v2/${project}/dnat_rules/batch`,
            payload: { dnat_rules: [dnatBody()] },
          }),
          400,
          'VPC.0007',
        );
      },
    );
  });

  describe(`rule updates of rules not ACTIVE on ${engine}`, () => {
    const delayMs = 400;
    let service: TestService;
    before(async () => {
      service = await startService(engine, { provisioningDelayMs: delayMs });
    });
    after(() => service.close());

    test(
      'answers an update of a rule still being created with 400 NAT.0106, in Chinese when asked, and updates it once ACTIVE',
      bounded,
      async () => {
        const gateway = await createGateway(service);
        await sleep(delayMs + 100);
        const snatId = await snat.id(service, {
          nat_gateway_id: gateway,
          network_id: subnet(2),
          floating_ip_id: eip(90),
        });
        const dnatId = await dnat.id(service, {
          nat_gateway_id: gateway,
          floating_ip_id: eip(91),
          port_id: pageIds.port,
          internal_service_port: 1,
          external_service_port: 1,
          protocol: 'udp',
        });
        for (const [kind, id] of [
          ['snat', snatId],
          ['dnat', dnatId],
        ] as const) {
          const change = { nat_gateway_id: gateway, description: 'later' };
          const pending = await update(service, kind, id, change, { headers: zh });
          // The pages' "Concurrent conflict requests found", in Chinese.
          assertError(pending, 400, 'NAT.0106');
          assert.equal(pending.json().error.message, '发现冲突的并发请求');
        }
        await sleep(delayMs + 100);
        for (const [kind, id] of [
          ['snat', snatId],
          ['dnat', dnatId],
        ] as const) {
          const updated = await update(service, kind, id, { nat_gateway_id: gateway, description: 'later' });
          assert.equal(updated.statusCode, 200, updated.body);
          assert.equal(updated.json()[`${kind}_rule`].status, 'PENDING_UPDATE');
        }
      },
    );
  });
}
