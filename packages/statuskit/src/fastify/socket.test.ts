import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testApp } from '../../test/fastify-app.js';
import { parseErrorBody } from '../index.js';

// Node acts on these before any route sees the request, so they are tried over real sockets.
let app: FastifyInstance;
let port: number;

before(async () => {
  ({ app } = await testApp({ timeouts: { headers: 500, request: 1000, checkInterval: 100 } }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
});
after(() => app.close());

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

/** Sends raw bytes (the first chunk at once, the rest one byte every `drip` ms) and reads what comes back. */
function raw(
  first: string,
  options: { drip?: string; every?: number; keepOpen?: boolean } = {},
): Promise<RawAnswer[]> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (chunk) => {
      received += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearInterval(timer);
      resolve(parseAnswers(received, Date.now() - started));
    });
    socket.write(first);
    const drip = [...(options.drip ?? '')];
    if (drip.length > 0) {
      timer = setInterval(() => {
        const next = drip.shift();
        if (next !== undefined && socket.writable) socket.write(next);
      }, options.every ?? 100);
    } else if (!options.keepOpen) {
      socket.end();
    }
  });
}

function parseAnswers(text: string, ms: number): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1')) {
    const end = rest.indexOf('\r\n\r\n');
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [
        line.slice(0, line.indexOf(':')).toLowerCase(),
        line.slice(line.indexOf(':') + 1).trim(),
      ]),
    );
    const length = Number(headers['content-length'] ?? 0);
    answers.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: rest.slice(end + 4, end + 4 + length),
      ms,
    });
    rest = rest.slice(end + 4 + length);
  }
  return answers;
}

function contractBody(answer: RawAnswer | undefined) {
  const parsed = parseErrorBody(answer?.body);
  assert.equal(parsed?.dialect, 'error', answer?.body);
  assert.equal(parsed?.requestId, answer?.headers['x-request-id']);
  assert.equal(answer?.headers['x-openstack-request-id'], answer?.headers['x-request-id']);
  return parsed;
}

describe('answers from the socket', () => {
  test("answers a method token Node's parser rejects with 501, keeping the request id", async () => {
    const [answer] = await raw('FOO /items HTTP/1.1\r\nHost: x\r\nX-Request-Id: probe-1\r\n\r\n');
    assert.equal(answer?.status, 501);
    assert.equal(contractBody(answer)?.requestId, 'probe-1');
  });

  test('answers CONNECT with 501', async () => {
    const [answer] = await raw('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', {
      keepOpen: true,
    });
    assert.equal(answer?.status, 501);
    contractBody(answer);
  });

  test('answers headers sent too slowly with 408 on time', async () => {
    const [answer] = await raw('GET /items/1 HTTP/1.1\r\nHost: x\r\n', {
      drip: 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      every: 100,
    });
    assert.equal(answer?.status, 408);
    contractBody(answer);
    assert.ok(answer && answer.ms >= 400 && answer.ms < 1500, `${answer?.ms} ms`);
  });

  test('answers a body sent too slowly with 408 on time', async () => {
    const [answer] = await raw(
      'POST /items HTTP/1.1\r\nHost: x\r\nX-Auth-Token: rw\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{',
      {
        drip: '"item": {"name": "slow"}}'.padEnd(199),
        every: 50,
      },
    );
    assert.equal(answer?.status, 408);
    contractBody(answer);
    assert.ok(answer && answer.ms >= 900 && answer.ms < 2000, `${answer?.ms} ms`);
  });

  test('serves other clients while slow ones wait for their 408', async () => {
    const slow = Array.from({ length: 20 }, () =>
      raw('GET /items/1 HTTP/1.1\r\nHost: x\r\n', { drip: 'X-A: bbbbbbbbbbbbbbbbbb', every: 100 }),
    );
    const started = Date.now();
    const fast = await fetch(`http://127.0.0.1:${port}/items/1`, { headers: { 'x-auth-token': 'rw' } });
    assert.equal(fast.status, 200);
    assert.ok(Date.now() - started < 300);
    for (const [answer] of await Promise.all(slow)) assert.equal(answer?.status, 408);
  });

  test("answers oversized headers with the profile's fallback for 431, 400", async () => {
    const [answer] = await raw(`GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.equal(answer?.status, 400);
    contractBody(answer);
  });

  test('answers an HTTP/1.1 request without Host with the contract’s 400, and HTTP/1.0 without it normally', async () => {
    const [answer] = await raw('GET /items/1 HTTP/1.1\r\nX-Auth-Token: rw\r\nConnection: close\r\n\r\n');
    assert.equal(answer?.status, 400);
    assert.match(contractBody(answer)?.message ?? '', /Host/);
    assert.ok(answer?.headers['x-request-id']);
    const [old] = await raw('GET /items/1 HTTP/1.0\r\nX-Auth-Token: rw\r\n\r\n');
    assert.equal(old?.status, 200);
  });

  test('lets a client still sending a too-large body read its 400 before the connection closes', async () => {
    // Node destroys the socket once the answer is written; bytes still coming in then meet a
    // reset, and a client that reads only after writing (as many do) loses the answer.
    const body = Buffer.alloc(1024 * 1024, 'a');
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) {
      answers.push(
        await new Promise<string>((resolve) => {
          const socket = net.connect(port, '127.0.0.1');
          let received = '';
          socket.on('data', (chunk) => {
            received += chunk;
          });
          socket.on('error', (error: NodeJS.ErrnoException) => resolve(received || String(error.code)));
          socket.on('close', () => resolve(received));
          socket.pause();
          socket.write(
            `POST /items HTTP/1.1\r\nHost: x\r\nX-Auth-Token: rw\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
          );
          // The server has answered and ended its side by now; the body follows, then the reading.
          wait(100).then(() => socket.end(body, () => wait(100).then(() => socket.resume())));
        }),
      );
    }
    for (const answer of answers) assert.match(answer.slice(0, 40), /^HTTP\/1\.1 400 /);
  });

  test('answers a malformed request line with 400', async () => {
    const [answer] = await raw('GET /items/1 HTTP/9\r\n\r\n');
    assert.equal(answer?.status, 400);
    contractBody(answer);
  });
});

