import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { testApp } from '../../test/fastify-app.js';
import { outstanding, pipelining } from '../../test/pipelining-client.js';
import { accepted, silentClients, stillOpenAfter } from '../../test/silent-clients.js';
import { parseErrorBody } from '../index.js';
import { type StatuskitOptions, serverOptions, statuskit } from './index.js';

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
  return rawTo(port, first, options);
}

/** `raw()` to another server's port; the connection is left open after `first` unless told. */
function rawTo(
  serverPort: number,
  first: string,
  options: { drip?: string; every?: number; keepOpen?: boolean } = { keepOpen: true },
): Promise<RawAnswer[]> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(serverPort, '127.0.0.1');
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

/** The plugin on a bare app, routes still to be added. */
async function bareApp(options: StatuskitOptions = {}): Promise<FastifyInstance> {
  const bare = Fastify(serverOptions());
  await bare.register(statuskit, options);
  return bare;
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

  test('answers two Host lines, or a Host that is not a host, with 400 (RFC 9112 §3.2)', async () => {
    for (const headers of [
      'Host: a.example\r\nHost: b.example\r\n',
      'Host: a.example\r\nhost: a.example\r\n',
      'Host: a b\r\n',
      'Host: a.example/admin\r\n',
      'Host: a.example:80:80\r\n',
    ]) {
      const [answer] = await raw(
        `GET /items/1 HTTP/1.1\r\n${headers}X-Auth-Token: rw\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(answer?.status, 400, headers);
      assert.match(contractBody(answer)?.message ?? '', /Host/);
    }
    for (const host of ['127.0.0.1:8080', '[::1]:80', 'api.example', 'xn--bcher-kva.example']) {
      const [answer] = await raw(
        `GET /items/1 HTTP/1.1\r\nHost: ${host}\r\nX-Auth-Token: rw\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(answer?.status, 200, host);
    }
  });

  test('answers a transfer coding other than chunked alone with 501 (RFC 9112 §6.1)', async () => {
    const body = '{"item":{"name":"gz"}}';
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const head =
      'POST /items HTTP/1.1\r\nHost: x\r\nX-Auth-Token: rw\r\nContent-Type: application/json\r\nConnection: close\r\n';
    const [coded] = await raw(`${head}Transfer-Encoding: gzip, chunked\r\n\r\n${chunked}`);
    assert.equal(coded?.status, 501);
    contractBody(coded);
    const [plain] = await raw(`${head}Transfer-Encoding: chunked\r\n\r\n${chunked}`);
    assert.equal(plain?.status, 201);
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
  test('counts a request with a body once the body is in: slow bodies leave the slots to work, and get their 408', async () => {
    const { app: counted } = await testApp({
      overload: { maxInFlight: 2 },
      timeouts: { headers: 500, request: 1000, checkInterval: 100 },
    });
    await counted.listen({ host: '127.0.0.1', port: 0 });
    const { port: countedPort } = counted.server.address() as AddressInfo;
    const slow = Array.from({ length: 4 }, () =>
      rawTo(
        countedPort,
        'POST /items HTTP/1.1\r\nHost: x\r\nX-Auth-Token: rw\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{',
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const work = await fetch(`http://127.0.0.1:${countedPort}/items/1`, {
      headers: { 'x-auth-token': 'rw' },
    });
    assert.equal(work.status, 200);
    for (const [answer] of await Promise.all(slow)) {
      assert.equal(answer?.status, 408);
      assert.ok(answer && answer.ms < 2000, `${answer?.ms} ms`);
    }
    await counted.close();
  });

  /** An app with one slot and a route that holds it 300 ms; `post` sends a JSON body to a path of it. */
  async function oneSlot() {
    const app = await bareApp({ overload: { maxInFlight: 1 } });
    app.post('/hold', async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return {};
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const post = (path: string) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    return { app, post };
  }

  test('still turns away a request past the limit once its body is in', async () => {
    const { app: counted, post } = await oneSlot();
    const statuses = (await Promise.all([post('/hold'), post('/hold')]))
      .map((answer) => answer.status)
      .sort();
    assert.deepEqual(statuses, [200, 503]);
    await counted.close();
  });

  test('leaves out a request with a body that no route takes: its 404 does no work', async () => {
    const { app: counted, post } = await oneSlot();
    const held = post('/hold');
    while (counted.statuskit.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal((await post('/nowhere')).status, 404);
    assert.equal((await post('/hold')).status, 503);
    assert.equal((await held).status, 200);
    await counted.close();
  });

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
  test('gives back the slots of pipelined requests whose client went away before their answers', async () => {
    const { app: counted } = await testApp({ overload: { maxInFlight: 64, maxEventLoopDelay: 0 } });
    await counted.listen({ host: '127.0.0.1', port: 0 });
    const { port: countedPort } = counted.server.address() as AddressInfo;
    const socket = net.connect(countedPort, '127.0.0.1');
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(20));
    while (counted.statuskit.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    socket.destroy();
    // Node closes only the answer it was writing; the ones queued behind it must give back theirs too.
    for (const until = Date.now() + 1_000; counted.statuskit.inFlight > 0 && Date.now() < until; )
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(counted.statuskit.inFlight, 0);
    await counted.close();
  });
});

describe('an empty body is no body', () => {
  const json = 'X-Auth-Token: rw\r\nContent-Type: application/json\r\n';
  // An app of its own, without the event-loop check that a busy test machine can trip.
  let own: FastifyInstance;
  const send = async (request: string) => {
    const [answer] = await rawTo((own.server.address() as AddressInfo).port, request, {});
    return answer;
  };
  before(async () => {
    ({ app: own } = await testApp({ overload: { maxEventLoopDelay: 0 } }));
    await own.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => own.close());

  for (const [framing, headers, body] of [
    ['no Content-Length', '', ''],
    ['Content-Length: 0', 'Content-Length: 0\r\n', ''],
    ['an empty chunked body', 'Transfer-Encoding: chunked\r\n', '0\r\n\r\n'],
  ] as const) {
    test(`serves a DELETE with Content-Type JSON and ${framing}`, async () => {
      const answer = await send(`DELETE /items/9 HTTP/1.1\r\nHost: x\r\n${json}${headers}\r\n${body}`);
      assert.equal(answer?.status, 204, answer?.body);
    });

    test(`serves a GET with Content-Type JSON and ${framing}`, async () => {
      const answer = await send(`GET /items/1 HTTP/1.1\r\nHost: x\r\n${json}${headers}\r\n${body}`);
      assert.equal(answer?.status, 200, answer?.body);
      assert.deepEqual(JSON.parse(answer?.body ?? ''), { item: { id: 1, name: 'one' } });
    });

    test(`answers a POST that needs a body with its schema's 400 when it has ${framing}`, async () => {
      const answer = await send(`POST /items HTTP/1.1\r\nHost: x\r\n${json}${headers}\r\n${body}`);
      assert.equal(answer?.status, 400, answer?.body);
      assert.equal(contractBody(answer)?.message, 'Invalid input for body: must be object (type).');
    });
  }

  test('still answers a body of only spaces as malformed JSON', async () => {
    const answer = await send(`POST /items HTTP/1.1\r\nHost: x\r\n${json}Content-Length: 2\r\n\r\n  `);
    assert.equal(answer?.status, 400);
    assert.match(contractBody(answer)?.message ?? '', /JSON/);
  });
});

describe('connections', () => {
  test('closes a connection past maxConnections as soon as it is accepted, and serves those it holds', async () => {
    const { app: capped } = await testApp({ overload: { maxConnections: 2 } });
    await capped.listen({ host: '127.0.0.1', port: 0 });
    const { port: cappedPort } = capped.server.address() as AddressInfo;
    const open = () =>
      new Promise<net.Socket>((resolve) => {
        const socket = net.connect(cappedPort, '127.0.0.1', () => resolve(socket));
        socket.on('error', () => {});
      });
    const held = [await open(), await open()];
    const extra = await open();
    const closed = await new Promise<boolean>((resolve) => {
      extra.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 1000);
    });
    assert.ok(closed, 'the connection past the cap was left open');
    const answer = await new Promise<string>((resolve) => {
      const socket = held[0] as net.Socket;
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk;
        if (received.includes('\r\n\r\n')) resolve(received);
      });
      socket.write('GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Auth-Token: rw\r\n\r\n');
    });
    assert.match(answer, /^HTTP\/1\.1 200 /);
    for (const socket of held) socket.destroy();
    await capped.close();
  });
});

describe('lingering close', () => {
  test('destroys a connection its client keeps half-open a linger after the 408, so that new clients get in', async () => {
    const linger = 300;
    const { app: capped } = await testApp({
      timeouts: { headers: 300, request: 600, checkInterval: 50, linger },
      overload: { maxConnections: 8, maxEventLoopDelay: 0 },
    });
    await capped.listen({ host: '127.0.0.1', port: 0 });
    const { port: cappedPort } = capped.server.address() as AddressInfo;
    const held = accepted(capped.server);
    const silent = silentClients(cappedPort, 12);
    try {
      const statuses = await silent.statuses;
      assert.equal(statuses.filter((status) => status === 408).length, 8, String(statuses));
      assert.equal(statuses.filter((status) => status === 0).length, 4, 'the ones past the cap were let in');
      // Their clients have read the 408 and keep their side open: the server lets go all the same.
      assert.equal(await stillOpenAfter(held, linger + 1_000), 0, 'half-closed connections still held');
      const answer = await fetch(`http://127.0.0.1:${cappedPort}/items/1`, {
        headers: { 'x-auth-token': 'rw' },
        signal: AbortSignal.timeout(2_000),
      });
      assert.equal(answer.status, 200);
    } finally {
      silent.close();
      await capped.close();
    }
  });
});

describe('pipelining', () => {
  test('runs pipelined requests in order when one of them is unsafe (RFC 9112 §9.3.2)', async () => {
    const ordered = await bareApp();
    const log: string[] = [];
    ordered.post('/log', async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      log.push('post');
      return { log };
    });
    ordered.get('/log', async () => {
      log.push('get');
      return { log };
    });
    await ordered.listen({ host: '127.0.0.1', port: 0 });
    const { port: orderedPort } = ordered.server.address() as AddressInfo;
    const answers = await rawTo(
      orderedPort,
      'POST /log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}' +
        'GET /log HTTP/1.1\r\nHost: x\r\n\r\n' +
        'POST /log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
    );
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 200],
    );
    assert.deepEqual(log, ['post', 'get', 'post']);
    assert.equal(answers[1]?.body, '{"log":["post","get"]}');
    await ordered.close();
  });

  test('lets one connection pipelining thousands of GETs take its share of the slots, not all: others get 200, it gets every answer in order', async () => {
    const shared = await bareApp({ overload: { maxInFlight: 64, maxEventLoopDelay: 0 } });
    // The flood's requests are served once the others are done: until then each one admitted holds its slot.
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    shared.get<{ Params: { i: string } }>('/n/:i', async (request) => {
      await gate;
      return { i: Number(request.params.i) };
    });
    shared.get('/other', async () => ({}));
    await shared.listen({ host: '127.0.0.1', port: 0 });
    const { port: sharedPort } = shared.server.address() as AddressInfo;
    const most = outstanding(shared.server);
    const count = 5_000;
    const request = (i: number) => `GET /n/${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const flood = pipelining(
      sharedPort,
      Array.from({ length: count }, (_, i) => request(i)),
    );
    try {
      while (most() < 16) await new Promise((resolve) => setTimeout(resolve, 10));
      const others = await Promise.all(
        Array.from({ length: 4 }, async () => {
          const statuses: number[] = [];
          for (let i = 0; i < 10; i++)
            statuses.push((await fetch(`http://127.0.0.1:${sharedPort}/other`)).status);
          return statuses;
        }),
      );
      assert.deepEqual(others.flat(), Array(40).fill(200));
      // The connection was not read past what one read brought beyond its share.
      assert.ok(
        most() <= 16 + Math.ceil(65_536 / request(0).length) + 4,
        `${most()} requests parsed at once`,
      );
      open();
      const answers = await flood.read();
      assert.equal(answers.length, count);
      assert.deepEqual(
        answers
          .filter((answer, i) => answer.status !== 200 || answer.body !== `{"i":${i}}`)
          .slice(0, 3)
          .map((answer) => answer.body),
        [],
      );
    } finally {
      open();
      flood.close();
      await shared.close();
    }
  });
});

