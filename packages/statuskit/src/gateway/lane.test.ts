import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, test } from 'node:test';
import {
  closedAfterwards,
  closedPort,
  fixedUpstream,
  httpUpstream,
  startGateway,
} from '../../test/upstreams.js';

// A request without a body takes the gateway's fast lane (lane.ts); one with a body goes through
// Fastify. These tests hold the two to the same answers, and the lane to what Fastify did for it.

const bounded = { timeout: 10_000 };
const { track, gateway } = closedAfterwards();

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function call(url: string, method: string, headers: http.OutgoingHttpHeaders = {}, body?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const sized = body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) };
    const request = http.request(url, { method, headers: sized, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The answer less what differs between any two answers (the date). */
function comparable(answer: Answer) {
  const { date: _date, ...headers } = answer.headers;
  return { status: answer.status, headers, body: answer.body };
}

describe('the fast lane', () => {
  for (const [name, status, headers, body] of [
    [
      'a success',
      200,
      { 'content-type': 'application/json', etag: '"v1"', 'x-extra': 'kept' },
      '{"thing":{}}',
    ],
    [
      'an HTML error page, rewritten',
      500,
      { 'content-type': 'text/html', 'x-extra': 'kept' },
      '<h1>oops</h1>',
    ],
    ['a 401 without a challenge', 401, { 'content-type': 'text/plain' }, 'no'],
    ['a 204', 204, { 'x-extra': 'kept' }, ''],
  ] as const) {
    test(`answers ${name} to a request with a body as to one without`, bounded, async () => {
      const upstream = track(await fixedUpstream(status, headers, body));
      const { url } = await gateway({ upstreams: [upstream.url] });
      const ask = { 'x-request-id': 'same-id', 'accept-language': 'zh-CN' };
      const without = await call(`${url}/things/1`, 'DELETE', ask);
      const withBody = await call(`${url}/things/1`, 'DELETE', { ...ask, 'content-type': 'text/plain' }, 'x');
      assert.equal(without.status, status);
      assert.deepEqual(comparable(without), comparable(withBody));
      assert.equal(without.headers['x-request-id'], 'same-id');
      assert.deepEqual(
        upstream.seen.map((seen) => [seen.method, seen.body]),
        [
          ['DELETE', ''],
          ['DELETE', 'x'],
        ],
      );
    });
  }

  test('answers a refused upstream with the same 502 both ways', bounded, async () => {
    // One gateway each: the first failure takes the upstream out (503 next).
    const closed = await closedPort();
    const first = await gateway({ upstreams: [closed.url] });
    const second = await gateway({ upstreams: [closed.url] });
    const ask = { 'x-request-id': 'same-id' };
    const without = await call(`${first.url}/x`, 'PUT', ask);
    const withBody = await call(`${second.url}/x`, 'PUT', { ...ask, 'content-type': 'text/plain' }, 'x');
    assert.equal(without.status, 502);
    assert.deepEqual(comparable(without), comparable(withBody));
  });

  test('keeps pipelined requests in order when one of them is unsafe', bounded, async () => {
    const events: string[] = [];
    const upstream = track(
      await httpUpstream((request, response) => {
        events.push(`in ${request.method}`);
        const delay = request.method === 'DELETE' ? 150 : 0;
        setTimeout(() => {
          events.push(`out ${request.method}`);
          response.end('done');
        }, delay);
      }),
    );
    const { port } = await gateway({ upstreams: [upstream.url] });
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.write('DELETE /things/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /things/1 HTTP/1.1\r\nHost: a\r\n\r\n');
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if ((received.match(/HTTP\/1\.1 200/g) ?? []).length === 2) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    socket.destroy();
    assert.deepEqual(events, ['in DELETE', 'out DELETE', 'in GET', 'out GET']);
  });

  test('cancels the upstream request of a client that goes away', bounded, async () => {
    let upstreamClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      upstreamClosed = resolve;
    });
    const upstream = track(
      await httpUpstream((request) => {
        request.socket.once('close', upstreamClosed);
      }),
    );
    const { app, url } = await gateway({ upstreams: [upstream.url], timeout: 30_000 });
    const request = http.get(`${url}/slow`, { agent: false });
    request.on('error', () => {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(app.statuskit.inFlight, 1);
    request.destroy();
    await closed;
    assert.equal(app.statuskit.inFlight, 0);
  });

  for (const [way, method, body] of [
    ['without a body', 'GET', undefined],
    ['with a body', 'POST', 'x'],
  ] as const) {
    test(
      `cancels the upstream request of a client that leaves a streamed answer, ${way}`,
      bounded,
      async () => {
        let upstreamClosed: () => void = () => {};
        const closed = new Promise<void>((resolve) => {
          upstreamClosed = resolve;
        });
        const upstream = track(
          await httpUpstream((request, response) => {
            request.socket.once('close', upstreamClosed);
            response.writeHead(200, { 'content-type': 'text/plain' });
            response.write('part of an answer that never ends');
          }),
        );
        const { app, url } = await gateway({ upstreams: [upstream.url], timeout: 30_000 });
        const sized = body === undefined ? {} : { 'content-length': body.length };
        const request = http.request(`${url}/stream`, { method, headers: sized, agent: false });
        request.on('error', () => {});
        const response = await new Promise<http.IncomingMessage>((resolve) => {
          request.on('response', resolve);
          request.end(body);
        });
        response.on('error', () => {});
        await new Promise((resolve) => response.once('data', resolve));
        request.destroy();
        await closed;
        assert.equal(app.statuskit.inFlight, 0);
      },
    );
  }

  test(
    'ends the connection of every answer while the gateway shuts down: Connection: close',
    bounded,
    async () => {
      // The upstream holds both requests until the gateway is closing; then /ok is answered and
      // /fail's connection dropped (a 502 from the lane's error path).
      const held: { url: string; response: http.ServerResponse }[] = [];
      let bothHeld: () => void = () => {};
      const arrived = new Promise<void>((resolve) => {
        bothHeld = resolve;
      });
      const upstream = track(
        await httpUpstream((request, response) => {
          held.push({ url: request.url ?? '', response });
          if (held.length === 2) bothHeld();
        }),
      );
      const { app, url } = await startGateway({ upstreams: [upstream.url] });
      const agent = new http.Agent({ keepAlive: true });
      const ask = (path: string) =>
        new Promise<Answer>((resolve, reject) => {
          const request = http.get(`${url}${path}`, { agent }, (response) => {
            response.resume();
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, headers: response.headers, body: '' }),
            );
          });
          request.on('error', reject);
        });
      try {
        const answers = Promise.all([ask('/ok'), ask('/fail')]);
        await arrived;
        const closing = app.close();
        while (!app.statuskit.draining) await new Promise((resolve) => setImmediate(resolve));
        for (const { url: path, response } of held) {
          if (path === '/ok') response.end('{}');
          else response.socket?.destroy();
        }
        const [ok, failed] = await answers;
        assert.deepEqual(
          [ok.status, ok.headers.connection, failed.status, failed.headers.connection],
          [200, 'close', 502, 'close'],
        );
        await closing;
      } finally {
        agent.destroy();
        await app.close();
      }
    },
  );

  test('writes the access log at info, with the request id', bounded, async () => {
    const upstream = track(await fixedUpstream(200, {}, 'ok'));
    const { url, logs } = await gateway({ upstreams: [upstream.url] });
    await call(`${url}/things?x=1`, 'GET', { 'x-request-id': 'logged-1' });
    const lines = logs.filter((line) => line.reqId === 'logged-1');
    const incoming = lines.find((line) => line.msg === 'incoming request');
    const completed = lines.find((line) => line.msg === 'request completed');
    const req = incoming?.req as { method?: string; url?: string; remoteAddress?: string } | undefined;
    assert.deepEqual([req?.method, req?.url, req?.remoteAddress], ['GET', '/things?x=1', '127.0.0.1']);
    assert.equal((completed?.res as { statusCode: number } | undefined)?.statusCode, 200);
    assert.equal(typeof completed?.responseTime, 'number');
  });
});
