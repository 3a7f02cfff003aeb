import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { outstanding, pipelining } from '../../test/pipelining-client.js';
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

  test(
    'takes a body that fits the budget left exactly: with the budget at the body limit, a chunked body on an idle gateway',
    bounded,
    async () => {
      const echo = await upstream((_request, response) => response.end('{}'));
      const { port } = await gateway({ upstreams: [echo.url], bodyLimit: 1000, bodyBudget: 1000 });
      // A chunked body takes the whole limit before it is read: all of the budget.
      const chunked = await exchange(
        port,
        'POST /x HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nab\r\n0\r\n\r\n',
      );
      assert.deepEqual(statuses(chunked), [200], chunked);
      const declared = await exchange(
        port,
        `POST /x HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n${'x'.repeat(1000)}`,
      );
      assert.deepEqual(statuses(declared), [200], declared);
      assert.deepEqual(
        echo.seen.map((seen) => seen.url),
        ['/x', '/x'],
      );
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

  /** An upstream that holds every `/n/…` request until `open()`, and answers anything else at once. */
  async function gated() {
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const service = await upstream((request, response) => {
      if (!request.url?.startsWith('/n/')) return response.end('{}');
      gate.then(() => response.end(JSON.stringify({ url: request.url })));
    });
    return { service, open };
  }

  for (const [way, body] of [
    ['the fast lane', ''],
    ['Fastify', 'Content-Length: 2\r\n\r\n{}'],
  ] as const) {
    test(
      `lets one connection pipelining thousands of GETs through ${way} take its share of the slots: others get 200, it gets every answer in order`,
      bounded,
      async () => {
        const { service, open } = await gated();
        const { app, url, port } = await gateway({ upstreams: [service.url], maxInFlight: 64 });
        const most = outstanding(app.server);
        const count = 5_000;
        const flood = pipelining(
          port,
          Array.from({ length: count }, (_, i) => `GET /n/${i} HTTP/1.1\r\nHost: a\r\n${body || '\r\n'}`),
        );
        try {
          while (most() < 16) await new Promise((resolve) => setTimeout(resolve, 10));
          const others = await Promise.all(
            Array.from({ length: 4 }, async () => {
              const seen: number[] = [];
              for (let i = 0; i < 10; i++) seen.push((await fetch(`${url}/other`)).status);
              return seen;
            }),
          );
          assert.deepEqual(others.flat(), Array(40).fill(200));
          open();
          const answers = await flood.read();
          assert.equal(answers.length, count);
          assert.deepEqual(
            answers
              .filter((answer, i) => answer.status !== 200 || answer.body !== `{"url":"/n/${i}"}`)
              .slice(0, 3)
              .map((answer) => answer.body),
            [],
          );
        } finally {
          open();
          flood.close();
        }
      },
    );

    test(
      `gives back the slots of requests pipelined through ${way} whose client went away`,
      bounded,
      async () => {
        const { service, open } = await gated();
        const { app, port } = await gateway({ upstreams: [service.url], maxInFlight: 64 });
        const socket = net.connect(port, '127.0.0.1');
        socket.write(`GET /n/1 HTTP/1.1\r\nHost: a\r\n${body || '\r\n'}`.repeat(20));
        while (app.statuskit.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        socket.destroy();
        // Not reading the connection, the gateway learns the client is gone when it answers.
        open();
        for (const until = Date.now() + 1_000; app.statuskit.inFlight > 0 && Date.now() < until; )
          await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(app.statuskit.inFlight, 0);
      },
    );
  }
});
