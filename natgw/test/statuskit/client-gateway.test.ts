import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { BadGatewayError, GatewayTimeoutError, NotFoundError } from 'statuskit';
import { createClient, type RetryEvent, responseOf } from 'statuskit/client';
import { createGateway } from 'statuskit/gateway';
import { listen, send } from '../../../packages/statuskit/test/servers.js';
import { startService, type TestService, thrown } from '../harness.js';

const bounded = { timeout: 8_000 };

/** A TCP server that answers its first `garbage` connections with bytes that are not HTTP, then a JSON 200. */
async function flakyUpstream(
  garbage: number,
): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const nth = ++count;
    socket.once('data', () => {
      if (nth <= garbage) {
        socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n');
        return;
      }
      socket.end(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{"ok":true}',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('the client through the statuskit gateway', () => {
  let service: TestService;
  let gateway: FastifyInstance;
  let gatewayUrl: string;
  let token: string;

  before(async () => {
    service = await startService('sqlite');
    const natgw = await service.app.listen({ host: '127.0.0.1', port: 0 });
    token = await service.token('demo');
    gateway = await createGateway({ upstreams: [natgw] });
    gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await gateway.close();
    await service.close();
  });

  test('a natgw error comes through the gateway with its class, code and request id', bounded, async () => {
    const nat = createClient({ baseUrl: gatewayUrl, token });
    try {
      const id = '5b3e8cb8-5d32-4b59-9c9f-1f1e3c8b7a01';
      const error = await thrown(
        nat.request('GET', `/v2.0/nat_gateways/${id}`, { requestId: 'req-through-gw' }),
      );
      assert.ok(error instanceof NotFoundError);
      assert.equal(error.code, 'NAT.0105');
      assert.equal(error.requestId, 'req-through-gw');
    } finally {
      await nat.close();
    }
  });

  test('the gateway’s 502 for an upstream that speaks no HTTP throws BadGatewayError', bounded, async () => {
    const upstream = await flakyUpstream(Number.POSITIVE_INFINITY);
    const front = await createGateway({ upstreams: [upstream.url] });
    const frontUrl = await front.listen({ host: '127.0.0.1', port: 0 });
    const client = createClient({ baseUrl: frontUrl, retry: false });
    try {
      const error = await thrown(client.get('/anything'));
      assert.ok(error instanceof BadGatewayError);
      assert.equal(responseOf(error)?.status, 502);
    } finally {
      await client.close();
      await front.close();
      await upstream.close();
    }
  });

  test(
    'a GET rides out the gateway’s 502 and then its 503 with Retry-After until the upstream is back',
    bounded,
    async () => {
      const upstream = await flakyUpstream(1);
      const front = await createGateway({ upstreams: [upstream.url], health: { downFor: 1_000 } });
      const frontUrl = await front.listen({ host: '127.0.0.1', port: 0 });
      const events: RetryEvent[] = [];
      const client = createClient({
        baseUrl: frontUrl,
        random: () => 0,
        onRetry: (event) => events.push(event),
      });
      try {
        assert.deepEqual(await client.get('/anything'), { ok: true });
        assert.deepEqual(
          events.map((event) => [event.failure.kind === 'status' ? event.failure.status : 0, event.basis]),
          [
            [502, 'backoff'],
            [503, 'retry-after'],
          ],
        );
        assert.equal(upstream.connections(), 2);
      } finally {
        await client.close();
        await front.close();
        await upstream.close();
      }
    },
  );

  test('the gateway’s 504 for an upstream too slow throws GatewayTimeoutError', bounded, async () => {
    const slow = await listen((_request, response) => {
      setTimeout(() => send(response, 200, { late: true }), 1_500);
    });
    const front = await createGateway({ upstreams: [slow.url], timeout: 200 });
    const frontUrl = await front.listen({ host: '127.0.0.1', port: 0 });
    const client = createClient({ baseUrl: frontUrl, retry: false });
    try {
      assert.ok((await thrown(client.get('/slow'))) instanceof GatewayTimeoutError);
    } finally {
      await client.close();
      await front.close();
      await slow.close();
    }
  });
});
