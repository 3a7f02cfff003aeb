import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { languages, parseErrorBody, placeholdersOf } from 'statuskit';
import { passwordAuthBody } from 'statuskit/client';
import { texts } from '../src/messages.js';
import { engines, startService, type TestService } from './harness.js';

const chinese = /\p{Script=Han}/u;
const zh = { 'accept-language': 'zh-CN,zh;q=0.9' };

describe('the messages natgw writes itself', () => {
  for (const [key, templates] of Object.entries(texts)) {
    test(`${key} has a form in every language of the catalog, Chinese in Chinese`, () => {
      for (const lang of languages) assert.ok(templates[lang], `${key} has no ${lang} form`);
      assert.match(templates['zh-CN'], chinese);
      assert.deepEqual(placeholdersOf(templates['zh-CN']), placeholdersOf(templates.en));
    });
  }
});

for (const engine of engines()) {
  describe(`natgw's everyday errors in Chinese on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(() => service.close());

    /** The errors a new user meets first, by who sends the request and what it is. */
    const everyday: [string, 'demo' | 'viewer' | null, InjectOptions][] = [
      ['an unknown route', 'demo', { url: '/v2.0/no_such_things' }],
      ['no token', null, { url: '/v2.0/nat_gateways' }],
      ['a bad token', null, { url: '/v2.0/nat_gateways', headers: { 'x-auth-token': 'abc.def' } }],
      [
        'a bad login',
        null,
        {
          method: 'POST',
          url: '/v3/auth/tokens',
          payload: passwordAuthBody({ username: 'demo', password: 'wrong', project: 'demo' }),
        },
      ],
      [
        'malformed JSON',
        'demo',
        {
          method: 'POST',
          url: '/v2.0/nat_gateways',
          headers: { 'content-type': 'application/json' },
          payload: '{"nat_gateway":',
        },
      ],
      [
        'a schema violation',
        'demo',
        { method: 'POST', url: '/v2.0/nat_gateways', payload: { nat_gateway: { name: 'x', spec: '1' } } },
      ],
      ['a bad limit', 'demo', { url: '/v2.0/nat_gateways?limit=0' }],
      ['a wrong method', 'demo', { method: 'PATCH', url: '/v2.0/nat_gateways' }],
      [
        'Accept: application/xml',
        'demo',
        { url: '/v2.0/nat_gateways', headers: { accept: 'application/xml' } },
      ],
      [
        'a read-only write',
        'viewer',
        { method: 'DELETE', url: '/v2.0/nat_gateways/0f0f0f0f-0000-4000-8000-000000000000' },
      ],
      ['an unknown method', 'demo', { method: 'PROPFIND' as 'GET', url: '/v2.0/nat_gateways' }],
    ];

    for (const [condition, user, request] of everyday) {
      test(`answers ${condition} in Chinese text, labelled zh-CN`, async () => {
        const asked = { ...request, headers: { ...(request.headers as object), ...zh } };
        const response = user ? await service.as(user, asked) : await service.app.inject(asked);
        assert.ok(response.statusCode >= 400, response.body);
        assert.equal(response.headers['content-language'], 'zh-CN', response.body);
        assert.match(String(parseErrorBody(response.body)?.message), chinese, response.body);
      });
    }

    test('answers ?limit=0 with the Chinese of its own message, not of the first of its code', async () => {
      for (const [url, code, message] of [
        ['/v2.0/nat_gateways?limit=0', 'NAT.0101', '查询 NAT 网关：limit 无效。'],
        ['/v2.0/dnat_rules?marker=nope', 'NAT.0301', '查询 DNAT 规则：marker 无效。'],
      ] as const) {
        const response = await service.as('demo', { url, headers: zh });
        assert.equal(response.statusCode, 400, response.body);
        assert.deepEqual(
          [parseErrorBody(response.body)?.code, parseErrorBody(response.body)?.message],
          [code, message],
        );
      }
    });

    test('answers a schema violation with the page code’s Chinese message, naming the field in the details', async () => {
      const response = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/nat_gateways',
        headers: zh,
        payload: { nat_gateway: { name: 'x', spec: '1', internal_network_id: 'y' } },
      });
      assert.equal(parseErrorBody(response.body)?.message, '参数无效。');
      assert.equal(response.json().error.details[0].field, 'nat_gateway.router_id');
    });
  });
}
