import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  altRouter,
  assertError,
  createGateway,
  eip,
  eipAddress,
  engines,
  missing,
  pageIds,
  pendingGateway,
  port,
  project,
  ruleRequests,
  startService,
  subnet,
  type TestService,
} from './harness.js';

const bounded = { timeout: 30_000 };

/** A fresh numbered EIP of the demo project for each use, so tests do not share claims. */
let nextEip = 1;
const freshEip = () => nextEip++;
let nextSubnet = 1;
const freshSubnet = () => nextSubnet++;
/** For requests refused before anything is stored. */
const anySubnet = subnet(64);

const snat = ruleRequests('snat');
const createSnat = snat.create;
const snatId = snat.id;
const deleteSnat = snat.delete;
const listIds = snat.listIds;

const fields = [
  'admin_state_up',
  'cidr',
  'created_at',
  'description',
  'floating_ip_address',
  'floating_ip_id',
  'freezed_ip_address',
  'id',
  'nat_gateway_id',
  'network_id',
  'source_type',
  'status',
  'tenant_id',
];

for (const engine of engines()) {
  describe(`SNAT rules on ${engine}`, () => {
    let service: TestService;
    let gateway: string;
    before(async () => {
      // Each service has a database of its own: its network ids start again.
      nextEip = 1;
      nextSubnet = 1;
      service = await startService(engine);
      gateway = await createGateway(service);
    });
    after(() => service.close());

    test(
      "creates the page's network_id example with 201, Location and the page's fields",
      bounded,
      async () => {
        const response = await createSnat(service, {
          nat_gateway_id: gateway,
          description: 'description',
          network_id: 'eaad9cd6-2372-4be1-9535-9bd37210ae7b',
          source_type: 0,
          floating_ip_id: 'bdc10a4c-d81a-41ec-adf7-de857f7c812a',
        });
        assert.equal(response.statusCode, 201, response.body);
        const rule = response.json().snat_rule;
        assert.equal(response.headers.location, `http://127.0.0.1:8080/v2.0/snat_rules/${rule.id}`);
        // The overview: a field that would be null is left out (here cidr).
        assert.deepEqual(
          Object.keys(rule).sort(),
          fields.filter((field) => field !== 'cidr'),
        );
        assert.deepEqual(
          { ...rule, id: undefined, created_at: undefined },
          {
            id: undefined,
            created_at: undefined,
            floating_ip_id: 'bdc10a4c-d81a-41ec-adf7-de857f7c812a',
            // The page's example answers while the rule is made; it is ACTIVE at once after.
            status: 'PENDING_CREATE',
            nat_gateway_id: gateway,
            admin_state_up: true,
            network_id: 'eaad9cd6-2372-4be1-9535-9bd37210ae7b',
            source_type: 0,
            tenant_id: project,
            floating_ip_address: '5.21.11.226',
            freezed_ip_address: '',
            description: 'description',
          },
        );
        assert.match(rule.created_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
        const shown = await service.as('demo', { url: `/v2.0/snat_rules/${rule.id}` });
        assert.equal(shown.statusCode, 200);
        assert.deepEqual(shown.json().snat_rule, { ...rule, status: 'ACTIVE' });
        const removed = await deleteSnat(service, rule.id);
        assert.equal(removed.statusCode, 204);
        assert.equal(removed.body, '');
      },
    );

    test("creates the page's cidr example in a VPC and the Direct Connect one", bounded, async () => {
      const vpc = await createSnat(service, {
        nat_gateway_id: gateway,
        cidr: '192.168.1.10/32',
        description: 'description',
        source_type: 0,
        floating_ip_id: 'bdc10a4c-d81a-41ec-adf7-de857f7c812a',
      });
      assert.equal(vpc.statusCode, 201, vpc.body);
      const rule = vpc.json().snat_rule;
      assert.equal(rule.cidr, '192.168.1.10/32');
      assert.equal('network_id' in rule, false);
      assert.equal(rule.source_type, 0);
      assert.equal(rule.floating_ip_address, '5.21.11.226');
      assert.equal((await deleteSnat(service, rule.id)).statusCode, 204);

      const directConnect = await createSnat(service, {
        nat_gateway_id: gateway,
        cidr: '172.30.0.0/24',
        description: 'description',
        source_type: 1,
        floating_ip_id: 'bdc10a4c-d81a-41ec-adf7-de857f7c812a',
      });
      assert.equal(directConnect.statusCode, 201, directConnect.body);
      assert.equal(directConnect.json().snat_rule.source_type, 1);
      assert.equal(directConnect.json().snat_rule.cidr, '172.30.0.0/24');
      assert.equal((await deleteSnat(service, directConnect.json().snat_rule.id)).statusCode, 204);
    });

    test('takes ids in any case and answers them in lower case', bounded, async () => {
      const n = freshEip();
      const response = await createSnat(service, {
        nat_gateway_id: gateway.toUpperCase(),
        network_id: subnet(freshSubnet()).toUpperCase(),
        floating_ip_id: eip(n).toUpperCase(),
      });
      assert.equal(response.statusCode, 201, response.body);
      const rule = response.json().snat_rule;
      assert.equal(rule.nat_gateway_id, gateway);
      assert.equal(rule.floating_ip_id, eip(n));
      assert.equal(
        (await service.as('demo', { url: `/v2.0/snat_rules/${rule.id.toUpperCase()}` })).statusCode,
        200,
      );
    });

    test(
      'takes a comma-separated list of EIPs and answers their addresses in the same order',
      bounded,
      async () => {
        const [a, b, c] = [freshEip(), freshEip(), freshEip()];
        const response = await createSnat(service, {
          nat_gateway_id: gateway,
          network_id: subnet(freshSubnet()),
          floating_ip_id: `${eip(c)},${eip(a)}, ${eip(b)}`,
        });
        assert.equal(response.statusCode, 201, response.body);
        const rule = response.json().snat_rule;
        assert.equal(rule.floating_ip_id, `${eip(c)},${eip(a)},${eip(b)}`);
        assert.equal(rule.floating_ip_address, `${eipAddress(c)},${eipAddress(a)},${eipAddress(b)}`);
        // SNAT rules of one gateway share EIPs (the page's three examples all use one).
        const again = await createSnat(service, {
          nat_gateway_id: gateway,
          network_id: subnet(freshSubnet()),
          floating_ip_id: eip(b),
        });
        assert.equal(again.statusCode, 201, again.body);
      },
    );

    test('refuses the same EIP twice in one list with 400 NAT.0403', bounded, async () => {
      const n = freshEip();
      const response = await createSnat(service, {
        nat_gateway_id: gateway,
        network_id: anySubnet,
        floating_ip_id: `${eip(n)},${eip(n).toUpperCase()}`,
      });
      assertError(response, 400, 'NAT.0403');
    });

    test('refuses more than 20 EIPs with 400 NAT.0211', bounded, async () => {
      const ids = Array.from({ length: 21 }, (_, i) => eip(200 + i)).join(',');
      const response = await createSnat(service, {
        nat_gateway_id: gateway,
        network_id: subnet(60),
        floating_ip_id: ids,
      });
      assertError(response, 400, 'NAT.0211');
    });

    test(
      'answers an unknown gateway with 404 NAT.0105 and a malformed one with 404 NAT.0021',
      bounded,
      async () => {
        const unknown = await createSnat(service, {
          nat_gateway_id: missing,
          network_id: anySubnet,
          floating_ip_id: eip(freshEip()),
        });
        assertError(unknown, 404, 'NAT.0105');
        const malformed = await createSnat(service, {
          nat_gateway_id: 'not-a-uuid',
          network_id: anySubnet,
          floating_ip_id: eip(freshEip()),
        });
        assertError(malformed, 404, 'NAT.0021');
      },
    );

    test(
      'answers malformed EIP ids with 400 NAT.0210 and a malformed network id with 400 naming the field',
      bounded,
      async () => {
        for (const floatingIpId of ['abc', '', `${eip(freshEip())},`, `${eip(freshEip())},xyz`]) {
          const response = await createSnat(service, {
            nat_gateway_id: gateway,
            network_id: anySubnet,
            floating_ip_id: floatingIpId,
          });
          assertError(response, 400, 'NAT.0210');
        }
        const network = await createSnat(service, {
          nat_gateway_id: gateway,
          network_id: 'net-1',
          floating_ip_id: eip(freshEip()),
        });
        assertError(network, 400, 'NAT.0002');
        assert.equal(network.json().error.message, 'Invalid parameters.');
        assert.equal(network.json().error.details[0].field, 'snat_rule.network_id');
      },
    );

    test(
      "answers a network or EIP outside the project's network with 404 NAT.0005 / 400 NAT.0026",
      bounded,
      async () => {
        assertError(
          await createSnat(service, {
            nat_gateway_id: gateway,
            network_id: missing,
            floating_ip_id: eip(freshEip()),
          }),
          404,
          'NAT.0005',
        );
        assertError(
          await createSnat(service, {
            nat_gateway_id: gateway,
            network_id: subnet(1, 2),
            floating_ip_id: eip(freshEip()),
          }),
          404,
          'NAT.0005',
        );
        const unknownEip = await createSnat(service, {
          nat_gateway_id: gateway,
          network_id: subnet(freshSubnet()),
          floating_ip_id: `${eip(freshEip())},${missing}`,
        });
        assertError(unknownEip, 400, 'NAT.0026');
        assert.match(unknownEip.json().error.message, new RegExp(missing));
        assertError(
          await createSnat(service, {
            nat_gateway_id: gateway,
            network_id: subnet(freshSubnet()),
            floating_ip_id: eip(1, 2),
          }),
          400,
          'NAT.0026',
        );
      },
    );

    test(
      'refuses a network without an IPv4 subnet (400 NAT.0010) and an IPv6, bound or frozen EIP (NAT.0109, NAT.0402, NAT.0401)',
      bounded,
      async () => {
        // The default network's network 65 (IPv6 only) and EIPs 257 (IPv6), 258 (bound to port 1), 259 (frozen).
        const rule = (network: string, floatingIpId: string) =>
          createSnat(service, { nat_gateway_id: gateway, network_id: network, floating_ip_id: floatingIpId });
        const ipv6 = await rule(subnet(65), eip(freshEip()));
        assertError(ipv6, 400, 'NAT.0010');
        assert.equal(ipv6.json().error.message, `Network ${subnet(65)} does not contain any IPv4 subnet`);
        // What exists first: an unknown EIP beside it is NAT.0026.
        assertError(await rule(subnet(65), missing), 400, 'NAT.0026');
        const v6Eip = await rule(anySubnet, `${eip(freshEip())},${eip(257)}`);
        assertError(v6Eip, 400, 'NAT.0109');
        assert.equal(v6Eip.json().error.message, 'NatGateway does not support IPv6.');
        const bound = await rule(anySubnet, eip(258));
        assertError(bound, 400, 'NAT.0402');
        assert.equal(
          bound.json().error.message,
          `Floating Ip ${eip(258)} has associated with port ${port(1)}.`,
        );
        const frozen = await rule(anySubnet, eip(259));
        assertError(frozen, 400, 'NAT.0401');
        assert.equal(frozen.json().error.message, `Floating Ip ${eip(259)} is freezed.`);
        const chinese = await service.as('demo', {
          method: 'POST',
          url: '/v2.0/snat_rules',
          headers: { 'accept-language': 'zh-CN' },
          payload: {
            snat_rule: { nat_gateway_id: gateway, network_id: anySubnet, floating_ip_id: eip(258) },
          },
        });
        assert.equal(chinese.json().error.message, `弹性公网 IP ${eip(258)} 已与端口 ${port(1)} 关联。`);
        assert.deepEqual(await listIds(service, `nat_gateway_id=${gateway}&network_id=${anySubnet}`), []);
      },
    );

    test(
      'needs exactly one of network_id and cidr: NAT.0022 for both, NAT.0202 for neither',
      bounded,
      async () => {
        const both = await createSnat(service, {
          nat_gateway_id: gateway,
          network_id: anySubnet,
          cidr: '192.168.1.0/24',
          floating_ip_id: eip(freshEip()),
        });
        assertError(both, 400, 'NAT.0022');
        const neither = await createSnat(service, {
          nat_gateway_id: gateway,
          floating_ip_id: eip(freshEip()),
        });
        assertError(neither, 400, 'NAT.0202');
        const empty = await createSnat(service, {
          nat_gateway_id: gateway,
          network_id: '',
          cidr: null,
          floating_ip_id: eip(freshEip()),
        });
        assertError(empty, 400, 'NAT.0202');
      },
    );

    test('answers a malformed cidr with 400 NAT.0203', bounded, async () => {
      for (const cidr of [
        '192.168.1.300/32',
        '192.168.1.10/24',
        '192.168.1.0/33',
        'abc',
        '192.168.01.0/24',
        'fe80::/64',
      ]) {
        const response = await createSnat(service, {
          nat_gateway_id: gateway,
          cidr,
          floating_ip_id: eip(freshEip()),
        });
        assertError(response, 400, 'NAT.0203');
      }
    });

    test(
      "checks the cidr against the VPC's subnets: NAT.0205, NAT.0206, and NAT.0204 for network_id over Direct Connect",
      bounded,
      async () => {
        const outside = await createSnat(service, {
          nat_gateway_id: gateway,
          cidr: '172.16.0.0/24',
          source_type: 0,
          floating_ip_id: eip(freshEip()),
        });
        assertError(outside, 400, 'NAT.0205');
        const overlapping = await createSnat(service, {
          nat_gateway_id: gateway,
          cidr: '192.168.0.0/16',
          source_type: 1,
          floating_ip_id: eip(freshEip()),
        });
        assertError(overlapping, 400, 'NAT.0206');
        const incompatible = await createSnat(service, {
          nat_gateway_id: gateway,
          network_id: anySubnet,
          source_type: 1,
          floating_ip_id: eip(freshEip()),
        });
        assertError(incompatible, 400, 'NAT.0204');
        const badType = await createSnat(service, {
          nat_gateway_id: gateway,
          cidr: '10.0.1.0/28',
          source_type: 2,
          floating_ip_id: eip(freshEip()),
        });
        assertError(badType, 400, 'NAT.0002');
      },
    );

    test('refuses a second rule for the same network on a gateway with 400 NAT.0208', bounded, async () => {
      const network = subnet(freshSubnet());
      await snatId(service, {
        nat_gateway_id: gateway,
        network_id: network,
        floating_ip_id: eip(freshEip()),
      });
      const second = await createSnat(service, {
        nat_gateway_id: gateway,
        network_id: network.toUpperCase(),
        floating_ip_id: eip(freshEip()),
      });
      assertError(second, 400, 'NAT.0208');
      assert.equal(second.json().error.message, `Snat rule for network ${network} exists.`);
      // Another gateway may have a rule for that network.
      const other = await createGateway(service);
      await snatId(service, { nat_gateway_id: other, network_id: network, floating_ip_id: eip(freshEip()) });
    });

    test('refuses a cidr that overlaps another rule of the gateway with 400 NAT.0207', bounded, async () => {
      await snatId(service, {
        nat_gateway_id: gateway,
        cidr: '10.0.50.16/28',
        floating_ip_id: eip(freshEip()),
      });
      assertError(
        await createSnat(service, {
          nat_gateway_id: gateway,
          cidr: '10.0.50.16/28',
          floating_ip_id: eip(freshEip()),
        }),
        400,
        'NAT.0207',
      );
      // A host address with and without /32 is the same source.
      await snatId(service, { nat_gateway_id: gateway, cidr: '10.0.50.5', floating_ip_id: eip(freshEip()) });
      assertError(
        await createSnat(service, {
          nat_gateway_id: gateway,
          cidr: '10.0.50.5/32',
          floating_ip_id: eip(freshEip()),
        }),
        400,
        'NAT.0207',
      );
      // Overlapping, not only equal: a block inside another, and a network rule's subnet.
      const inside = await createSnat(service, {
        nat_gateway_id: gateway,
        cidr: '10.0.50.20/30',
        floating_ip_id: eip(freshEip()),
      });
      assertError(inside, 400, 'NAT.0207');
      assert.equal(
        inside.json().error.message,
        'cidr in the request conflicts with cidrs of existing rules.',
      );
      const network = freshSubnet();
      await snatId(service, {
        nat_gateway_id: gateway,
        network_id: subnet(network),
        floating_ip_id: eip(freshEip()),
      });
      assertError(
        await createSnat(service, {
          nat_gateway_id: gateway,
          cidr: `10.0.${network}.128/25`,
          floating_ip_id: eip(freshEip()),
        }),
        400,
        'NAT.0207',
      );
    });

    test("answers the page's three examples in order with 201, 400 NAT.0207 and 201", bounded, async () => {
      const gw = await createGateway(service);
      const example = {
        nat_gateway_id: gw,
        description: 'description',
        floating_ip_id: pageIds.floatingIps[0],
      };
      const network = await createSnat(service, {
        ...example,
        network_id: pageIds.snatNetwork,
        source_type: 0,
      });
      assert.equal(network.statusCode, 201, network.body);
      // 192.168.1.10/32 is in the first example's subnet, 192.168.1.0/24.
      assertError(
        await createSnat(service, { ...example, cidr: '192.168.1.10/32', source_type: 0 }),
        400,
        'NAT.0207',
      );
      const directConnect = await createSnat(service, { ...example, cidr: '172.30.0.0/24', source_type: 1 });
      assert.equal(directConnect.statusCode, 201, directConnect.body);
      for (const response of [network, directConnect])
        assert.equal((await deleteSnat(service, response.json().snat_rule.id)).statusCode, 204);
    });

    test(
      'shares an EIP among the rules of one gateway, refuses it to another gateway with 400 NAT.0404 and frees it with the last rule',
      bounded,
      async () => {
        const shared = freshEip();
        const first = await snatId(service, {
          nat_gateway_id: gateway,
          network_id: subnet(freshSubnet()),
          floating_ip_id: eip(shared),
        });
        const dnat = (gw: string, externalPort: number, protocol = 'tcp') =>
          service.as('demo', {
            method: 'POST',
            url: '/v2.0/dnat_rules',
            payload: {
              dnat_rule: {
                nat_gateway_id: gw,
                floating_ip_id: eip(shared),
                private_ip: protocol === 'any' ? '10.0.3.4' : '10.0.3.3',
                internal_service_port: protocol === 'any' ? 0 : 80,
                external_service_port: externalPort,
                protocol,
              },
            },
          });
        // Beside an SNAT rule, no DNAT all-port rule on the EIP; a DNAT port rule shares it.
        const allPort = await dnat(gateway, 0, 'any');
        assertError(allPort, 400, 'NAT.0409');
        assert.equal(
          allPort.json().error.message,
          `Floating Ip ${eip(shared)} can not be associated with both SNAT rule and DNAT all port rule.`,
        );
        const port = await dnat(gateway, 8080);
        assert.equal(port.statusCode, 201, port.body);
        const other = await createGateway(service);
        const elsewhere = await createSnat(service, {
          nat_gateway_id: other,
          network_id: subnet(freshSubnet()),
          floating_ip_id: eip(shared),
        });
        assertError(elsewhere, 400, 'NAT.0404');
        assert.equal(
          elsewhere.json().error.message,
          `Floating Ip ${eip(shared)} has used by nat gateway ${gateway}.`,
        );
        assertError(await dnat(other, 9090), 400, 'NAT.0404');
        assert.equal((await deleteSnat(service, first)).statusCode, 204);
        assertError(await dnat(other, 9090), 400, 'NAT.0404');
        assert.equal(
          (
            await service.as('demo', {
              method: 'DELETE',
              url: `/v2.0/dnat_rules/${port.json().dnat_rule.id}`,
            })
          ).statusCode,
          204,
        );
        // The last rule gone, the EIP is free for another gateway.
        await snatId(service, {
          nat_gateway_id: other,
          network_id: subnet(freshSubnet()),
          floating_ip_id: eip(shared),
        });
      },
    );

    test('lists with the page filters, limit and marker', bounded, async () => {
      const gw = await createGateway(service);
      const [a, b, c] = [freshEip(), freshEip(), freshEip()];
      const net = subnet(freshSubnet());
      const byNetwork = await snatId(service, {
        nat_gateway_id: gw,
        network_id: net,
        floating_ip_id: `${eip(a)},${eip(b)}`,
        description: 'first',
      });
      const byCidr = await snatId(service, {
        nat_gateway_id: gw,
        cidr: '10.0.40.0/24',
        floating_ip_id: eip(c),
      });
      const direct = await snatId(service, {
        nat_gateway_id: gw,
        cidr: '172.31.0.0/16',
        source_type: 1,
        floating_ip_id: eip(freshEip()),
      });
      // In the order they were made, as the page's example lists them.
      const mine = [byNetwork, byCidr, direct];

      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}`), mine);
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw.toUpperCase()}`), mine);
      assert.deepEqual(await listIds(service, `network_id=${net}`), [byNetwork]);
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&cidr=10.0.40.0/24`), [byCidr]);
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&source_type=1`), [direct]);
      assert.deepEqual(await listIds(service, `floating_ip_id=${eip(b)}`), [byNetwork]);
      assert.deepEqual(await listIds(service, `floating_ip_id=${eip(a)},${eip(b)}`), [byNetwork]);
      assert.deepEqual(await listIds(service, `floating_ip_address=${eipAddress(c)}`), [byCidr]);
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&description=first`), [byNetwork]);
      assert.deepEqual(
        await listIds(service, `nat_gateway_id=${gw}&status=ACTIVE&admin_state_up=true`),
        mine,
      );
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&status=PENDING_CREATE`), []);
      assert.deepEqual(await listIds(service, `id=${byCidr}`), [byCidr]);
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&tenant_id=${project}`), mine);
      assert.deepEqual(
        await listIds(service, `nat_gateway_id=${gw}&tenant_id=27e25061336f4af590faeabeb7fcd9a3`),
        [],
      );

      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&limit=2`), mine.slice(0, 2));
      assert.deepEqual(
        await listIds(service, `nat_gateway_id=${gw}&limit=2&marker=${mine[1]}`),
        mine.slice(2),
      );
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&limit=2&marker=${mine[2]}`), []);
      const times = (await service.as('demo', { url: '/v2.0/snat_rules?limit=2000' }))
        .json()
        .snat_rules.map((rule: { created_at: string }) => rule.created_at);
      assert.deepEqual(times, [...times].sort());
      assertError(await service.as('demo', { url: '/v2.0/snat_rules?limit=0' }), 400, 'NAT.0002');
    });

    test('answers an unknown or malformed rule id with 404 NAT.0209', bounded, async () => {
      assertError(await service.as('demo', { url: `/v2.0/snat_rules/${missing}` }), 404, 'NAT.0209');
      assertError(await service.as('demo', { url: '/v2.0/snat_rules/nope' }), 404, 'NAT.0209');
      assertError(await deleteSnat(service, missing), 404, 'NAT.0209');
    });

    test('deletes with 204 and an empty body; the rule is gone and its source free', bounded, async () => {
      const network = subnet(freshSubnet());
      const n = freshEip();
      const id = await snatId(service, {
        nat_gateway_id: gateway,
        network_id: network,
        floating_ip_id: eip(n),
      });
      const removed = await deleteSnat(service, id);
      assert.equal(removed.statusCode, 204);
      assert.equal(removed.body, '');
      assertError(await service.as('demo', { url: `/v2.0/snat_rules/${id}` }), 404, 'NAT.0209');
      assertError(await deleteSnat(service, id), 404, 'NAT.0209');
      assert.deepEqual(await listIds(service, `id=${id}`), []);
      await snatId(service, { nat_gateway_id: gateway, network_id: network, floating_ip_id: eip(n) });
    });

    test(
      "keeps projects apart: another project's rules and gateways are 404 and never listed",
      bounded,
      async () => {
        const id = await snatId(service, {
          nat_gateway_id: gateway,
          network_id: subnet(freshSubnet()),
          floating_ip_id: eip(freshEip()),
        });
        assertError(await service.as('alt', { url: `/v2.0/snat_rules/${id}` }), 404, 'NAT.0209');
        assertError(await deleteSnat(service, id, 'alt'), 404, 'NAT.0209');
        assert.deepEqual(await listIds(service, `id=${id}`, 'alt'), []);
        assert.deepEqual(await listIds(service, `nat_gateway_id=${gateway}`, 'alt'), []);
        assert.deepEqual(await listIds(service, 'limit=2000', 'alt'), []);
        // alt cannot put a rule on demo's gateway, even with its own network and EIP.
        const onDemo = await createSnat(
          service,
          { nat_gateway_id: gateway, network_id: subnet(1, 2), floating_ip_id: eip(1, 2) },
          'alt',
        );
        assertError(onDemo, 404, 'NAT.0105');
        // alt's own gateway and rule work, and demo does not see them.
        const altGateway = await service.as('alt', {
          method: 'POST',
          url: '/v2.0/nat_gateways',
          payload: {
            nat_gateway: {
              name: 'alt_gw',
              spec: '1',
              router_id: altRouter,
              internal_network_id: subnet(1, 2),
            },
          },
        });
        assert.equal(altGateway.statusCode, 201, altGateway.body);
        const altGatewayId = altGateway.json().nat_gateway.id;
        const altRule = await createSnat(
          service,
          { nat_gateway_id: altGatewayId, network_id: subnet(2, 2), floating_ip_id: eip(1, 2) },
          'alt',
        );
        assert.equal(altRule.statusCode, 201, altRule.body);
        assert.equal(altRule.json().snat_rule.tenant_id, '27e25061336f4af590faeabeb7fcd9a3');
        assertError(
          await service.as('demo', { url: `/v2.0/snat_rules/${altRule.json().snat_rule.id}` }),
          404,
          'NAT.0209',
        );
        assertError(
          await createSnat(service, {
            nat_gateway_id: altGatewayId,
            network_id: subnet(freshSubnet()),
            floating_ip_id: eip(freshEip()),
          }),
          404,
          'NAT.0105',
        );
      },
    );

    test(
      'lets a read-only user list and show, and answers its writes with 403 VPC.2701',
      bounded,
      async () => {
        const id = await snatId(service, {
          nat_gateway_id: gateway,
          network_id: subnet(freshSubnet()),
          floating_ip_id: eip(freshEip()),
        });
        assert.equal((await service.as('viewer', { url: `/v2.0/snat_rules/${id}` })).statusCode, 200);
        assert.equal((await service.as('viewer', { url: '/v2.0/snat_rules' })).statusCode, 200);
        const create = await createSnat(
          service,
          { nat_gateway_id: gateway, network_id: subnet(freshSubnet()), floating_ip_id: eip(freshEip()) },
          'viewer',
        );
        assertError(create, 403, 'VPC.2701');
        assertError(await deleteSnat(service, id, 'viewer'), 403, 'VPC.2701');
        assert.equal((await service.as('demo', { url: `/v2.0/snat_rules/${id}` })).statusCode, 200);
      },
    );

    test('answers a request without a token with 401', bounded, async () => {
      const response = await service.app.inject({ method: 'GET', url: '/v2.0/snat_rules' });
      assert.equal(response.statusCode, 401);
    });

    test(
      'refuses to delete a gateway with a rule (400 NAT.0006) until the rule is deleted',
      bounded,
      async () => {
        const gw = await createGateway(service);
        const id = await snatId(service, {
          nat_gateway_id: gw,
          network_id: subnet(freshSubnet()),
          floating_ip_id: eip(freshEip()),
        });
        assertError(
          await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${gw}` }),
          400,
          'NAT.0006',
        );
        const removed = await deleteSnat(service, id);
        assert.equal(removed.statusCode, 204);
        const gone = await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${gw}` });
        assert.equal(gone.statusCode, 204, gone.body);
        assert.equal(gone.body, '');
        // A deleted gateway takes no rules.
        assertError(
          await createSnat(service, {
            nat_gateway_id: gw,
            network_id: subnet(freshSubnet()),
            floating_ip_id: eip(freshEip()),
          }),
          404,
          'NAT.0105',
        );
      },
    );

    test('gives exactly one 201 when 20 create the same source at once', bounded, async () => {
      const gw = await createGateway(service);
      const network = subnet(freshSubnet());
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          createSnat(service, { nat_gateway_id: gw, network_id: network, floating_ip_id: eip(freshEip()) }),
        ),
      );
      const statuses = responses.map((response) => response.statusCode);
      assert.equal(statuses.filter((status) => status === 201).length, 1, statuses.join());
      for (const response of responses.filter((r) => r.statusCode !== 201))
        assertError(response, 400, 'NAT.0208');
      assert.equal((await listIds(service, `nat_gateway_id=${gw}`)).length, 1);
    });

    test(
      'gives an EIP to the rules of exactly one gateway when four gateways race for it',
      bounded,
      async () => {
        const gateways = await Promise.all(Array.from({ length: 4 }, () => createGateway(service)));
        const n = freshEip();
        const responses = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            createSnat(service, {
              nat_gateway_id: gateways[i % 4],
              network_id: subnet(freshSubnet()),
              floating_ip_id: eip(n),
            }),
          ),
        );
        const winners = new Set(
          responses.filter((r) => r.statusCode === 201).map((r) => r.json().snat_rule.nat_gateway_id),
        );
        assert.equal(winners.size, 1, responses.map((r) => r.statusCode).join());
        assert.equal(responses.filter((r) => r.statusCode === 201).length, 5);
        for (const response of responses.filter((r) => r.statusCode !== 201))
          assertError(response, 400, 'NAT.0404');
      },
    );
  });

  describe(`SNAT rule status on ${engine}`, () => {
    const delay = 1_500;
    let service: TestService;
    before(async () => {
      service = await startService(engine, { provisioningDelayMs: delay });
    });
    after(() => service.close());

    test('refuses rules on a PENDING_CREATE gateway with 400 NAT.0103', bounded, async () => {
      const gateway = await createGateway(service);
      const response = await createSnat(service, {
        nat_gateway_id: gateway,
        network_id: pageIds.snatNetwork,
        floating_ip_id: eip(1),
      });
      assertError(response, 400, 'NAT.0103');
      assert.equal(response.json().error.message, `NatGateway ${gateway} is not ACTIVE.`);
    });

    for (const state of ['PENDING_UPDATE', 'PENDING_DELETE'] as const) {
      test(`refuses rules on a ${state} gateway with 400 NAT.0103`, bounded, async () => {
        const gateway = await pendingGateway(service, state, delay);
        const response = await createSnat(service, {
          nat_gateway_id: gateway,
          network_id: subnet(freshSubnet()),
          floating_ip_id: eip(freshEip()),
        });
        assertError(response, 400, 'NAT.0103');
      });
    }

    test(
      'is PENDING_CREATE then ACTIVE; deleting needs ACTIVE, frees its source at once, then it is gone',
      bounded,
      async () => {
        const gateway = await createGateway(service);
        await sleep(delay + 100);
        const created = await createSnat(service, {
          nat_gateway_id: gateway,
          network_id: subnet(1),
          floating_ip_id: eip(2),
        });
        assert.equal(created.statusCode, 201, created.body);
        const rule = created.json().snat_rule;
        assert.equal(rule.status, 'PENDING_CREATE');
        assert.deepEqual(await listIds(service, `status=PENDING_CREATE&nat_gateway_id=${gateway}`), [
          rule.id,
        ]);
        assertError(await deleteSnat(service, rule.id), 400, 'NAT.0106');
        await sleep(delay + 100);
        assert.equal(
          (await service.as('demo', { url: `/v2.0/snat_rules/${rule.id}` })).json().snat_rule.status,
          'ACTIVE',
        );

        assert.equal((await deleteSnat(service, rule.id)).statusCode, 204);
        const deleting = await service.as('demo', { url: `/v2.0/snat_rules/${rule.id}` });
        assert.equal(deleting.json().snat_rule.status, 'PENDING_DELETE');
        assertError(await deleteSnat(service, rule.id), 400, 'NAT.0106');
        // Its source and EIP are free while it is PENDING_DELETE; the gateway still has a rule.
        const again = await createSnat(service, {
          nat_gateway_id: gateway,
          network_id: subnet(1),
          floating_ip_id: eip(2),
        });
        assert.equal(again.statusCode, 201, again.body);
        assertError(
          await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${gateway}` }),
          400,
          'NAT.0006',
        );
        await sleep(delay + 100);
        assertError(await service.as('demo', { url: `/v2.0/snat_rules/${rule.id}` }), 404, 'NAT.0209');
      },
    );
  });
}
