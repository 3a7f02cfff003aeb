import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { passwordAuthBody } from 'statuskit/client';
import { nestingPast } from '../src/json.js';
import { assertError, startService, type TestService } from './harness.js';

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('JSON bodies', () => {
  let service: TestService;
  before(async () => {
    service = await startService('sqlite');
  });
  after(() => service.close());

  const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
    service.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...headers },
      payload,
    });

  test('a token request over 16 KiB is 400 NAT.0002, however it is shaped', async () => {
    const padded = JSON.stringify({
      ...passwordAuthBody({ username: 'demo', password: 'demo-password', project: 'demo' }),
      pad: 'x'.repeat(16 * 1024),
    });
    for (const body of [padded, '['.repeat(1024 * 1024)]) {
      assertError(await post('/v3/auth/tokens', body), 400, 'NAT.0002');
    }
  });

  test('a token request within the limit still gets its token', async () => {
    const body = JSON.stringify(
      passwordAuthBody({ username: 'demo', password: 'demo-password', project: 'demo' }),
    );
    assert.equal((await post('/v3/auth/tokens', body)).statusCode, 201);
  });

  test('a body nested deeper than 32 levels is 400 NAT.0002 on the token route and on any other', async () => {
    const token = await service.token('demo');
    for (const [url, headers] of [
      ['/v3/auth/tokens', {}],
      ['/v2.0/nat_gateways', { 'x-auth-token': token }],
    ] as const) {
      for (const body of [deep(33), `{"a":${deep(40)}}`, '['.repeat(10_000)]) {
        const response = await post(url, body, headers);
        assertError(response, 400, 'NAT.0002');
        assert.equal(response.json().error.details[0].rule, 'depth');
      }
      // 32 levels are parsed, and the request fails its schema instead.
      const parsed = await post(url, `{"a":${deep(31)}}`, headers);
      assertError(parsed, 400, 'NAT.0002');
      assert.notEqual(parsed.json().error.details?.[0]?.rule, 'depth');
    }
  });

  test('brackets inside strings, escaped quotes included, do not count as nesting', () => {
    assert.equal(nestingPast(JSON.stringify({ a: '['.repeat(100) }), 2), false);
    assert.equal(nestingPast(JSON.stringify({ a: `\\"${'{'.repeat(100)}` }), 2), false);
    assert.equal(nestingPast(JSON.stringify({ a: '"', b: [[[]]] }), 3), true);
    assert.equal(nestingPast(deep(3), 3), false);
    assert.equal(nestingPast(deep(4), 3), true);
  });
});
