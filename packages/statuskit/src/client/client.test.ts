import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listen, send, type TestServer } from '../../test/servers.js';
import { type Client, createClient, targetUrl } from './index.js';

const bounded = { timeout: 5_000 };

describe('requests the client sends', () => {
  let server: TestServer;
  let client: Client;

  before(async () => {
    server = await listen((request, response) => {
      if (request.url?.endsWith('/broken-json')) {
        send(response, 200, '{"half":', { 'content-type': 'application/json' });
        return;
      }
      if (request.url?.endsWith('/text')) {
        send(response, 200, 'plain words', { 'content-type': 'text/plain' });
        return;
      }
      send(response, 200, { method: request.method, url: request.url, body: request.body });
    });
    client = createClient({
      baseUrl: `${server.url}/api/`,
      token: 'tok',
      headers: { 'User-Agent': 'statuskit-test', 'X-Extra': 'client' },
    });
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  test('a path is appended to the base URL’s path, and an absolute URL is used as it is', bounded, () => {
    const base = new URL('http://h:1/v3');
    assert.equal(targetUrl(base, '/auth/tokens').href, 'http://h:1/v3/auth/tokens');
    assert.equal(targetUrl(new URL('http://h:1/v3/'), 'auth/tokens').href, 'http://h:1/v3/auth/tokens');
    assert.equal(targetUrl(base, 'http://other:2/jobs/1').href, 'http://other:2/jobs/1');
    assert.equal(targetUrl(base, '/x', { a: 1, b: undefined, c: true }).href, 'http://h:1/v3/x?a=1&c=true');
  });

  test('an object body goes as JSON with its Content-Type, a string as it is', bounded, async () => {
    await client.post('/things', { name: 'x' });
    assert.equal(server.seen.at(-1)?.headers['content-type'], 'application/json');
    assert.equal(server.seen.at(-1)?.body, '{"name":"x"}');
    await client.put('/things/1', 'raw text', { headers: { 'content-type': 'text/plain' } });
    assert.equal(server.seen.at(-1)?.headers['content-type'], 'text/plain');
    assert.equal(server.seen.at(-1)?.body, 'raw text');
  });

  test('patch() sends PATCH with its body and resolves with the reply', bounded, async () => {
    const reply = await client.patch<{ method: string; body: string }>('/things/1', { name: 'y' });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.method, 'PATCH');
    assert.equal(server.seen.at(-1)?.method, 'PATCH');
    assert.equal(server.seen.at(-1)?.headers['content-type'], 'application/json');
    assert.equal(server.seen.at(-1)?.body, '{"name":"y"}');
  });

  test(
    'the token, Accept and the client’s headers go with every request, a request’s own headers over them',
    bounded,
    async () => {
      await client.get('/things', { headers: { 'x-extra': 'request' } });
      const headers = server.seen.at(-1)?.headers;
      assert.equal(headers?.['x-auth-token'], 'tok');
      assert.equal(headers?.accept, 'application/json');
      assert.equal(headers?.['user-agent'], 'statuskit-test');
      assert.equal(headers?.['x-extra'], 'request');
      assert.equal(server.seen.at(-1)?.url, '/api/things');
    },
  );

  test('a token for the Authorization header is sent as Bearer', bounded, async () => {
    const bearer = createClient({ baseUrl: server.url, token: 'tok', tokenHeader: 'Authorization' });
    try {
      await bearer.get('/x');
      assert.equal(server.seen.at(-1)?.headers.authorization, 'Bearer tok');
      assert.equal(server.seen.at(-1)?.headers['x-auth-token'], undefined);
    } finally {
      await bearer.close();
    }
  });

  test('a body that is not JSON is given as text', bounded, async () => {
    assert.equal(await client.get('/text'), 'plain words');
  });

  test('a 200 whose JSON is broken throws a TypeError naming the request', bounded, async () => {
    await assert.rejects(client.get('/broken-json'), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /^GET http:\/\/127\.0\.0\.1:\d+\/api\/broken-json answered 200/);
      return true;
    });
  });
});