describe('graceful shutdown', () => {
  test('finishes the request in flight with Connection: close, and the server is closed right after', async () => {
    const { app: closing } = await testApp();
    await closing.listen({ host: '127.0.0.1', port: 0 });
    const address = closing.server.address() as AddressInfo;
    const socket = net.connect(address.port, '127.0.0.1');
    const answers = new Promise<RawAnswer[]>((resolve) => {
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk;
      });
      socket.on('close', () => resolve(parseAnswers(received, 0)));
    });
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const closed = closing.close();
    const [first] = await answers;
    await closed;
    assert.equal(first?.status, 200);
    // A connection busy when closing began must not stay open, idle, holding the close.
    assert.equal(first?.headers.connection, 'close');
    assert.ok(Date.now() - started < 1_000, `closed after ${Date.now() - started} ms`);
  });

  test('refuses new connections at once but answers the next request on an idle keep-alive one with 503', async () => {
    const { app: closing } = await testApp({ timeouts: { drain: 2_000 } });
    await closing.listen({ host: '127.0.0.1', port: 0 });
    const address = closing.server.address() as AddressInfo;
    const socket = net.connect(address.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk;
    });
    const ended = new Promise((resolve) => socket.on('close', resolve));
    const request = 'GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Auth-Token: rw\r\n\r\n';
    socket.write(request);
    while (!received.includes('\r\n\r\n{')) await new Promise((resolve) => setTimeout(resolve, 10));

    // The connection is idle now; Node's own close would cut it, and a request sent on it at
    // that moment would be lost.
    const started = Date.now();
    const closed = closing.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await new Promise<string>((resolve) => {
      const fresh = net.connect(address.port, '127.0.0.1');
      fresh.on('connect', () => resolve('connected'));
      fresh.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED');
    socket.write(request);
    await ended;
    await closed;
    const [first, second] = parseAnswers(received, 0);
    assert.equal(first?.status, 200);
    assert.equal(second?.status, 503);
    assert.equal(second?.headers.connection, 'close');
    assert.ok(second?.headers['retry-after']);
    assert.ok(
      Date.now() - started < 1_500,
      `closed ${Date.now() - started} ms after the last connection ended`,
    );
  });

  test('answers a request that comes in while draining with 503, Retry-After and Connection: close', async () => {
    const { app: draining } = await testApp();
    draining.statuskit.draining = true;
    const response = await draining.inject({ url: '/items/1', headers: { 'x-auth-token': 'rw' } });
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers.connection, 'close');
    assert.ok(response.headers['retry-after']);
    draining.statuskit.draining = false;
    await draining.close();
  });
});

describe('in-flight accounting', () => {
  test('frees the slot of a request whose client went away before the answer', async () => {
    const { app: counted } = await testApp({ overload: { maxInFlight: 5 } });
    await counted.listen({ host: '127.0.0.1', port: 0 });
    const { port: countedPort } = counted.server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      const socket = net.connect(countedPort, '127.0.0.1', () => {
        socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(counted.statuskit.inFlight, 0);
    await counted.close();
  });
});
