import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { getProfile, isContractError, ProxyAuthenticationRequiredError } from 'statuskit';
import { createClient, responseOf } from 'statuskit/client';
import { createGateway } from 'statuskit/gateway';
import { startProxy, type TestProxy } from '../../../packages/statuskit/test/servers.js';
import { startService, type TestService } from '../harness.js';

const bounded = { timeout: 8_000 };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('no error was thrown');
}

describe('through an HTTP proxy', () => {
  let service: TestService;
  let natgw: string;
  let token: string;
  let proxy: TestProxy;
  let proxyPort: number;

  before(async () => {
    service = await startService('sqlite');
    natgw = await service.app.listen({ host: '127.0.0.1', port: 0 });
    service.config.publicUrl = natgw;
    token = await service.token('demo');
    proxy = await startProxy('user:s3cret');
    proxyPort = proxy.port;
  });
  after(async () => {
    await proxy.close();
    await service.close();
  });

  test('a request with the proxy’s credentials reaches natgw in absolute-form', bounded, async () => {
    const client = createClient({
      baseUrl: natgw,
      token,
      proxy: `http://user:s3cret@127.0.0.1:${proxyPort}`,
    });
    try {
      const before = proxy.seen.length;
      const reply = await client.request('GET', '/v2.0/nat_gateways', { requestId: 'via-proxy-1' });
      assert.deepEqual(reply.body, { nat_gateways: [] });
      const seen = proxy.seen.slice(before);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.url, `${natgw}/v2.0/nat_gateways`);
      assert.equal(seen[0]?.headers['x-request-id'], 'via-proxy-1');
      assert.equal(reply.requestId, 'via-proxy-1', 'natgw sent the id back through the proxy');
    } finally {
      await client.close();
    }
  });

  test('a Proxy-Authorization given as a token is sent as it is', bounded, async () => {
    const client = createClient({
      baseUrl: natgw,
      token,
      proxy: {
        url: `http://127.0.0.1:${proxyPort}`,
        token: `Basic ${Buffer.from('user:s3cret').toString('base64')}`,
      },
    });
    try {
      assert.deepEqual(await client.get('/v2.0/nat_gateways'), { nat_gateways: [] });
    } finally {
      await client.close();
    }
  });

  test(
    'a 407 from the proxy throws ProxyAuthenticationRequiredError with its Proxy-Authenticate challenge',
    bounded,
    async () => {
      const client = createClient({
        baseUrl: natgw,
        token,
        proxy: `http://user:wrong@127.0.0.1:${proxyPort}`,
      });
      try {
        const before = proxy.seen.length;
        const error = await rejection(client.get('/v2.0/nat_gateways'));
        assert.ok(error instanceof ProxyAuthenticationRequiredError, String(error));
        assert.equal(error.status, 407);
        assert.equal(error.headers?.['proxy-authenticate'], 'Basic realm="test-proxy", charset="UTF-8"');
        assert.equal(
          error.message,
          getProfile('nat').text(407).description,
          'plain text: the catalog’s text',
        );
        assert.equal(responseOf(error)?.body, 'Proxy credentials, please.');
        assert.equal(proxy.seen.length - before, 1, 'a 407 is not retried');
      } finally {
        await client.close();
      }
    },
  );

  test(
    'an https target is tunnelled with CONNECT, and a 407 to it throws ProxyAuthenticationRequiredError',
    bounded,
    async () => {
      const client = createClient({
        baseUrl: 'https://nat.invalid:8443',
        proxy: `http://127.0.0.1:${proxyPort}`,
      });
      try {
        const error = await rejection(client.get('/anything'));
        assert.ok(error instanceof ProxyAuthenticationRequiredError, String(error));
        assert.deepEqual(proxy.connects.slice(-1), ['nat.invalid:8443']);
      } finally {
        await client.close();
      }
    },
  );
});

describe('through the statuskit gateway as the proxy', () => {
  let service: TestService;
  let natgw: string;
  let gateway: FastifyInstance;
  let gatewayUrl: string;
  let token: string;

  before(async () => {
    service = await startService('sqlite');
    natgw = await service.app.listen({ host: '127.0.0.1', port: 0 });
    token = await service.token('demo');
    gateway = await createGateway({ upstreams: [natgw], proxyAuth: 'gw:pw' });
    gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await gateway.close();
    await service.close();
  });

  test(
    'the gateway’s 407 throws ProxyAuthenticationRequiredError with its challenge, code and request id',
    bounded,
    async () => {
      const client = createClient({ baseUrl: natgw, token, proxy: gatewayUrl });
      try {
        const error = await rejection(client.request('GET', '/v2.0/nat_gateways', { requestId: 'gw-407' }));
        assert.ok(error instanceof ProxyAuthenticationRequiredError, String(error));
        assert.match(error.headers?.['proxy-authenticate'] ?? '', /^Basic realm="statuskit"/);
        assert.equal(error.code, 'SK.0407');
        assert.equal(error.requestId, 'gw-407');
        assert.ok(isContractError(error));
      } finally {
        await client.close();
      }
    },
  );

  test('with the gateway’s credentials the request reaches natgw through it', bounded, async () => {
    const client = createClient({ baseUrl: natgw, token, proxy: `http://gw:pw@${new URL(gatewayUrl).host}` });
    try {
      assert.deepEqual(await client.get('/v2.0/nat_gateways'), { nat_gateways: [] });
    } finally {
      await client.close();
    }
  });
});
