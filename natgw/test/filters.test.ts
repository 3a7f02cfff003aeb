import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertError,
  createGateway,
  eip,
  engines,
  port,
  project,
  ruleRequests,
  startService,
  subnet,
  type TestService,
} from './harness.js';

const bounded = { timeout: 60_000 };

/**
 * Every integer filter of the lists, by list, with its field's range: ports as the pages bound
 * them (NAT.0303: 0 to 65535), an SNAT rule's source 0 (VPC) or 1 (Direct Connect). A filter
 * the routes declare and this table lacks fails the test until its range is written here.
 */
const ranges: Record<string, Record<string, readonly [number, number]>> = {
  nat_gateways: {},
  snat_rules: { source_type: [0, 1] },
  dnat_rules: { internal_service_port: [0, 65535], external_service_port: [0, 65535] },
};

/** The lists under both path forms: Open Telekom Cloud's and Huawei Cloud's. */
const forms = [(list: string) => `/v2.0/${list}`, (list: string) => `/v2/${project}/${list}`];

/**
 * Text that is no integer of any field's range: past PostgreSQL's integer, past JavaScript's
 * exact integers, infinite once read, negative, fractional, hexadecimal, empty, padded, signed.
 */
const badValues = [
  '2147483648',
  '-1',
  '1e309',
  '9007199254740993',
  '1.5',
  '0x10',
  '',
  ' 1',
  '+1',
  '1e1',
  '99999999999999999999999',
];

for (const engine of engines()) {
  describe(`integer list filters on ${engine}`, () => {
    let service: TestService;
    /** The rules made for the edges of each range, as created, by list. */
    const made: Record<string, Record<string, unknown>[]> = {
      nat_gateways: [],
      snat_rules: [],
      dnat_rules: [],
    };
    let gateway: string;

    before(async () => {
      service = await startService(engine);
      gateway = await createGateway(service);
      const dnat = ruleRequests('dnat');
      const snat = ruleRequests('snat');
      // A port 0 on one side is a rule for every port: 0 on both, protocol any (NAT.0306).
      for (const [n, ports] of [
        [1, { internal_service_port: 65535, external_service_port: 65535, protocol: 'tcp' }],
        [2, { internal_service_port: 0, external_service_port: 0, protocol: 'any' }],
      ] as const) {
        const created = await dnat.create(service, {
          nat_gateway_id: gateway,
          port_id: port(n),
          floating_ip_id: eip(n),
          ...ports,
        });
        assert.equal(created.statusCode, 201, created.body);
        made.dnat_rules?.push(created.json().dnat_rule);
      }
      for (const source of [
        { network_id: subnet(1), floating_ip_id: eip(3) },
        { cidr: '172.31.0.0/16', source_type: 1, floating_ip_id: eip(4) },
      ]) {
        const created = await snat.create(service, { nat_gateway_id: gateway, ...source });
        assert.equal(created.statusCode, 201, created.body);
        made.snat_rules?.push(created.json().snat_rule);
      }
    });
    after(() => service.close());

    test(
      "answers every integer filter's values outside its range or not decimal with the page's 400",
      bounded,
      async () => {
        // What the routes declare, from the OpenAPI document: exactly the filters of the table.
        const document = (await service.app.inject({ url: '/openapi.json' })).json() as {
          paths: Record<
            string,
            {
              get?: {
                parameters?: {
                  in: string;
                  name: string;
                  schema: { type: string; items?: { type: string } };
                }[];
              };
            }
          >;
        };
        const declared: Record<string, string[]> = {};
        for (const [path, operations] of Object.entries(document.paths)) {
          const integers = (operations.get?.parameters ?? [])
            // A filter may be repeated: integers.
            .filter((parameter) => parameter.in === 'query' && parameter.schema.items?.type === 'integer')
            .map((parameter) => parameter.name);
          if (integers.length > 0) declared[path] = integers.sort();
        }
        const expected: Record<string, string[]> = {};
        for (const form of forms)
          for (const [list, filters] of Object.entries(ranges))
            if (Object.keys(filters).length > 0)
              expected[form(list).replace(project, '{project_id}')] = Object.keys(filters).sort();
        assert.deepEqual(declared, expected);

        for (const form of forms)
          for (const [list, filters] of Object.entries(ranges))
            for (const [name, [minimum, maximum]] of Object.entries(filters))
              for (const value of [...badValues, String(minimum - 1), String(maximum + 1)]) {
                const url = `${form(list)}?${name}=${encodeURIComponent(value)}`;
                const response = await service.as('demo', { url });
                assertError(response, 400, 'NAT.0002');
                assert.equal(response.json().error.message, 'Invalid parameters.', url);
                // The value, or the first of the values the filter may be given.
                assert.match(
                  response.json().error.details[0].field,
                  new RegExp(`^querystring\\.${name}(\\.0)?$`),
                  url,
                );
              }
      },
    );

    test("takes a query parameter named after an object's own members as no filter", bounded, async () => {
      // `valueOf`, `constructor` and the like are members of every object: no list has such a filter.
      const names = ['valueOf', 'constructor', 'toString', 'hasOwnProperty', '__proto__', 'isPrototypeOf'];
      for (const form of forms)
        for (const list of Object.keys(ranges)) {
          const all = await service.as('demo', { url: form(list) });
          assert.equal(all.statusCode, 200, all.body);
          for (const name of names) {
            const url = `${form(list)}?${name}=1`;
            const response = await service.as('demo', { url });
            assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
            assert.deepEqual(response.json(), all.json(), url);
          }
        }
    });

    test("finds the rules at each edge of the field's range", bounded, async () => {
      for (const form of forms)
        for (const [list, filters] of Object.entries(ranges))
          for (const [name, edges] of Object.entries(filters))
            for (const edge of edges) {
              const url = `${form(list)}?nat_gateway_id=${gateway}&${name}=${edge}`;
              const response = await service.as('demo', { url });
              assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
              const found = response
                .json()
                [list].map((rule: { id: string }) => rule.id)
                .sort();
              const expected = (made[list] ?? [])
                .filter((rule) => rule[name] === edge)
                .map((rule) => rule.id)
                .sort();
              assert.ok(expected.length > 0, `no rule has ${name}=${edge}`);
              assert.deepEqual(found, expected, url);
            }
    });
  });
}