describe('the server as a whole (OPTIONS *, RFC 9112 §3.2.4)', () => {
  test('answers OPTIONS * with 204 and every method the routes serve in Allow', async () => {
    const [answer] = await raw('OPTIONS * HTTP/1.1\r\nHost: x\r\nX-Request-Id: star-1\r\n\r\n');
    assert.equal(answer?.status, 204);
    assert.deepEqual(
      new Set(answer?.headers.allow?.split(', ')),
      new Set(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']),
    );
    assert.equal(answer?.headers['x-request-id'], 'star-1');
    assert.equal(answer?.headers['content-type'], undefined);
    assert.equal(answer?.body, '');
  });

  test("answers any other method with * with the contract's 400, in the language asked for", async () => {
    for (const method of ['GET', 'DELETE', 'PUT']) {
      const [answer] = await raw(`${method} * HTTP/1.1\r\nHost: x\r\nX-Auth-Token: rw\r\n\r\n`);
      assert.equal(answer?.status, 400, method);
      assert.match(String(contractBody(answer)?.message), /OPTIONS only/);
    }
    const [chinese] = await raw('GET * HTTP/1.1\r\nHost: x\r\nAccept-Language: zh-CN\r\n\r\n');
    assert.equal(chinese?.status, 400);
    assert.match(String(contractBody(chinese)?.message), /只能用于 OPTIONS/);
  });

  test('never hands * to a catch-all route, whose handler would take it for a path', async () => {
    const catchAll = await bareApp();
    const handled: string[] = [];
    catchAll.all('/*', async (request) => {
      handled.push(`${request.method} ${request.url}`);
      return { handled: true };
    });
    await catchAll.listen({ host: '127.0.0.1', port: 0 });
    const { port: catchAllPort } = catchAll.server.address() as AddressInfo;
    try {
      const statuses: number[] = [];
      for (const request of [
        'OPTIONS * HTTP/1.1\r\nHost: x\r\n',
        'GET * HTTP/1.1\r\nHost: x\r\n',
        'POST * HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n',
        'GET /anything HTTP/1.1\r\nHost: x\r\n',
      ]) {
        const body = request.includes('Content-Length') ? '{}' : '';
        const [answer] = await rawTo(catchAllPort, `${request}Connection: close\r\n\r\n${body}`);
        statuses.push(answer?.status ?? 0);
        if (request.startsWith('OPTIONS')) assert.ok(answer?.headers.allow?.includes('GET'), request);
      }
      assert.deepEqual(statuses, [204, 400, 400, 200]);
      assert.deepEqual(handled, ['GET /anything']);
    } finally {
      await catchAll.close();
    }
  });
});
