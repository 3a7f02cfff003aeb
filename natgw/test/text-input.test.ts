import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

const maxMatches = 20;

import { assertError, createGateway, engines, project, startService, type TestService } from './harness.js';

const resourceInstances = `/v2.0/${project}/nat_gateways/resource_instances/action`;
const tagsOf = (gateway: string) => `/v2.0/${project}/nat_gateways/${gateway}/tags`;

for (const engine of engines()) {
  describe(`text input on ${engine}`, () => {
    let service: TestService;
    let gateway: string;
    before(async () => {
      service = await startService(engine);
      gateway = await createGateway(service);
    });
    after(() => service.close());

    test(`a tag query with more than ${maxMatches} matches is 400 naming matches, up to 15 000 of them`, async () => {
      for (const count of [maxMatches + 1, 1_000, 15_000]) {
        const response = await service.as('demo', {
          method: 'POST',
          url: resourceInstances,
          payload: {
            action: 'filter',
            matches: Array.from({ length: count }, (_, index) => ({
              key: 'resource_name',
              value: `n${index}`,
            })),
          },
        });
        assertError(response, 400, 'NAT.0002');
        assert.equal(response.json().error.message, 'Invalid parameters.');
        assert.equal(response.json().error.details[0].field, 'matches');
      }
      const most = await service.as('demo', {
        method: 'POST',
        url: resourceInstances,
        payload: {
          action: 'count',
          matches: Array.from({ length: maxMatches }, () => ({ key: 'resource_name', value: 'nat' })),
        },
      });
      assert.equal(most.statusCode, 200, most.body);
    });

    test('a NUL character in a description, a list filter or a marker is 400 NAT.0002 naming the field', async () => {
      const create = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/nat_gateways',
        payload: {
          nat_gateway: {
            name: 'nul_description',
            description: 'a\u0000b',
            spec: '1',
            router_id: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
            internal_network_id: '89d66639-aacb-4929-969d-07080b0f9fd9',
          },
        },
      });
      assertError(create, 400, 'NAT.0002');
      assert.equal(create.json().error.details[0].field, 'nat_gateway.description');
      const update = await service.as('demo', {
        method: 'PUT',
        url: `/v2.0/nat_gateways/${gateway}`,
        payload: { nat_gateway: { description: '\u0000' } },
      });
      assertError(update, 400, 'NAT.0002');
      for (const query of ['description=%00', 'marker=a%00b', 'status=ACTIVE%00']) {
        for (const kind of ['nat_gateways', 'snat_rules', 'dnat_rules']) {
          const response = await service.as('demo', { url: `/v2.0/${kind}?${query}` });
          assertError(response, 400, 'NAT.0002');
        }
      }
      const list = await service.as('demo', { url: '/v2.0/nat_gateways' });
      assert.equal(list.statusCode, 200);
    });

    test('a NUL character in a tag key, a tag filter or a match is 400 NAT.1015, the tags page’s code', async () => {
      const requests = [
        { method: 'POST', url: tagsOf(gateway), payload: { tag: { key: 'k\u0000', value: 'v' } } },
        { method: 'DELETE', url: `${tagsOf(gateway)}/k%00` },
        {
          method: 'POST',
          url: `${tagsOf(gateway)}/action`,
          payload: { action: 'delete', tags: [{ key: 'k\u0000' }] },
        },
        {
          method: 'POST',
          url: resourceInstances,
          payload: { action: 'filter', tags: [{ key: 'k\u0000', values: [] }] },
        },
        {
          method: 'POST',
          url: resourceInstances,
          payload: { action: 'count', not_tags_any: [{ key: 'k', values: ['*\u0000'] }] },
        },
        {
          method: 'POST',
          url: resourceInstances,
          payload: { action: 'filter', matches: [{ key: 'resource_name', value: '\u0000' }] },
        },
      ] as const;
      for (const request of requests) {
        const response = await service.as('demo', request);
        assertError(response, 400, 'NAT.1015');
      }
    });

    test('a lone UTF-16 surrogate in a tag is 400, while a surrogate pair counts as one character', async () => {
      // JSON carries lone surrogates as \uXXXX escapes; a JavaScript string holds them as they are.
      const bodies = [
        '{"tag":{"key":"k\\ud800","value":"v"}}',
        '{"tag":{"key":"\\udc00k","value":"v"}}',
        '{"tag":{"key":"k","value":"v\\udbff"}}',
        `{"tag":{"key":"${'k'.repeat(35)}\\ud83d","value":"v"}}`,
      ];
      for (const payload of bodies) {
        const response = await service.as('demo', {
          method: 'POST',
          url: tagsOf(gateway),
          headers: { 'content-type': 'application/json' },
          payload,
        });
        assertError(response, 400, 'NAT.1015');
      }
      const pair = await service.as('demo', {
        method: 'POST',
        url: tagsOf(gateway),
        payload: { tag: { key: `${'k'.repeat(35)}\u{1F600}`, value: 'v' } },
      });
      assert.equal(pair.statusCode, 204, pair.body);
      const listed = await service.as('demo', { url: tagsOf(gateway) });
      assert.deepEqual(listed.json().tags, [{ key: `${'k'.repeat(35)}\u{1F600}`, value: 'v' }]);
    });
  });
}
