import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, engines, missing, project, startService, subnet, type TestService } from './harness.js';
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

const url = `/v3/${project}/private-nat/snat-rules`;
/** The SNAT examples' two subnets and the backends' subnet, all in the served VPC. */
const pageSnatSubnet = '5b9ea497-727d-4ad0-a99e-3984b3f5aaed';
const secondSnatSubnet = '95df1b88-d9bc-4edd-a808-a771dd4ded32';
const backends = 'b1000100-0000-4000-8000-000000000000';

type Rule = {
  id: string;
  gateway_id: string;
  cidr: string;
  virsubnet_id: string;
  description: string;
  transit_ip_associations: { transit_ip_id: string; transit_ip_address: string }[];
};

for (const engine of engines()) {
  describe(`SNAT rules of private NAT gateways on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(() => service.close());

    const { gateway, transitIp, transitGateway, create, created, remove, update } = privateNat<Rule>(
      () => service,
      'snat_rule',
    );
    async function list(query: string) {
      const response = await service.as('demo', { url: `${url}?${query}` });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as {
        snat_rules: Rule[];
        page_info: Record<string, unknown>;
        request_id: string;
      };
    }

    test("creates the page's example with 201, Location and the page's fields, and binds the transit IP", async () => {
      const gatewayId = await gateway(downlink);
      const address = await transitIp(pageTransitSubnet, '192.168.1.68');
      const response = await create({
        description: 'my_snat_rule01',
        gateway_id: gatewayId,
        virsubnet_id: pageSnatSubnet,
        transit_ip_ids: [address.id],
      });
      assert.equal(response.statusCode, 201, response.body);
      const body = response.json();
      const rule = body.snat_rule;
      assert.equal(response.headers.location, `http://127.0.0.1:8080${url}/${rule.id}`);
      assert.equal(body.request_id, response.headers['x-request-id']);
      assert.deepEqual(Object.keys(rule).sort(), [
        'cidr',
        'created_at',
        'description',
        'enterprise_project_id',
        'gateway_id',
        'id',
        'project_id',
        'status',
        'transit_ip_associations',
        'updated_at',
        'virsubnet_id',
      ]);
      assert.equal(rule.project_id, project);
      assert.equal(rule.status, 'ACTIVE');
      assert.equal(rule.cidr, '');
      assert.equal(rule.virsubnet_id, pageSnatSubnet);
      assert.match(rule.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      assert.deepEqual(rule.transit_ip_associations, [
        { transit_ip_id: address.id, transit_ip_address: '192.168.1.68' },
      ]);
      assert.equal(await transitGateway(address.id), gatewayId);

      const shown = await service.as('demo', { url: `${url}/${rule.id}` });
      assert.equal(shown.statusCode, 200);
      assert.deepEqual(shown.json().snat_rule, rule);
      assert.equal(shown.json().request_id, shown.headers['x-request-id']);

      // A CIDR rule on the same gateway shares the transit IP.
      const block = await created({
        gateway_id: gatewayId,
        cidr: '10.1.1.64/30',
        transit_ip_ids: [address.id],
      });
      assert.equal(block.virsubnet_id, '');
      assert.equal(block.cidr, '10.1.1.64/30');
      for (const id of [rule.id, block.id]) assert.equal((await remove(id)).statusCode, 204);
      assert.equal(await transitGateway(address.id), '');
    });

    test('lists with the page filters, repeated keys, marker paging and page_info', async () => {
      const gatewayId = await gateway(served(1));
      const [one, two] = [await transitIp(transit(1)), await transitIp(transit(2))];
      const first = await created({
        gateway_id: gatewayId,
        virsubnet_id: served(2),
        transit_ip_ids: [one.id],
      });
      const second = await created({
        gateway_id: gatewayId,
        cidr: '172.16.0.0/24',
        description: 'second',
        transit_ip_ids: [two.id],
      });
      // In the order they were made, as the page's example lists them.
      const ids = [first.id, second.id];
      const mine = await list(`gateway_id=${gatewayId}`);
      assert.deepEqual(
        mine.snat_rules.map((rule) => rule.id),
        ids,
      );
      assert.deepEqual(mine.page_info, { previous_marker: ids[0], next_marker: ids[1], current_count: 2 });
      assert.equal((await list(`transit_ip_id=${one.id}`)).snat_rules[0]?.id, first.id);
      assert.equal((await list(`transit_ip_address=${two.ip_address}`)).snat_rules[0]?.id, second.id);
      assert.equal(
        (await list(`transit_ip_id=${one.id}&transit_ip_id=${two.id}&gateway_id=${gatewayId}`)).snat_rules
          .length,
        2,
      );
      assert.equal((await list(`cidr=172.16.0.0/24`)).snat_rules[0]?.id, second.id);
      assert.equal((await list(`virsubnet_id=${served(2)}`)).snat_rules[0]?.id, first.id);
      assert.equal((await list(`description=second&gateway_id=${gatewayId}`)).snat_rules.length, 1);
      assert.equal((await list(`project_id=${altProject}`)).snat_rules.length, 0);
      const paged = await list(`gateway_id=${gatewayId}&limit=1`);
      assert.deepEqual(
        paged.snat_rules.map((rule) => rule.id),
        [ids[0]],
      );
      const next = await list(`gateway_id=${gatewayId}&limit=1&marker=${ids[0]}`);
      assert.deepEqual(
        next.snat_rules.map((rule) => rule.id),
        [ids[1]],
      );
      assert.deepEqual((await list(`gateway_id=${gatewayId}&limit=1&marker=${ids[1]}`)).snat_rules, []);
      const back = await list(`gateway_id=${gatewayId}&marker=${ids[1]}&page_reverse=True`);
      assert.deepEqual(
        back.snat_rules.map((rule) => rule.id),
        [ids[0]],
      );
    });

    test('needs exactly one of cidr and virsubnet_id (NAT.1501), a valid block (NAT.1502), transit ids as UUIDs (NAT.1507), one of them (NAT.1506)', async () => {
      const gatewayId = await gateway(served(3));
      const address = await transitIp(transit(3));
      const transit_ip_ids = [address.id];
      assertError(await create({ gateway_id: gatewayId, transit_ip_ids }), 400, 'NAT.1501');
      assertError(
        await create({ gateway_id: gatewayId, cidr: '10.0.0.0/24', virsubnet_id: served(4), transit_ip_ids }),
        400,
        'NAT.1501',
      );
      for (const cidr of ['10.0.0.1/24', '10.0.0.0/33', 'nonsense'])
        assertError(await create({ gateway_id: gatewayId, cidr, transit_ip_ids }), 400, 'NAT.1502');
      assertError(
        await create({ gateway_id: gatewayId, cidr: '10.0.0.0/24', transit_ip_ids: ['not-a-uuid'] }),
        400,
        'NAT.1507',
      );
      const another = await transitIp(transit(3));
      const two = await create({
        gateway_id: gatewayId,
        cidr: '10.0.0.0/24',
        transit_ip_ids: [address.id, another.id],
      });
      assertError(two, 400, 'NAT.1506');
      assert.match(two.json().error.message, /^1 transit ip has been associated/);
      assertError(
        await create({ gateway_id: gatewayId, cidr: '10.0.0.0/24', transit_ip_ids: [] }),
        400,
        'NAT.0002',
      );
      assertError(
        await create({ gateway_id: gatewayId, cidr: '10.0.0.0/24', transit_ip_ids, description: '<b>' }),
        400,
        'NAT.0002',
      );
      assert.equal(await transitGateway(address.id), '');
    });

    test('answers an unknown gateway or transit IP with 404 NAT.1002 and a subnet outside the VPC with NAT.1003', async () => {
      const gatewayId = await gateway(served(5));
      const address = await transitIp(transit(5));
      assertError(
        await create({ gateway_id: missing, cidr: '10.0.0.0/24', transit_ip_ids: [address.id] }),
        404,
        'NAT.1002',
      );
      const unknown = await create({ gateway_id: gatewayId, cidr: '10.0.0.0/24', transit_ip_ids: [missing] });
      assertError(unknown, 404, 'NAT.1002');
      assert.equal(unknown.json().error.message, `Transit ip ${missing} could not be found.`);
      for (const subnet of [transit(6), missing]) {
        const outside = await create({
          gateway_id: gatewayId,
          virsubnet_id: subnet,
          transit_ip_ids: [address.id],
        });
        assertError(outside, 404, 'NAT.1003');
        assert.equal(
          outside.json().error.message,
          `VirSubnet ${subnet} could not be found in vpc for gateway ${gatewayId}.`,
        );
      }
      assertError(await service.as('demo', { url: `${url}/${missing}` }), 404, 'NAT.1002');
      assertError(await remove(missing), 404, 'NAT.1002');
      assertError(await update(missing, { description: 'x' }), 404, 'NAT.1002');
    });

    test("refuses a subnet of the gateway's VPC without an IPv4 block with 400 NAT.0010", async () => {
      // A gateway in the public NAT VPC, whose network 65 (in the default network) is IPv6 only.
      const gatewayId = await gateway(subnet(1));
      const address = await transitIp(transit(9));
      const ipv6 = await create({
        gateway_id: gatewayId,
        virsubnet_id: subnet(65),
        transit_ip_ids: [address.id],
      });
      assertError(ipv6, 400, 'NAT.0010');
      assert.equal(ipv6.json().error.message, `Network ${subnet(65)} does not contain any IPv4 subnet`);
      assert.equal(await transitGateway(address.id), '');
    });

    test("refuses a transit IP in the gateway's VPC with 409 NAT.1303", async () => {
      const gatewayId = await gateway(served(7));
      const inside = await transitIp(served(8));
      const response = await create({
        gateway_id: gatewayId,
        cidr: '10.0.0.0/24',
        transit_ip_ids: [inside.id],
      });
      assertError(response, 409, 'NAT.1303');
      assert.equal(
        response.json().error.message,
        `Transit ip ${inside.id} is in this vpc, not support to specified.`,
      );
      assert.equal(await transitGateway(inside.id), '');
    });

    test('keeps a transit IP to one gateway (409 NAT.1406) and refuses its release while a rule uses it (409 NAT.1409)', async () => {
      const [mine, theirs] = [await gateway(served(9)), await gateway(served(10))];
      const address = await transitIp(transit(7));
      const rule = await created({ gateway_id: mine, cidr: '10.0.0.0/24', transit_ip_ids: [address.id] });
      const other = await create({ gateway_id: theirs, cidr: '10.0.0.0/24', transit_ip_ids: [address.id] });
      assertError(other, 409, 'NAT.1406');
      assert.equal(
        other.json().error.message,
        `Transit ip ${address.id} has used by private nat gateway ${mine}.`,
      );
      const release = () => service.as('demo', { method: 'DELETE', url: `${transitIpsUrl}/${address.id}` });
      const refused = await release();
      assertError(refused, 409, 'NAT.1409');
      assert.equal(refused.json().error.message, `Transit ip ${address.id} is used by rules.`);
      // A second rule of the same gateway shares it: it stays bound until both are gone.
      const second = await created({
        gateway_id: mine,
        virsubnet_id: served(9),
        transit_ip_ids: [address.id],
      });
      assert.equal((await remove(rule.id)).statusCode, 204);
      assertError(await release(), 409, 'NAT.1409');
      assert.equal((await remove(second.id)).statusCode, 204);
      assert.equal(await transitGateway(address.id), '');
      // Free again: another gateway may take it, then it is released once that rule is gone.
      const taken = await created({ gateway_id: theirs, cidr: '10.0.0.0/24', transit_ip_ids: [address.id] });
      assert.equal(await transitGateway(address.id), theirs);
      // Another gateway's transit IP comes before the conflict of the source.
      const mineOnly = await transitIp(transit(15));
      await created({ gateway_id: mine, cidr: '10.3.0.0/24', transit_ip_ids: [mineOnly.id] });
      assertError(
        await create({ gateway_id: theirs, cidr: '10.0.0.0/24', transit_ip_ids: [mineOnly.id] }),
        409,
        'NAT.1406',
      );
      assert.equal((await remove(taken.id)).statusCode, 204);
      assert.equal((await release()).statusCode, 204);
    });

    test('refuses to delete a gateway with a rule (400 NAT.1202) until the rule is deleted', async () => {
      const gatewayId = await gateway(served(11));
      const address = await transitIp(transit(8));
      const rule = await created({
        gateway_id: gatewayId,
        cidr: '10.0.0.0/24',
        transit_ip_ids: [address.id],
      });
      const refused = await service.as('demo', { method: 'DELETE', url: `${gatewaysUrl}/${gatewayId}` });
      assertError(refused, 400, 'NAT.1202');
      assert.equal(
        refused.json().error.message,
        `There are one or more rules still in use on the gateway ${gatewayId}, can not be deleted.`,
      );
      assert.equal((await remove(rule.id)).statusCode, 204);
      assert.equal(
        (await service.as('demo', { method: 'DELETE', url: `${gatewaysUrl}/${gatewayId}` })).statusCode,
        204,
      );
    });

    test('keeps one rule per subnet (409 NAT.1503) and no overlapping blocks (409 NAT.1505) on a gateway', async () => {
      const gatewayId = await gateway(served(12));
      const address = await transitIp(transit(9));
      const transit_ip_ids = [address.id];
      await created({ gateway_id: gatewayId, virsubnet_id: served(13), transit_ip_ids });
      const again = await create({ gateway_id: gatewayId, virsubnet_id: served(13), transit_ip_ids });
      assertError(again, 409, 'NAT.1503');
      assert.equal(again.json().error.message, `Snat rule for network ${served(13)} exists.`);
      await created({ gateway_id: gatewayId, cidr: '172.16.0.0/16', transit_ip_ids });
      const same = await create({ gateway_id: gatewayId, cidr: '172.16.0.0/16', transit_ip_ids });
      assertError(same, 409, 'NAT.1505');
      assert.equal(same.json().error.message, 'Snat rule for cidr 172.16.0.0/16 exists.');
      assertError(
        await create({ gateway_id: gatewayId, cidr: '172.16.4.0/24', transit_ip_ids }),
        409,
        'NAT.1505',
      );
      // The subnet's own block (10.100.13.0/24) overlaps too.
      assertError(
        await create({ gateway_id: gatewayId, cidr: '10.100.13.128/25', transit_ip_ids }),
        409,
        'NAT.1505',
      );
      // Another gateway may have a rule for the same subnet.
      const otherGateway = await gateway(served(14));
      const otherIp = await transitIp(transit(10));
      await created({ gateway_id: otherGateway, virsubnet_id: served(13), transit_ip_ids: [otherIp.id] });
    });

    test("refuses a rule over the gateway's rule_max with 400 NAT.1207", async () => {
      const gatewayId = await gateway(downlink);
      const address = await transitIp(transit(11));
      const transit_ip_ids = [address.id];
      for (let n = 0; n < 20; n++)
        await created({ gateway_id: gatewayId, cidr: `172.17.${n}.0/24`, transit_ip_ids });
      const over = await create({ gateway_id: gatewayId, cidr: '172.18.0.0/24', transit_ip_ids });
      assertError(over, 400, 'NAT.1207');
      assert.equal(over.json().error.message, 'Add this gateway rule over rule max 20.');
      for (const rule of (await list(`gateway_id=${gatewayId}`)).snat_rules)
        assert.equal((await remove(rule.id)).statusCode, 204);
    });

    test('updates the description and replaces the transit IPs, binding the new and releasing the old', async () => {
      const gatewayId = await gateway(served(15));
      const [old, replacement] = [await transitIp(transit(12)), await transitIp(transit(12))];
      const rule = await created({ gateway_id: gatewayId, cidr: '10.1.1.64/30', transit_ip_ids: [old.id] });
      const response = await update(rule.id, {
        description: 'my_snat_rule_update',
        transit_ip_ids: [replacement.id],
      });
      assert.equal(response.statusCode, 200, response.body);
      const changed = response.json().snat_rule;
      assert.equal(changed.description, 'my_snat_rule_update');
      assert.equal(changed.cidr, '10.1.1.64/30');
      assert.deepEqual(changed.transit_ip_associations, [
        { transit_ip_id: replacement.id, transit_ip_address: replacement.ip_address },
      ]);
      assert.equal(response.json().request_id, response.headers['x-request-id']);
      assert.equal(await transitGateway(replacement.id), gatewayId);
      assert.equal(await transitGateway(old.id), '');
      const described = await update(rule.id, { description: 'only this' });
      assert.equal(described.json().snat_rule.description, 'only this');
      assert.equal(described.json().snat_rule.transit_ip_associations[0].transit_ip_id, replacement.id);
      // The update's checks are those of a creation.
      const inside = await transitIp(served(16));
      assertError(await update(rule.id, { transit_ip_ids: [inside.id] }), 409, 'NAT.1303');
      assertError(await update(rule.id, { transit_ip_ids: ['x'] }), 400, 'NAT.1507');
      assert.equal(await transitGateway(replacement.id), gatewayId);
    });

    test('decides between 20 concurrent creates of one rule in the database: one 201, the others NAT.1503', async () => {
      const gatewayId = await gateway(secondSnatSubnet);
      const address = await transitIp(transit(13));
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          create({ gateway_id: gatewayId, virsubnet_id: backends, transit_ip_ids: [address.id] }),
        ),
      );
      const statuses = responses.map((response) => response.statusCode);
      assert.equal(statuses.filter((status) => status === 201).length, 1, statuses.join(','));
      for (const response of responses)
        if (response.statusCode !== 201) assertError(response, 409, 'NAT.1503');
      assert.equal((await list(`gateway_id=${gatewayId}`)).snat_rules.length, 1);
    });

    test("keeps projects apart, refuses read-only users' writes (403 VPC.2701) and speaks Chinese", async () => {
      const gatewayId = await gateway(served(6));
      const address = await transitIp(transit(14));
      const rule = await created({
        gateway_id: gatewayId,
        cidr: '10.0.0.0/24',
        transit_ip_ids: [address.id],
      });
      assertError(await service.as('alt', { url: `${url}/${rule.id}` }), 400, 'VPC.0007');
      const altUrl = `/v3/${altProject}/private-nat/snat-rules`;
      assertError(await service.as('alt', { url: `${altUrl}/${rule.id}` }), 404, 'NAT.1002');
      assertError(
        await service.as('alt', { method: 'DELETE', url: `${altUrl}/${rule.id}` }),
        404,
        'NAT.1002',
      );
      assert.deepEqual((await service.as('alt', { url: altUrl })).json().snat_rules, []);
      // Another project's gateway is not found.
      const theirs = await service.as('alt', {
        method: 'POST',
        url: altUrl,
        payload: { snat_rule: { gateway_id: gatewayId, cidr: '10.0.0.0/24', transit_ip_ids: [address.id] } },
      });
      assertError(theirs, 404, 'NAT.1002');
      assert.equal((await service.as('viewer', { url: `${url}/${rule.id}` })).statusCode, 200);
      assertError(
        await create({ gateway_id: gatewayId, cidr: '10.9.0.0/24', transit_ip_ids: [address.id] }, 'viewer'),
        403,
        'VPC.2701',
      );
      assertError(await remove(rule.id, 'viewer'), 403, 'VPC.2701');
      const chinese = await create(
        { gateway_id: gatewayId, cidr: '10.0.0.0/24', transit_ip_ids: [address.id] },
        'demo',
        {
          'accept-language': 'zh-CN',
        },
      );
      assertError(chinese, 409, 'NAT.1505');
      assert.match(chinese.json().error.message, /[\u4e00-\u9fff]/);
    });
  });
}
