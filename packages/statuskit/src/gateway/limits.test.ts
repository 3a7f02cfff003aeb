import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { accepted, silentClients, stillOpenAfter } from '../../test/silent-clients.js';
import { closedAfterwards, httpUpstream, type Running, startGateway } from '../../test/upstreams.js';

const bounded = { timeout: 10_000 };
const { track, gateway } = closedAfterwards();

async function upstream(
  handler: Parameters<typeof httpUpstream>[0],
): Promise<Running & { seen: { url: string }[] }> {
  return track(await httpUpstream(handler));
}

/** Writes `bytes` on one connection and reads until the server closes it. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => Number(match[1]));

describe('what a client cannot make the gateway hold', () => {
  test(
    'holds bodies only within its body budget: past it 503 with Retry-After, and the budget comes back',
    bounded,
    async () => {
      const slow = await upstream((_request, response) => {
        setTimeout(() => response.end('{}'), 300);
      });
      const { url } = await gateway({ upstreams: [slow.url], bodyLimit: 1000, bodyBudget: 1500 });
      const post = () =>
        fetch(`${url}/things`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: 'x'.repeat(800),
        });
      const [first, second] = await Promise.all([post(), post()]);
      assert.deepEqual([first?.status, second?.status].sort(), [200, 503]);
      const refused = first?.status === 503 ? first : second;
      assert.equal(refused?.headers.get('retry-after'), '1');
      assert.equal(slow.seen.length, 1, 'the refused body never went upstream');
      assert.equal((await post()).status, 200);
    },
  );

  test(
    'destroys a connection its client keeps half-open a linger after the 408, so that new clients get in',
    bounded,
    async () => {
      const echo = await upstream((_request, response) => response.end('{}'));
      const linger = 300;
      const { app, url, port } = await gateway({
        upstreams: [echo.url],
        maxConnections: 8,
        clientTimeouts: { headers: 300, request: 600, checkInterval: 50, linger },
      });
      const held = accepted(app.server);
      const silent = silentClients(port, 12);
      try {
        const statuses = await silent.statuses;
        assert.equal(statuses.filter((status) => status === 408).length, 8, String(statuses));
        assert.equal(await stillOpenAfter(held, linger + 1_000), 0, 'half-closed connections still held');
        const answer = await fetch(`${url}/things`, { signal: AbortSignal.timeout(2_000) });
        assert.equal(answer.status, 200);
      } finally {
        silent.close();
      }
    },
  );

  test('refuses a body budget smaller than the body limit', async () => {
    await assert.rejects(
      startGateway({ upstreams: ['http://127.0.0.1:1'], bodyLimit: 2000, bodyBudget: 1000 }),
      /bodyBudget \(1000\) must be at least bodyLimit \(2000\)/,
    );
  });

  test('answers two Host lines with 400 and forwards nothing', bounded, async () => {
    const echo = await upstream((_request, response) => response.end('{}'));
    const { port } = await gateway({ upstreams: [echo.url] });
    const answer = await exchange(
      port,
      'GET /x HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n',
    );
    assert.deepEqual(statuses(answer), [400]);
    assert.equal(echo.seen.length, 0);
  });

  test('answers Transfer-Encoding: gzip, chunked with 501 and forwards nothing', bounded, async () => {
    const echo = await upstream((_request, response) => response.end('{}'));
    const { port } = await gateway({ upstreams: [echo.url] });
    const answer = await exchange(
      port,
      'POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    );
    assert.deepEqual(statuses(answer), [501]);
    assert.equal(echo.seen.length, 0);
  });
});

describe('pipelining', () => {
  test(
    'sends pipelined requests upstream in order when one is unsafe (RFC 9112 §9.3.2)',
    bounded,
    async () => {
      const log: string[] = [];
      const service = await upstream((request, response) => {
        if (request.method === 'POST') {
          setTimeout(() => {
            log.push('POST answered');
            response.end('{}');
          }, 200);
        } else {
          log.push(`${request.method} arrived`);
          response.end('{}');
        }
      });
      const { port } = await gateway({ upstreams: [service.url] });
      const answer = await exchange(
        port,
        'POST /things HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}' +
          'GET /things HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      );
      assert.deepEqual(statuses(answer), [200, 200]);
      assert.deepEqual(log, ['POST answered', 'GET arrived']);
    },
  );
});
