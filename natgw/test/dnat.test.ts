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

const dnat = ruleRequests('dnat');
const createDnat = dnat.create;
const dnatId = dnat.id;
const deleteDnat = dnat.delete;
const listIds = dnat.listIds;
const createSnat = ruleRequests('snat').create;

const fields = [
  'admin_state_up',
  'created_at',
  'description',
  'external_service_port',
  'floating_ip_address',
  'floating_ip_id',
  'id',
  'internal_service_port',
  'nat_gateway_id',
  'port_id',
  'private_ip',
  'protocol',
  'status',
  'tenant_id',
];

for (const engine of engines()) {
  describe(`DNAT rules on ${engine}`, () => {
    let service: TestService;
    let gateway: string;
    /** A valid rule on the shared gateway, on a fresh EIP: tests change one field. */
    const valid = (changes: Record<string, unknown> = {}) => ({
      nat_gateway_id: gateway,
      floating_ip_id: eip(freshEip()),
      port_id: port(1),
      internal_service_port: 8080,
      external_service_port: 80,
      protocol: 'tcp',
      ...changes,
    });
    before(async () => {
      // Each service has a database of its own: its network ids start again.
      nextEip = 1;
      service = await startService(engine);
      gateway = await createGateway(service);
    });
    after(() => service.close());

    test(
      "creates the page's example with ports with 201, Location and the page's fields",
      bounded,
      async () => {
        const response = await createDnat(service, {
          floating_ip_id: 'bf99c679-9f41-4dac-8513-9c9228e713e1',
          nat_gateway_id: gateway,
          port_id: '9a469561-daac-4c94-88f5-39366e5ea193',
          description: 'description',
          internal_service_port: 993,
          protocol: 'tcp',
          external_service_port: 242,
        });
        assert.equal(response.statusCode, 201, response.body);
        const rule = response.json().dnat_rule;
        assert.equal(response.headers.location, `http://127.0.0.1:8080/v2.0/dnat_rules/${rule.id}`);
        assert.deepEqual(Object.keys(rule).sort(), fields);
        assert.deepEqual(
          { ...rule, id: undefined, created_at: undefined },
          {
            id: undefined,
            created_at: undefined,
            floating_ip_id: 'bf99c679-9f41-4dac-8513-9c9228e713e1',
            status: 'ACTIVE',
            description: 'description',
            nat_gateway_id: gateway,
            admin_state_up: true,
            port_id: '9a469561-daac-4c94-88f5-39366e5ea193',
            internal_service_port: 993,
            protocol: 'tcp',
            tenant_id: project,
            floating_ip_address: '5.21.11.227',
            external_service_port: 242,
            private_ip: '',
          },
        );
        assert.match(rule.created_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
        const shown = await service.as('demo', { url: `/v2.0/dnat_rules/${rule.id}` });
        assert.equal(shown.statusCode, 200);
        assert.deepEqual(shown.json().dnat_rule, rule);
        const removed = await deleteDnat(service, rule.id);
        assert.equal(removed.statusCode, 204);
        assert.equal(removed.body, '');
      },
    );

    test(
      "creates the page's all-ports example with private_ip, any and 0/0, ids in any case",
      bounded,
      async () => {
        const response = await createDnat(service, {
          floating_ip_id: 'Cf99c679-9f41-4dac-8513-9c9228e713e1',
          nat_gateway_id: `${gateway[0]?.toUpperCase()}${gateway.slice(1)}`,
          private_ip: '192.168.1.100',
          description: 'description',
          internal_service_port: 0,
          protocol: 'any',
          external_service_port: 0,
        });
        assert.equal(response.statusCode, 201, response.body);
        const rule = response.json().dnat_rule;
        assert.equal(rule.floating_ip_id, 'cf99c679-9f41-4dac-8513-9c9228e713e1');
        assert.equal(rule.nat_gateway_id, gateway);
        assert.equal(rule.private_ip, '192.168.1.100');
        assert.equal(rule.port_id, '');
        assert.equal(rule.protocol, 'any');
        assert.equal(rule.internal_service_port, 0);
        assert.equal(rule.external_service_port, 0);
        assert.equal(rule.floating_ip_address, '5.21.11.228');
        assert.equal((await deleteDnat(service, rule.id.toUpperCase())).statusCode, 204);
      },
    );

    test('takes protocols by name in any case or by number, and stores the name', bounded, async () => {
      const cases: [unknown, string][] = [
        ['TCP', 'tcp'],
        ['6', 'tcp'],
        [6, 'tcp'],
        ['udp', 'udp'],
        [17, 'udp'],
      ];
      for (const [index, [protocol, stored]] of cases.entries()) {
        const response = await createDnat(service, valid({ protocol, internal_service_port: 100 + index }));
        assert.equal(response.statusCode, 201, response.body);
        assert.equal(response.json().dnat_rule.protocol, stored);
      }
      // An all-port rule needs an EIP and a port of its own (NAT.0408, NAT.0307).
      const any = await createDnat(
        service,
        valid({ protocol: 0, internal_service_port: 0, external_service_port: 0, port_id: port(20) }),
      );
      assert.equal(any.statusCode, 201, any.body);
      assert.equal(any.json().dnat_rule.protocol, 'any');
    });

    test('answers another protocol with 400 NAT.0302', bounded, async () => {
      for (const protocol of ['icmp', 'tcpx', '', 1, true]) {
        assertError(await createDnat(service, valid({ protocol })), 400, 'NAT.0302');
      }
    });

    test('answers ports outside 0..65535 or not integers with 400 NAT.0303', bounded, async () => {
      for (const value of [-1, 65536, 1.5, 'abc', null, true]) {
        assertError(await createDnat(service, valid({ internal_service_port: value })), 400, 'NAT.0303');
        assertError(await createDnat(service, valid({ external_service_port: value })), 400, 'NAT.0303');
      }
      const edge = await createDnat(
        service,
        valid({ internal_service_port: 65535, external_service_port: 1 }),
      );
      assert.equal(edge.statusCode, 201, edge.body);
    });

    test(
      'needs any with both ports 0 and nothing else: 400 NAT.0301 for any on a port, else NAT.0306',
      bounded,
      async () => {
        const anyOnAPort = [
          { protocol: 'any', internal_service_port: 0, external_service_port: 80 },
          { protocol: 'any', internal_service_port: 80, external_service_port: 0 },
          { protocol: 'any', internal_service_port: 80, external_service_port: 80 },
        ];
        for (const mix of anyOnAPort) assertError(await createDnat(service, valid(mix)), 400, 'NAT.0301');
        const portsWithout = [
          { protocol: 'tcp', internal_service_port: 0, external_service_port: 0 },
          { protocol: 'udp', internal_service_port: 0, external_service_port: 53 },
        ];
        for (const mix of portsWithout) assertError(await createDnat(service, valid(mix)), 400, 'NAT.0306');
      },
    );

    test(
      'needs exactly one of port_id and private_ip: 400 NAT.0310 for neither, NAT.0317 for both',
      bounded,
      async () => {
        assertError(await createDnat(service, valid({ port_id: undefined })), 400, 'NAT.0310');
        assertError(await createDnat(service, valid({ port_id: '', private_ip: null })), 400, 'NAT.0310');
        assertError(await createDnat(service, valid({ private_ip: '192.168.1.100' })), 400, 'NAT.0317');
      },
    );

    test('answers a private IP that is not a unicast IPv4 address with 400 NAT.0311', bounded, async () => {
      for (const privateIp of [
        '999.1.1.1',
        'abc',
        '192.168.1',
        '192.168.001.1',
        '127.0.0.1',
        '224.0.0.1',
        '0.0.0.0',
        'fe80::1',
      ]) {
        assertError(
          await createDnat(service, valid({ port_id: undefined, private_ip: privateIp })),
          400,
          'NAT.0311',
        );
      }
    });

    test(
      'answers a malformed port_id with 400 NAT.0315 and an unknown one with 404 NAT.0023',
      bounded,
      async () => {
        assertError(await createDnat(service, valid({ port_id: 'port-1' })), 400, 'NAT.0315');
        assertError(await createDnat(service, valid({ port_id: missing })), 404, 'NAT.0023');
        // alt's port is not in demo's network.
        assertError(await createDnat(service, valid({ port_id: port(1, 2) })), 404, 'NAT.0023');
      },
    );

    test(
      'answers a malformed floating_ip_id with 404 NAT.0024 and an unknown one with 400 NAT.0026',
      bounded,
      async () => {
        assertError(await createDnat(service, valid({ floating_ip_id: 'fip-1' })), 404, 'NAT.0024');
        assertError(
          await createDnat(service, valid({ floating_ip_id: `${eip(freshEip())},${eip(freshEip())}` })),
          404,
          'NAT.0024',
        );
        assertError(await createDnat(service, valid({ floating_ip_id: missing })), 400, 'NAT.0026');
        assertError(await createDnat(service, valid({ floating_ip_id: eip(1, 2) })), 400, 'NAT.0026');
      },
    );

    test(
      'refuses a virtual IP port (400 NAT.0312), a port without an address (404 NAT.1009) and an IPv6, bound or frozen EIP (NAT.0109, NAT.0402, NAT.0401)',
      bounded,
      async () => {
        // The default network's ports 65 (a virtual IP) and 66 (no address), and EIPs 257 (IPv6),
        // 258 (bound to port 1) and 259 (frozen).
        const vip = await createDnat(service, valid({ port_id: port(65) }));
        assertError(vip, 400, 'NAT.0312');
        assert.equal(vip.json().error.message, 'The virtual IP address is not supported.');
        const bare = await createDnat(service, valid({ port_id: port(66) }));
        assertError(bare, 404, 'NAT.1009');
        assert.equal(bare.json().error.message, `Port ${port(66)} information is missing.`);
        const chinese = await service.as('demo', {
          method: 'POST',
          url: '/v2.0/dnat_rules',
          headers: { 'accept-language': 'zh-CN' },
          payload: { dnat_rule: valid({ port_id: port(66) }) },
        });
        assert.equal(chinese.json().error.message, `端口 ${port(66)} 的信息缺失。`);
        // What exists first: an unknown EIP beside them is NAT.0026.
        assertError(
          await createDnat(service, valid({ port_id: port(65), floating_ip_id: missing })),
          400,
          'NAT.0026',
        );
        const v6Eip = await createDnat(service, valid({ floating_ip_id: eip(257) }));
        assertError(v6Eip, 400, 'NAT.0109');
        assert.equal(v6Eip.json().error.message, 'NatGateway does not support IPv6.');
        const bound = await createDnat(service, valid({ floating_ip_id: eip(258) }));
        assertError(bound, 400, 'NAT.0402');
        assert.equal(
          bound.json().error.message,
          `Floating Ip ${eip(258)} has associated with port ${port(1)}.`,
        );
        // With a private IP as with a port.
        const frozen = await createDnat(
          service,
          valid({ port_id: null, private_ip: '10.0.1.20', floating_ip_id: eip(259) }),
        );
        assertError(frozen, 400, 'NAT.0401');
        assert.equal(frozen.json().error.message, `Floating Ip ${eip(259)} is freezed.`);
        for (const n of [257, 258, 259])
          assert.deepEqual(await listIds(service, `floating_ip_id=${eip(n)}`), []);
      },
    );

    test(
      'answers an unknown gateway with 404 NAT.0105 and a malformed one with 404 NAT.0021',
      bounded,
      async () => {
        assertError(await createDnat(service, valid({ nat_gateway_id: missing })), 404, 'NAT.0105');
        assertError(await createDnat(service, valid({ nat_gateway_id: 'gw' })), 404, 'NAT.0021');
      },
    );

    test('refuses the same EIP, external port and protocol twice with 400 NAT.0305', bounded, async () => {
      const n = freshEip();
      await dnatId(
        service,
        valid({
          floating_ip_id: eip(n),
          port_id: port(2),
          internal_service_port: 80,
          external_service_port: 8000,
        }),
      );
      const again = await createDnat(
        service,
        valid({
          floating_ip_id: eip(n).toUpperCase(),
          port_id: port(3),
          internal_service_port: 81,
          external_service_port: 8000,
        }),
      );
      assertError(again, 400, 'NAT.0305');
      // Another protocol on that EIP and port, and another port, are different mappings.
      await dnatId(
        service,
        valid({
          floating_ip_id: eip(n),
          port_id: port(3),
          internal_service_port: 81,
          external_service_port: 8000,
          protocol: 'udp',
        }),
      );
      await dnatId(
        service,
        valid({
          floating_ip_id: eip(n),
          port_id: port(3),
          internal_service_port: 82,
          external_service_port: 8001,
        }),
      );
    });

    test(
      'refuses the same port or private IP, internal port and protocol twice with 400 NAT.0304',
      bounded,
      async () => {
        await dnatId(
          service,
          valid({ port_id: port(4), internal_service_port: 443, external_service_port: 443 }),
        );
        assertError(
          await createDnat(
            service,
            valid({ port_id: port(4).toUpperCase(), internal_service_port: 443, external_service_port: 444 }),
          ),
          400,
          'NAT.0304',
        );
        await dnatId(
          service,
          valid({
            port_id: undefined,
            private_ip: '172.16.0.5',
            internal_service_port: 22,
            external_service_port: 22,
          }),
        );
        assertError(
          await createDnat(
            service,
            valid({
              port_id: undefined,
              private_ip: '172.16.0.5',
              internal_service_port: 22,
              external_service_port: 23,
            }),
          ),
          400,
          'NAT.0304',
        );
        // The same private IP and port on another gateway is another mapping.
        const other = await createGateway(service);
        await dnatId(
          service,
          valid({
            nat_gateway_id: other,
            port_id: undefined,
            private_ip: '172.16.0.5',
            internal_service_port: 22,
            external_service_port: 22,
          }),
        );
      },
    );

    test(
      'keeps an all-port rule apart from port rules on its EIP (400 NAT.0408), port (NAT.0307) and private IP (NAT.0308)',
      bounded,
      async () => {
        const n = freshEip();
        const allPorts = { protocol: 'any', internal_service_port: 0, external_service_port: 0 };
        const first = await dnatId(service, valid({ floating_ip_id: eip(n), port_id: port(30) }));
        const onEip = await createDnat(
          service,
          valid({ floating_ip_id: eip(n), port_id: port(31), ...allPorts }),
        );
        assertError(onEip, 400, 'NAT.0408');
        assert.equal(
          onEip.json().error.message,
          `Floating Ip ${eip(n)} can not be associated with both DNAT rule and DNAT all port rule.`,
        );
        assertError(await createDnat(service, valid({ port_id: port(30), ...allPorts })), 400, 'NAT.0307');
        await dnatId(
          service,
          valid({ port_id: undefined, private_ip: '172.16.30.30', internal_service_port: 25 }),
        );
        assertError(
          await createDnat(service, valid({ port_id: undefined, private_ip: '172.16.30.30', ...allPorts })),
          400,
          'NAT.0308',
        );
        // And the other way round: beside an all-port rule, no port rule.
        const m = freshEip();
        await dnatId(service, valid({ floating_ip_id: eip(m), port_id: port(32), ...allPorts }));
        assertError(
          await createDnat(service, valid({ floating_ip_id: eip(m), port_id: port(33) })),
          400,
          'NAT.0408',
        );
        assertError(await createDnat(service, valid({ port_id: port(32) })), 400, 'NAT.0307');
        // SNAT and DNAT port rules share an EIP.
        const snat = await createSnat(service, {
          nat_gateway_id: gateway,
          network_id: subnet(30),
          floating_ip_id: eip(n),
        });
        assert.equal(snat.statusCode, 201, snat.body);
        assert.equal((await deleteDnat(service, first)).statusCode, 204);
      },
    );

    test(
      'refuses more DNAT rules than the gateway and EIP limits allow with 400 NAT.0309 and NAT.0313',
      bounded,
      async () => {
        const limited = await startService(engine, {
          limits: { ...service.config.limits, dnatRulesPerGateway: 3, dnatRulesPerEip: 2 },
        });
        try {
          const gw = await createGateway(limited);
          const rule = (n: number, externalPort: number) => ({
            nat_gateway_id: gw,
            floating_ip_id: eip(n),
            private_ip: '10.0.1.10',
            internal_service_port: externalPort,
            external_service_port: externalPort,
            protocol: 'tcp',
          });
          for (const externalPort of [1, 2])
            assert.equal((await createDnat(limited, rule(1, externalPort))).statusCode, 201);
          const perEip = await createDnat(limited, rule(1, 3));
          assertError(perEip, 400, 'NAT.0313');
          assert.equal(
            perEip.json().error.message,
            '2 DNAT rules has been associated to this Floating IP, no more is allowed',
          );
          assert.equal((await createDnat(limited, rule(2, 4))).statusCode, 201);
          const perGateway = await createDnat(limited, rule(2, 5));
          assertError(perGateway, 400, 'NAT.0309');
          assert.equal(
            perGateway.json().error.message,
            '3 DNAT rules has been associated to this NAT Gateway, no more is allowed',
          );
          const shown = await limited.as('demo', { url: `/v2.0/nat_gateways/${gw}` });
          assert.equal(shown.json().nat_gateway.dnat_rules_limit, 3);
        } finally {
          await limited.close();
        }
      },
    );

    test('lists with the page filters, limit and marker', bounded, async () => {
      const gw = await createGateway(service);
      const [a, b] = [freshEip(), freshEip()];
      const web = await dnatId(
        service,
        valid({
          nat_gateway_id: gw,
          floating_ip_id: eip(a),
          port_id: port(6),
          internal_service_port: 80,
          external_service_port: 80,
          description: 'web',
        }),
      );
      const dns = await dnatId(
        service,
        valid({
          nat_gateway_id: gw,
          floating_ip_id: eip(a),
          port_id: port(6),
          internal_service_port: 53,
          external_service_port: 53,
          protocol: 'udp',
        }),
      );
      const all = await dnatId(
        service,
        valid({
          nat_gateway_id: gw,
          floating_ip_id: eip(b),
          port_id: undefined,
          private_ip: '172.16.9.9',
          internal_service_port: 0,
          external_service_port: 0,
          protocol: 'any',
        }),
      );
      // In the order they were made, as the page's example lists them.
      const mine = [web, dns, all];

      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}`), mine);
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw.toUpperCase()}`), mine);
      assert.deepEqual(await listIds(service, `port_id=${port(6).toUpperCase()}`), [web, dns]);
      assert.deepEqual(await listIds(service, `private_ip=172.16.9.9`), [all]);
      assert.deepEqual(await listIds(service, `floating_ip_id=${eip(a)}`), [web, dns]);
      assert.deepEqual(await listIds(service, `floating_ip_address=${eipAddress(b)}`), [all]);
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&protocol=TCP`), [web]);
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&protocol=17`), [dns]);
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&protocol=icmp`), []);
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&internal_service_port=53`), [dns]);
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&external_service_port=0`), [all]);
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&description=web`), [web]);
      assert.deepEqual(
        await listIds(service, `nat_gateway_id=${gw}&status=ACTIVE&admin_state_up=true`),
        mine,
      );
      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&status=PENDING_DELETE`), []);
      assert.deepEqual(await listIds(service, `id=${dns}`), [dns]);
      assert.deepEqual(
        await listIds(service, `nat_gateway_id=${gw}&tenant_id=27e25061336f4af590faeabeb7fcd9a3`),
        [],
      );

      assert.deepEqual(await listIds(service, `nat_gateway_id=${gw}&limit=1`), mine.slice(0, 1));
      assert.deepEqual(
        await listIds(service, `nat_gateway_id=${gw}&limit=1&marker=${mine[0]}`),
        mine.slice(1, 2),
      );
      assert.deepEqual(
        await listIds(service, `nat_gateway_id=${gw}&limit=5&marker=${mine[1]}`),
        mine.slice(2),
      );
      assertError(
        await service.as('demo', { url: '/v2.0/dnat_rules?internal_service_port=x' }),
        400,
        'NAT.0002',
      );
    });

    test('answers an unknown or malformed rule id with 404 NAT.0319', bounded, async () => {
      assertError(await service.as('demo', { url: `/v2.0/dnat_rules/${missing}` }), 404, 'NAT.0319');
      assertError(await service.as('demo', { url: '/v2.0/dnat_rules/nope' }), 404, 'NAT.0319');
      assertError(await deleteDnat(service, missing), 404, 'NAT.0319');
    });

    test('deletes with 204 and an empty body; the rule is gone and its mappings free', bounded, async () => {
      const rule = valid({ port_id: port(7), internal_service_port: 25, external_service_port: 25 });
      const id = await dnatId(service, rule);
      const removed = await deleteDnat(service, id);
      assert.equal(removed.statusCode, 204);
      assert.equal(removed.body, '');
      assertError(await service.as('demo', { url: `/v2.0/dnat_rules/${id}` }), 404, 'NAT.0319');
      assertError(await deleteDnat(service, id), 404, 'NAT.0319');
      assert.deepEqual(await listIds(service, `id=${id}`), []);
      await dnatId(service, rule);
    });

    test(
      "keeps projects apart: another project's rules and gateways are 404 and never listed",
      bounded,
      async () => {
        const id = await dnatId(service, valid({ port_id: port(8) }));
        assertError(await service.as('alt', { url: `/v2.0/dnat_rules/${id}` }), 404, 'NAT.0319');
        assertError(await deleteDnat(service, id, 'alt'), 404, 'NAT.0319');
        assert.deepEqual(await listIds(service, `id=${id}`, 'alt'), []);
        assert.deepEqual(await listIds(service, 'limit=2000', 'alt'), []);
        const onDemo = await createDnat(
          service,
          valid({ floating_ip_id: eip(1, 2), port_id: port(1, 2) }),
          'alt',
        );
        assertError(onDemo, 404, 'NAT.0105');

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
        // The same private IP and ports as a demo rule: projects do not collide.
        const demoRule = valid({
          port_id: undefined,
          private_ip: '172.16.1.1',
          internal_service_port: 80,
          external_service_port: 80,
        });
        await dnatId(service, demoRule);
        const altRule = await createDnat(
          service,
          { ...demoRule, nat_gateway_id: altGatewayId, floating_ip_id: eip(1, 2) },
          'alt',
        );
        assert.equal(altRule.statusCode, 201, altRule.body);
        assert.equal(altRule.json().dnat_rule.tenant_id, '27e25061336f4af590faeabeb7fcd9a3');
        assertError(
          await service.as('demo', { url: `/v2.0/dnat_rules/${altRule.json().dnat_rule.id}` }),
          404,
          'NAT.0319',
        );
        assert.deepEqual(await listIds(service, `nat_gateway_id=${altGatewayId}`), []);
        assertError(await createDnat(service, valid({ nat_gateway_id: altGatewayId })), 404, 'NAT.0105');
      },
    );

    test(
      'lets a read-only user list and show, and answers its writes with 403 VPC.2701',
      bounded,
      async () => {
        const id = await dnatId(service, valid({ port_id: port(9) }));
        assert.equal((await service.as('viewer', { url: `/v2.0/dnat_rules/${id}` })).statusCode, 200);
        assert.equal((await service.as('viewer', { url: '/v2.0/dnat_rules' })).statusCode, 200);
        assertError(await createDnat(service, valid({ port_id: port(10) }), 'viewer'), 403, 'VPC.2701');
        assertError(await deleteDnat(service, id, 'viewer'), 403, 'VPC.2701');
        assert.equal((await service.as('demo', { url: `/v2.0/dnat_rules/${id}` })).statusCode, 200);
      },
    );

    test(
      'refuses to delete a gateway with a rule (400 NAT.0006) until the rule is deleted',
      bounded,
      async () => {
        const gw = await createGateway(service);
        const id = await dnatId(service, valid({ nat_gateway_id: gw, port_id: port(11) }));
        assertError(
          await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${gw}` }),
          400,
          'NAT.0006',
        );
        assert.equal((await deleteDnat(service, id)).statusCode, 204);
        const gone = await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${gw}` });
        assert.equal(gone.statusCode, 204, gone.body);
        assert.equal(gone.body, '');
        assertError(
          await createDnat(service, valid({ nat_gateway_id: gw, port_id: port(11) })),
          404,
          'NAT.0105',
        );
      },
    );

    test('gives exactly one 201 when 20 create the same external mapping at once', bounded, async () => {
      const n = freshEip();
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          createDnat(
            service,
            valid({
              floating_ip_id: eip(n),
              port_id: port(12),
              internal_service_port: 1000 + i,
              external_service_port: 9000,
            }),
          ),
        ),
      );
      const statuses = responses.map((response) => response.statusCode);
      assert.equal(statuses.filter((status) => status === 201).length, 1, statuses.join());
      for (const response of responses.filter((r) => r.statusCode !== 201))
        assertError(response, 400, 'NAT.0305');
    });

    test(
      'gives an EIP to the rules of one gateway when SNAT and DNAT rules of four gateways race for it',
      bounded,
      async () => {
        const n = freshEip();
        const gateways = await Promise.all(Array.from({ length: 4 }, () => createGateway(service)));
        const responses = await Promise.all(
          Array.from({ length: 20 }, (_, i) => {
            const gw = gateways[i % 4] as string;
            return i % 2 === 0
              ? createSnat(service, {
                  nat_gateway_id: gw,
                  network_id: subnet(20 + i),
                  floating_ip_id: eip(n),
                })
              : createDnat(
                  service,
                  valid({
                    nat_gateway_id: gw,
                    floating_ip_id: eip(n),
                    port_id: port(13),
                    internal_service_port: 2000 + i,
                    external_service_port: 3000 + i,
                  }),
                );
          }),
        );
        const won = responses.filter((r) => r.statusCode === 201);
        const winners = new Set(won.map((r) => (r.json().snat_rule ?? r.json().dnat_rule).nat_gateway_id));
        assert.equal(winners.size, 1, responses.map((r) => r.statusCode).join());
        assert.equal(won.length, 5);
        for (const response of responses.filter((r) => r.statusCode !== 201))
          assertError(response, 400, 'NAT.0404');
      },
    );
  });

  describe(`DNAT rule status on ${engine}`, () => {
    const delay = 1_500;
    let service: TestService;
    before(async () => {
      service = await startService(engine, { provisioningDelayMs: delay });
    });
    after(() => service.close());

    const rule = (gateway: string) => ({
      nat_gateway_id: gateway,
      floating_ip_id: pageIds.floatingIps[1],
      port_id: pageIds.port,
      internal_service_port: 993,
      external_service_port: 242,
      protocol: 'tcp',
    });

    test('refuses rules on a PENDING_CREATE gateway with 400 NAT.0103', bounded, async () => {
      const gateway = await createGateway(service);
      assertError(await createDnat(service, rule(gateway)), 400, 'NAT.0103');
    });

    for (const state of ['PENDING_UPDATE', 'PENDING_DELETE'] as const) {
      test(`refuses rules on a ${state} gateway with 400 NAT.0103`, bounded, async () => {
        const gateway = await pendingGateway(service, state, delay);
        assertError(await createDnat(service, rule(gateway)), 400, 'NAT.0103');
      });
    }

    test(
      'is PENDING_CREATE then ACTIVE; deleting needs ACTIVE, frees its mappings at once, then it is gone',
      bounded,
      async () => {
        const gateway = await createGateway(service);
        await sleep(delay + 100);
        const created = await createDnat(service, rule(gateway));
        assert.equal(created.statusCode, 201, created.body);
        const { id, status } = created.json().dnat_rule;
        assert.equal(status, 'PENDING_CREATE');
        assert.deepEqual(await listIds(service, `status=PENDING_CREATE&nat_gateway_id=${gateway}`), [id]);
        assertError(await deleteDnat(service, id), 400, 'NAT.0106');
        await sleep(delay + 100);
        assert.equal(
          (await service.as('demo', { url: `/v2.0/dnat_rules/${id}` })).json().dnat_rule.status,
          'ACTIVE',
        );

        assert.equal((await deleteDnat(service, id)).statusCode, 204);
        assert.equal(
          (await service.as('demo', { url: `/v2.0/dnat_rules/${id}` })).json().dnat_rule.status,
          'PENDING_DELETE',
        );
        assertError(await deleteDnat(service, id), 400, 'NAT.0106');
        const again = await createDnat(service, rule(gateway));
        assert.equal(again.statusCode, 201, again.body);
        assertError(
          await service.as('demo', { method: 'DELETE', url: `/v2.0/nat_gateways/${gateway}` }),
          400,
          'NAT.0006',
        );
        await sleep(delay + 100);
        assertError(await service.as('demo', { url: `/v2.0/dnat_rules/${id}` }), 404, 'NAT.0319');
      },
    );
  });
}
