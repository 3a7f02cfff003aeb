import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, engines, missing, port, project, startService, type TestService } from './harness.js';
import {
  altProject,
  downlink,
  gatewaysUrl,
  pageTransitSubnet,
  privateNat,
  served,
  transit,
  transitIpsUrl,
} from './private-nat.js';

const url = `/v3/${project}/private-nat/dnat-rules`;
const snatUrl = `/v3/${project}/private-nat/snat-rules`;
/** The pages' backend ports (192.168.1.72 and .99, COMPUTE) in the served VPC. */
const pagePort = 'dae9393a-b536-491c-a5a2-72edc1104707';
const secondPort = '9e2f0dbb-68b2-4c4b-9298-fa4f13187976';
/** The port of numbered subnet n of the served VPC, at 10.100.n.10. */
const servedPort = (n: number) => `c1000100-0000-4000-8000-${String(n).padStart(12, '0')}`;

type Rule = Record<
  | 'id'
  | 'protocol'
  | 'type'
  | 'transit_ip_id'
  | 'network_interface_id'
  | 'private_ip_address'
  | 'internal_service_port'
  | 'transit_service_port',
  string
>;

for (const engine of engines()) {
  describe(`DNAT rules of private NAT gateways on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(() => service.close());

    const { gateway, transitIp, transitGateway, create, created, remove, update } = privateNat<Rule>(
      () => service,
      'dnat_rule',
    );
    async function list(query: string) {
      const response = await service.as('demo', { url: `${url}?${query}` });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { dnat_rules: Rule[]; page_info: Record<string, unknown> };
    }

    test("creates the page's example with 201 and the page's fields: the port's address and type, any, ports 0", async () => {
      const gatewayId = await gateway(downlink);
      const address = await transitIp(pageTransitSubnet, '192.168.1.68');
      const response = await create({
        description: 'aa',
        gateway_id: gatewayId,
        transit_ip_id: address.id,
        network_interface_id: pagePort,
      });
      assert.equal(response.statusCode, 201, response.body);
      const rule = response.json().dnat_rule;
      assert.equal(response.headers.location, `http://127.0.0.1:8080${url}/${rule.id}`);
      assert.equal(response.json().request_id, response.headers['x-request-id']);
      assert.deepEqual(Object.keys(rule).sort(), [
        'created_at',
        'description',
        'enterprise_project_id',
        'gateway_id',
        'id',
        'internal_service_port',
        'network_interface_id',
        'private_ip_address',
        'project_id',
        'protocol',
        'status',
        'transit_ip_id',
        'transit_service_port',
        'type',
        'updated_at',
      ]);
      assert.equal(rule.project_id, project);
      assert.equal(rule.type, 'COMPUTE');
      assert.equal(rule.protocol, 'any');
      assert.equal(rule.private_ip_address, '192.168.1.72');
      assert.equal(rule.internal_service_port, '0');
      assert.equal(rule.transit_service_port, '0');
      assert.equal(rule.status, 'ACTIVE');
      assert.equal(await transitGateway(address.id), gatewayId);
      const shown = await service.as('demo', { url: `${url}/${rule.id}` });
      assert.deepEqual(shown.json().dnat_rule, rule);
      assert.equal((await remove(rule.id)).statusCode, 204);
      assert.equal(await transitGateway(address.id), '');
      assertError(await service.as('demo', { url: `${url}/${rule.id}` }), 404, 'NAT.1002');
    });

    test('takes ports as strings and as JSON integers, the protocol in any letter case, and an address alone (CUSTOMIZE)', async () => {
      const gatewayId = await gateway(served(1));
      const address = await transitIp(transit(1));
      const integers = await created({
        gateway_id: gatewayId,
        transit_ip_id: address.id,
        network_interface_id: servedPort(2),
        protocol: 'TCP',
        internal_service_port: 80,
        transit_service_port: 8080,
      });
      assert.equal(integers.protocol, 'tcp');
      assert.equal(integers.internal_service_port, '80');
      assert.equal(integers.transit_service_port, '8080');
      assert.equal(integers.private_ip_address, '10.100.2.10');
      const custom = await created({
        gateway_id: gatewayId,
        transit_ip_id: address.id,
        private_ip_address: '10.100.3.44',
        protocol: 'Udp',
        internal_service_port: '53',
        transit_service_port: '5353',
        // Sent by otcextensions' CLI: accepted; the backend decides the type.
        type: 'VIP',
      });
      assert.equal(custom.type, 'CUSTOMIZE');
      assert.equal(custom.network_interface_id, '');
      assert.equal(custom.protocol, 'udp');
      for (const bad of [
        { internal_service_port: 65536 },
        { transit_service_port: 'x' },
        { protocol: 'icmp' },
      ])
        assertError(
          await create({
            gateway_id: gatewayId,
            transit_ip_id: address.id,
            private_ip_address: '10.100.3.45',
            protocol: 'tcp',
            internal_service_port: 1,
            transit_service_port: 2,
            ...bad,
          }),
          400,
          'NAT.0002',
        );
    });

    test('lists with the page filters: protocol in any case, ports, external_ip_address, paging', async () => {
      const gatewayId = await gateway(served(4));
      const address = await transitIp(transit(2));
      const first = await created({
        gateway_id: gatewayId,
        transit_ip_id: address.id,
        network_interface_id: servedPort(5),
        protocol: 'tcp',
        internal_service_port: '22',
        transit_service_port: '2222',
      });
      const second = await created({
        gateway_id: gatewayId,
        transit_ip_id: address.id,
        network_interface_id: servedPort(6),
        protocol: 'udp',
        internal_service_port: '53',
        transit_service_port: '53',
      });
      // In the order they were made, as the page's example lists them.
      const ids = [first.id, second.id];
      const mine = await list(`gateway_id=${gatewayId}`);
      assert.deepEqual(
        mine.dnat_rules.map((rule) => rule.id),
        ids,
      );
      assert.equal(mine.page_info.current_count, 2);
      assert.deepEqual(
        (await list(`gateway_id=${gatewayId}&protocol=TCP`)).dnat_rules.map((rule) => rule.id),
        [first.id],
      );
      assert.equal((await list(`gateway_id=${gatewayId}&protocol=tcp&protocol=UDP`)).dnat_rules.length, 2);
      assert.deepEqual(
        (await list(`internal_service_port=53&gateway_id=${gatewayId}`)).dnat_rules.map((rule) => rule.id),
        [second.id],
      );
      assert.deepEqual(
        (await list(`transit_service_port=2222`)).dnat_rules.map((rule) => rule.id),
        [first.id],
      );
      assert.equal((await list(`external_ip_address=${address.ip_address}`)).dnat_rules.length, 2);
      assert.equal((await list(`network_interface_id=${servedPort(6)}`)).dnat_rules[0]?.id, second.id);
      assert.equal((await list(`type=COMPUTE&gateway_id=${gatewayId}`)).dnat_rules.length, 2);
      assert.equal((await list(`private_ip_address=10.100.5.10`)).dnat_rules[0]?.id, first.id);
      const paged = await list(`gateway_id=${gatewayId}&limit=1&marker=${ids[0]}`);
      assert.deepEqual(
        paged.dnat_rules.map((rule) => rule.id),
        [ids[1]],
      );
      assert.deepEqual((await list(`gateway_id=${gatewayId}&limit=1&marker=${ids[1]}`)).dnat_rules, []);
    });

    test('needs one of network_interface_id and private_ip_address (NAT.1311), a UUID transit IP (NAT.1507), ports 0 with any (NAT.1306), a port of the VPC (NAT.1304)', async () => {
      const gatewayId = await gateway(served(7));
      const address = await transitIp(transit(3));
      const base = { gateway_id: gatewayId, transit_ip_id: address.id };
      assertError(await create(base), 400, 'NAT.1311');
      assertError(
        await create({ ...base, network_interface_id: servedPort(7), private_ip_address: '10.0.0.1' }),
        400,
        'NAT.1311',
      );
      assertError(
        await create({ ...base, transit_ip_id: 'x', network_interface_id: servedPort(7) }),
        400,
        'NAT.1507',
      );
      assertError(
        await create({
          ...base,
          network_interface_id: servedPort(7),
          protocol: 'any',
          internal_service_port: '80',
        }),
        400,
        'NAT.1306',
      );
      const elsewhere = await create({ ...base, network_interface_id: port(1) });
      assertError(elsewhere, 409, 'NAT.1304');
      assert.equal(
        elsewhere.json().error.message,
        `Port ${port(1)} is not in this vpc, not support to specified.`,
      );
      assertError(await create({ ...base, network_interface_id: missing }), 404, 'NAT.1002');
      assertError(
        await create({ ...base, transit_ip_id: missing, network_interface_id: servedPort(7) }),
        404,
        'NAT.1002',
      );
      assertError(
        await create({ ...base, gateway_id: missing, network_interface_id: servedPort(7) }),
        404,
        'NAT.1002',
      );
      assert.equal(await transitGateway(address.id), '');
    });

    test('takes a virtual IP port as type VIP; a port without an address is 404 NAT.1009, before its VPC is checked', async () => {
      const gatewayId = await gateway(served(14));
      const address = await transitIp(transit(14));
      const base = { gateway_id: gatewayId, transit_ip_id: address.id, protocol: 'udp' };
      // The default network's port 17 of the served VPC is a virtual IP (in subnet 16, at .11).
      const vip = await created({ ...base, network_interface_id: servedPort(17), internal_service_port: 53 });
      assert.equal(vip.type, 'VIP');
      assert.equal(vip.private_ip_address, '10.100.16.11');
      // Port 66 of the public NAT VPC has no address (and is not in the gateway's VPC: NAT.1304 after).
      const bare = await create({ ...base, network_interface_id: port(66), internal_service_port: 54 });
      assertError(bare, 404, 'NAT.1009');
      assert.equal(bare.json().error.message, `Port ${port(66)} information is missing.`);
      assert.equal((await list(`gateway_id=${gatewayId}`)).dnat_rules.length, 1);
    });

    test('refuses the same transit traffic (NAT.1310) and the same backend traffic (NAT.1307), a port of both any and tcp (NAT.1309)', async () => {
      const gatewayId = await gateway(served(8));
      const [one, two] = [await transitIp(transit(4)), await transitIp(transit(4))];
      const tcp = { protocol: 'tcp', internal_service_port: '80', transit_service_port: '80' };
      await created({
        gateway_id: gatewayId,
        transit_ip_id: one.id,
        network_interface_id: servedPort(8),
        ...tcp,
      });
      const transitTaken = await create({
        gateway_id: gatewayId,
        transit_ip_id: one.id,
        network_interface_id: servedPort(9),
        ...tcp,
      });
      assertError(transitTaken, 409, 'NAT.1310');
      assert.equal(
        transitTaken.json().error.message,
        'Transit parameters entered conflict with exist dnat rules.',
      );
      const backendTaken = await create({
        gateway_id: gatewayId,
        transit_ip_id: two.id,
        network_interface_id: servedPort(8),
        ...tcp,
      });
      assertError(backendTaken, 409, 'NAT.1307');
      assert.equal(
        backendTaken.json().error.message,
        'Internal parameters entered conflict with exist dnat rules.',
      );
      const anyOnPort = await create({
        gateway_id: gatewayId,
        transit_ip_id: two.id,
        network_interface_id: servedPort(8),
      });
      assertError(anyOnPort, 409, 'NAT.1309');
      assert.equal(anyOnPort.json().error.message, `Port ${servedPort(8)} is used by exist dnat rule.`);
      // The same ports over UDP are other traffic.
      await created({
        gateway_id: gatewayId,
        transit_ip_id: one.id,
        network_interface_id: servedPort(8),
        ...tcp,
        protocol: 'udp',
      });
    });

    test("keeps SNAT and DNAT rules off each other's transit IPs (NAT.1308, NAT.1305) and any apart from port protocols (NAT.1410)", async () => {
      const gatewayId = await gateway(served(10));
      const [snatIp, dnatIp] = [await transitIp(transit(5)), await transitIp(transit(5))];
      const snat = await service.as('demo', {
        method: 'POST',
        url: snatUrl,
        payload: { snat_rule: { gateway_id: gatewayId, cidr: '10.0.0.0/24', transit_ip_ids: [snatIp.id] } },
      });
      assert.equal(snat.statusCode, 201, snat.body);
      const onSnat = await create({
        gateway_id: gatewayId,
        transit_ip_id: snatIp.id,
        network_interface_id: servedPort(10),
      });
      assertError(onSnat, 409, 'NAT.1308');
      assert.equal(onSnat.json().error.message, `Transit ip ${snatIp.id} is used by exist snat rule.`);
      await created({
        gateway_id: gatewayId,
        transit_ip_id: dnatIp.id,
        network_interface_id: servedPort(10),
        protocol: 'tcp',
        internal_service_port: 22,
        transit_service_port: 22,
      });
      const onDnat = await service.as('demo', {
        method: 'POST',
        url: snatUrl,
        payload: { snat_rule: { gateway_id: gatewayId, cidr: '10.1.0.0/24', transit_ip_ids: [dnatIp.id] } },
      });
      assertError(onDnat, 409, 'NAT.1305');
      assert.equal(onDnat.json().error.message, `Transit ip ${dnatIp.id} is used by exist dnat rule.`);
      const anyBeside = await create({
        gateway_id: gatewayId,
        transit_ip_id: dnatIp.id,
        network_interface_id: servedPort(11),
      });
      assertError(anyBeside, 409, 'NAT.1410');
      assert.equal(
        anyBeside.json().error.message,
        `Transit ip ${dnatIp.id} is used by dnat rules of other protocols.`,
      );
    });

    test('binds the transit IP to its gateway: another gateway NAT.1406, its VPC NAT.1303, its release NAT.1409 until the rule goes', async () => {
      const [mine, theirs] = [await gateway(served(12)), await gateway(served(13))];
      const address = await transitIp(transit(6));
      const rule = await created({
        gateway_id: mine,
        transit_ip_id: address.id,
        network_interface_id: servedPort(12),
      });
      assertError(
        await create({ gateway_id: theirs, transit_ip_id: address.id, network_interface_id: servedPort(13) }),
        409,
        'NAT.1406',
      );
      const inside = await transitIp(served(14));
      assertError(
        await create({ gateway_id: mine, transit_ip_id: inside.id, network_interface_id: servedPort(13) }),
        409,
        'NAT.1303',
      );
      const release = () => service.as('demo', { method: 'DELETE', url: `${transitIpsUrl}/${address.id}` });
      assertError(await release(), 409, 'NAT.1409');
      assertError(
        await service.as('demo', { method: 'DELETE', url: `${gatewaysUrl}/${mine}` }),
        400,
        'NAT.1202',
      );
      assert.equal((await remove(rule.id)).statusCode, 204);
      assert.equal((await release()).statusCode, 204);
      assert.equal(
        (await service.as('demo', { method: 'DELETE', url: `${gatewaysUrl}/${mine}` })).statusCode,
        204,
      );
    });

    test('updates the description, ports, protocol, backend and transit IP, with the checks of a creation', async () => {
      const gatewayId = await gateway(served(15));
      const [old, replacement] = [await transitIp(transit(7)), await transitIp(transit(7))];
      const rule = await created({
        gateway_id: gatewayId,
        transit_ip_id: old.id,
        network_interface_id: servedPort(15),
      });
      const described = await update(rule.id, { description: 'my dnat-rules 03' });
      assert.equal(described.statusCode, 200, described.body);
      assert.equal(described.json().dnat_rule.description, 'my dnat-rules 03');
      assert.equal(described.json().request_id, described.headers['x-request-id']);
      assertError(await update(rule.id, { internal_service_port: 80 }), 400, 'NAT.1306');
      const changed = await update(rule.id, {
        protocol: 'tcp',
        internal_service_port: 80,
        transit_service_port: '8080',
        transit_ip_id: replacement.id,
        private_ip_address: '10.100.15.99',
      });
      assert.equal(changed.statusCode, 200, changed.body);
      const shown = changed.json().dnat_rule;
      assert.equal(shown.protocol, 'tcp');
      assert.equal(shown.internal_service_port, '80');
      assert.equal(shown.transit_service_port, '8080');
      assert.equal(shown.transit_ip_id, replacement.id);
      assert.equal(shown.type, 'CUSTOMIZE');
      assert.equal(shown.network_interface_id, '');
      assert.equal(await transitGateway(replacement.id), gatewayId);
      assert.equal(await transitGateway(old.id), '');
      assertError(await update(rule.id, { network_interface_id: port(1) }), 409, 'NAT.1304');
      assertError(
        await update(rule.id, { network_interface_id: servedPort(15), private_ip_address: '10.0.0.1' }),
        400,
        'NAT.1311',
      );
      // Another rule's traffic: the unique key decides.
      const other = await created({
        gateway_id: gatewayId,
        transit_ip_id: replacement.id,
        private_ip_address: '10.100.15.98',
        protocol: 'tcp',
        internal_service_port: 81,
        transit_service_port: 8081,
      });
      assertError(await update(other.id, { transit_service_port: 8080 }), 409, 'NAT.1310');
    });

    test('decides between 20 concurrent creates of one rule in the database: one 201, the others NAT.1310', async () => {
      const gatewayId = await gateway(served(16));
      const address = await transitIp(transit(8));
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          create({
            gateway_id: gatewayId,
            transit_ip_id: address.id,
            private_ip_address: `10.100.16.${20 + n}`,
            protocol: 'tcp',
            internal_service_port: 443,
            transit_service_port: 443,
          }),
        ),
      );
      const statuses = responses.map((response) => response.statusCode);
      assert.equal(statuses.filter((status) => status === 201).length, 1, statuses.join(','));
      for (const response of responses)
        if (response.statusCode !== 201) assertError(response, 409, 'NAT.1310');
      assert.equal((await list(`gateway_id=${gatewayId}`)).dnat_rules.length, 1);
    });

    test("keeps projects apart, refuses read-only users' writes (403 VPC.2701) and speaks Chinese", async () => {
      const gatewayId = await gateway(served(3));
      const address = await transitIp(transit(9));
      const rule = await created({
        gateway_id: gatewayId,
        transit_ip_id: address.id,
        network_interface_id: servedPort(3),
      });
      assertError(await service.as('alt', { url: `${url}/${rule.id}` }), 400, 'VPC.0007');
      const altUrl = `/v3/${altProject}/private-nat/dnat-rules`;
      assertError(await service.as('alt', { url: `${altUrl}/${rule.id}` }), 404, 'NAT.1002');
      assert.deepEqual((await service.as('alt', { url: altUrl })).json().dnat_rules, []);
      assert.equal((await service.as('viewer', { url: `${url}/${rule.id}` })).statusCode, 200);
      assertError(await remove(rule.id, 'viewer'), 403, 'VPC.2701');
      assertError(
        await create(
          { gateway_id: gatewayId, transit_ip_id: address.id, network_interface_id: servedPort(3) },
          'viewer',
        ),
        403,
        'VPC.2701',
      );
      const chinese = await create(
        { gateway_id: gatewayId, transit_ip_id: address.id, network_interface_id: secondPort },
        'demo',
        { 'accept-language': 'zh-CN' },
      );
      assertError(chinese, 409, 'NAT.1310');
      assert.match(chinese.json().error.message, /[\u4e00-\u9fff]/);
    });
  });
}
