import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  closedAfterwards,
  closedPort,
  contractUpstream,
  fixedUpstream,
  garbageUpstream,
  httpUpstream,
  type Running,
  resettingUpstream,
  silentUpstream,
  startGateway,
  tcpUpstream,
} from '../../test/upstreams.js';
import { isWellFormedRequestId, parseErrorBody } from '../index.js';

const bounded = { timeout: 10_000 };

/** Everything started in a test, closed when the file is done. */
const { track, gateway } = closedAfterwards();

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** One request over a fresh connection, as any HTTP client would send it. */
function call(
  base: string,
  path: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string } = {},
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${base}${path}`,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** The answer's error body, asserted to be in the `error` dialect with the answer's request id. */
function contractError(answer: Answer, status: number) {
  assert.equal(answer.status, status, answer.body);
  assert.match(String(answer.headers['content-type']), /^application\/json/);
  const parsed = parseErrorBody(answer.body);
  assert.equal(parsed?.dialect, 'error', answer.body);
  assert.ok(isWellFormedRequestId(answer.headers['x-request-id']));
  assert.equal(answer.headers['x-openstack-request-id'], answer.headers['x-request-id']);
  assert.equal(parsed?.requestId, answer.headers['x-request-id']);
  return parsed;
}

describe('the gateway’s own failures', () => {
  test('answers 502 when the upstream refuses the connection', bounded, async () => {
    const down = await closedPort();
    const { url } = await gateway({ upstreams: [down.url] });
    const answer = await call(url, '/things');
    contractError(answer, 502);
  });

  test('answers 502 when the upstream writes bytes that are not HTTP', bounded, async () => {
    const garbage = track(await garbageUpstream());
    const { url, logs } = await gateway({ upstreams: [garbage.url] });
    const answer = await call(url, '/things', { headers: { 'x-request-id': 'garbage-1' } });
    contractError(answer, 502);
    assert.equal(answer.headers['x-request-id'], 'garbage-1');
    assert.ok(
      logs.some((line) => line.reqId === 'garbage-1' && line.failure === 'invalid'),
      'the failure is logged with the request id',
    );
  });

  test('answers 502 when the upstream resets the connection', bounded, async () => {
    const resetting = track(await resettingUpstream());
    const { url } = await gateway({ upstreams: [resetting.url] });
    contractError(await call(url, '/things'), 502);
  });

  test('answers 504 within the timeout when the upstream never answers', bounded, async () => {
    const silent = track(await silentUpstream());
    const { url } = await gateway({ upstreams: [silent.url], timeout: 400 });
    const answer = await call(url, '/things');
    contractError(answer, 504);
    assert.ok(answer.ms >= 390, `answered after ${answer.ms} ms, before the timeout`);
    assert.ok(answer.ms < 400 + 300, `answered after ${answer.ms} ms, well after the timeout`);
  });

  test('does not send a timed-out request to another upstream', bounded, async () => {
    const silent = track(await silentUpstream());
    const good = track(await fixedUpstream(200, { 'content-type': 'application/json' }, '{}'));
    const { url } = await gateway({ upstreams: [silent.url, good.url], timeout: 200 });
    contractError(await call(url, '/things', { method: 'PUT', body: '{}' }), 504);
    assert.equal(good.seen.length, 0);
  });

  test('answers 503 with Retry-After once no upstream is healthy', bounded, async () => {
    const [one, two] = [await closedPort(), await closedPort()];
    const { url } = await gateway({ upstreams: [one.url, two.url], health: { downFor: 5_000 } });
    contractError(await call(url, '/things'), 502);
    const answer = await call(url, '/things');
    contractError(answer, 503);
    const retryAfter = Number(answer.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 5, `Retry-After: ${answer.headers['retry-after']}`);
  });

  test('answers 503 with Retry-After when its own in-flight limit is reached', bounded, async () => {
    const silent = track(await silentUpstream());
    const { url } = await gateway({ upstreams: [silent.url], timeout: 1_000, maxInFlight: 1 });
    const first = call(url, '/slow');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await call(url, '/slow');
    contractError(second, 503);
    assert.equal(second.headers['retry-after'], '1');
    contractError(await first, 504);
  });

  test('answers 408 on the socket when the client is too slow sending its headers', bounded, async () => {
    const good = track(await fixedUpstream(200, {}, 'ok'));
    const { port } = await gateway({
      upstreams: [good.url],
      clientTimeouts: { headers: 300, request: 600, checkInterval: 50 },
    });
    const started = performance.now();
    const received = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write('GET /things HTTP/1.1\r\nHost: x\r\nX-Request-Id: slow-1\r\n');
    });
    assert.match(received, /^HTTP\/1\.1 408 /);
    // The headers never came in full, so the id is a new one (Node keeps no bytes of them).
    assert.match(received, /\r\nx-request-id: req-[0-9a-f-]{36}\r\n/i);
    assert.match(received, /"code":"SK\.0408"/);
    assert.ok(performance.now() - started < 2_000);
    assert.equal(good.seen.length, 0);
  });

  test('answers 501 itself for a method no server implements', bounded, async () => {
    const good = track(await fixedUpstream(200, {}, 'ok'));
    const { url } = await gateway({ upstreams: [good.url] });
    contractError(await call(url, '/things', { method: 'LINK' }), 501);
    assert.equal(good.seen.length, 0);
  });
});

describe('spreading requests and passive health', () => {
  test('sends an idempotent request to the second upstream when the first refuses it', bounded, async () => {
    const down = await closedPort();
    const good = track(
      await httpUpstream((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"from":"good"}');
      }),
    );
    const { url, logs } = await gateway({ upstreams: [down.url, good.url] });
    const answer = await call(url, '/things', { headers: { 'x-request-id': 'failover-1' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, '{"from":"good"}');
    assert.ok(
      logs.some((line) => line.reqId === 'failover-1' && line.msg === 'upstream failed and is taken out'),
    );
  });

  test('sends an idempotent request to the second upstream when the first resets it', bounded, async () => {
    const resetting = track(await resettingUpstream());
    const good = track(await fixedUpstream(200, { 'content-type': 'application/json' }, '{"ok":true}'));
    const { url } = await gateway({ upstreams: [resetting.url, good.url] });
    const answer = await call(url, '/things/1', { method: 'PUT', body: '{"a":1}' });
    assert.equal(answer.status, 200);
    assert.equal(good.seen[0]?.body, '{"a":1}', 'the body is sent again, whole');
  });

  test(
    'does not send a POST again after the upstream reset it, but does after a refusal',
    bounded,
    async () => {
      const resetting = track(await resettingUpstream());
      const good = track(await fixedUpstream(201, { 'content-type': 'application/json' }, '{}'));
      const first = await gateway({ upstreams: [resetting.url, good.url] });
      contractError(await call(first.url, '/things', { method: 'POST', body: '{}' }), 502);
      assert.equal(good.seen.length, 0, 'a POST that may have reached an upstream is not repeated');

      const down = await closedPort();
      const second = await gateway({ upstreams: [down.url, good.url] });
      const answer = await call(second.url, '/things', { method: 'POST', body: '{}' });
      assert.equal(answer.status, 201, 'a refused connection carried nothing: the POST goes on');
      assert.equal(good.seen.length, 1);
    },
  );

  test('sends any request, a POST too, to the next upstream when one answers 503', bounded, async () => {
    const busy = track(
      await fixedUpstream(503, { 'content-type': 'application/json', 'retry-after': '1' }, '{}'),
    );
    const good = track(await fixedUpstream(201, { 'content-type': 'application/json' }, '{"ok":true}'));
    const { url } = await gateway({ upstreams: [busy.url, good.url] });
    for (let i = 0; i < 2; i++) {
      const answer = await call(url, '/things', { method: 'POST', body: `{"n":${i}}` });
      assert.equal(answer.status, 201, answer.body);
    }
    assert.deepEqual(
      good.seen.map((seen) => seen.body),
      ['{"n":0}', '{"n":1}'],
    );
  });

  test('passes the last upstream’s 503 on when every upstream answered 503', bounded, async () => {
    const busy = track(
      await httpUpstream((request, response) => {
        const error = { code: 'NAT.0001', title: 'Service Unavailable', message: 'Busy.' };
        response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '7' });
        response.end(JSON.stringify({ error: { ...error, request_id: request.headers['x-request-id'] } }));
      }),
    );
    const { url } = await gateway({ upstreams: [busy.url] });
    const answer = await call(url, '/things');
    assert.equal(contractError(answer, 503)?.message, 'Busy.');
    assert.equal(answer.headers['retry-after'], '7');
    assert.equal(busy.seen.length, 1);
  });

  test('spreads requests over the healthy upstreams in turn', bounded, async () => {
    const one = track(await fixedUpstream(200, {}, 'one'));
    const two = track(await fixedUpstream(200, {}, 'two'));
    const { url } = await gateway({ upstreams: [one.url, two.url] });
    const bodies = [];
    for (let i = 0; i < 4; i++) bodies.push((await call(url, '/')).body);
    assert.deepEqual(bodies, ['one', 'two', 'one', 'two']);
  });

  test('takes a failed upstream out and tries it again later', bounded, async () => {
    const down = await closedPort();
    const good = track(await fixedUpstream(200, {}, 'good'));
    const { url } = await gateway({ upstreams: [down.url, good.url], health: { downFor: 300 } });
    assert.equal((await call(url, '/')).body, 'good');
    // While it is out, every request goes to the healthy one without trying it.
    for (let i = 0; i < 3; i++) assert.equal((await call(url, '/')).body, 'good');
    const back = track(await fixedUpstream(200, {}, 'back', down.port));
    await new Promise((resolve) => setTimeout(resolve, 350));
    const bodies = [];
    for (let i = 0; i < 2; i++) bodies.push((await call(url, '/')).body);
    assert.ok(bodies.includes('back'), `after its time out it is tried again: ${bodies}`);
    assert.equal(back.seen.length, 1);
  });
});

describe('replies from the upstream', () => {
  let contract: Running;

  test('passes a contract upstream’s replies through unchanged', bounded, async () => {
    contract = track(await contractUpstream());
    const { url } = await gateway({ upstreams: [contract.url] });
    for (const [method, path, body] of [
      ['GET', '/things/1', undefined],
      ['GET', '/things/9', undefined],
      ['PUT', '/things/1', '{}'],
      ['POST', '/things', '{}'],
      ['PUT', '/things', '{}'],
      ['GET', '/page', undefined],
    ] as const) {
      const headers = {
        'x-request-id': `same-${method}-${path.replaceAll('/', '_')}`,
        accept: path === '/page' ? 'text/html' : 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      };
      const direct = await call(contract.url, path, { method, headers, ...(body ? { body } : {}) });
      const proxied = await call(url, path, { method, headers, ...(body ? { body } : {}) });
      assert.equal(proxied.status, direct.status, `${method} ${path}`);
      assert.equal(proxied.body, direct.body, `${method} ${path}`);
      for (const name of ['content-type', 'location', 'allow', 'x-request-id', 'content-language']) {
        assert.equal(proxied.headers[name], direct.headers[name], `${name} of ${method} ${path}`);
      }
    }
  });

  test('passes a HEAD request’s answer through without a body, success or error', bounded, async () => {
    const { url } = await gateway({ upstreams: [contract.url] });
    for (const [path, status] of [
      ['/things/1', 200],
      ['/things/9', 404],
    ] as const) {
      const direct = await call(contract.url, path, { method: 'HEAD' });
      const proxied = await call(url, path, { method: 'HEAD' });
      assert.equal(proxied.status, status);
      assert.equal(proxied.body, '');
      assert.equal(proxied.headers['content-type'], direct.headers['content-type']);
      assert.ok(Number(direct.headers['content-length']) > 0);
      assert.equal(proxied.headers['content-length'], direct.headers['content-length']);
    }
  });

  test('rewrites an HTML 500 page into a contract error at 500', bounded, async () => {
    const html = track(
      await fixedUpstream(
        500,
        { 'content-type': 'text/html', 'x-powered-by': 'PHP/5.4' },
        '<h1>Fatal error</h1>',
      ),
    );
    const { url } = await gateway({ upstreams: [html.url] });
    const answer = await call(url, '/things', { headers: { 'x-request-id': 'html-1' } });
    const parsed = contractError(answer, 500);
    assert.equal(parsed?.requestId, 'html-1');
    assert.doesNotMatch(answer.body, /Fatal|<h1>/);
    assert.equal(answer.headers['content-length'], String(Buffer.byteLength(answer.body)));
  });

  test('rewrites a code outside the profile to its fallback', bounded, async () => {
    const teapot = track(
      await fixedUpstream(418, { 'content-type': 'application/json' }, '{"short":"stout"}'),
    );
    const { url } = await gateway({ upstreams: [teapot.url] });
    contractError(await call(url, '/tea'), 400);
  });

  test(
    'passes 202, 201 and 204 as they are where the profile lacks them, with a warning, and corrects 206',
    bounded,
    async () => {
      const job = JSON.stringify({ job_id: 'j-1' });
      const accepted = track(
        await fixedUpstream(202, { 'content-type': 'application/json', location: '/jobs/j-1' }, job),
      );
      const created = track(
        await fixedUpstream(201, { 'content-type': 'application/json', location: '/things/2' }, '{"id":2}'),
      );
      const empty = track(await fixedUpstream(204, {}, ''));
      const partial = track(await fixedUpstream(206, { 'content-type': 'text/plain' }, 'part'));
      // The basic profile has neither 201 nor 202 (its fallbacks would make both a 200).
      const through = async (upstream: string, method: string) => {
        const { url, logs } = await gateway({ upstreams: [upstream], profile: 'basic' });
        return { answer: await call(url, '/things', { method, body: method === 'POST' ? '{}' : '' }), logs };
      };
      const job202 = await through(accepted.url, 'POST');
      assert.equal(job202.answer.status, 202);
      assert.equal(job202.answer.headers.location, '/jobs/j-1');
      assert.equal(job202.answer.body, job);
      assert.ok(
        job202.logs.some(
          (line) => line.level === 40 && line.status === 202 && /passed unchanged/.test(String(line.msg)),
        ),
        'a warning says the success is outside the profile',
      );
      const made = await through(created.url, 'POST');
      assert.equal(made.answer.status, 201);
      assert.equal(made.answer.headers.location, '/things/2');
      assert.equal((await through(empty.url, 'DELETE')).answer.status, 204);
      const part = await through(partial.url, 'GET');
      assert.equal(part.answer.status, 200, 'a 206 means what the fallback 200 says');
      assert.equal(part.answer.body, 'part');
    },
  );

  test(
    'rewrites an error without a contract body, keeping its status where the profile has it',
    bounded,
    async () => {
      const plain = track(await fixedUpstream(409, { 'content-type': 'text/plain' }, 'conflict!'));
      const { url } = await gateway({ upstreams: [plain.url] });
      const parsed = contractError(await call(url, '/things/1', { method: 'PUT', body: 'x' }), 409);
      assert.equal(parsed?.code, 'SK.0409');
    },
  );

  test('translates an error body of another dialect, keeping its code and message', bounded, async () => {
    const huawei = track(
      await fixedUpstream(
        409,
        { 'content-type': 'application/json' },
        JSON.stringify({ error_code: 'NAT.0103', error_msg: 'The thing is busy.', request_id: 'x' }),
      ),
    );
    const { url } = await gateway({ upstreams: [huawei.url] });
    const parsed = contractError(await call(url, '/things/1'), 409);
    assert.equal(parsed?.code, 'NAT.0103');
    assert.equal(parsed?.message, 'The thing is busy.');
  });

  test('turns a 429 into a 503 that keeps its Retry-After', bounded, async () => {
    const limited = track(await fixedUpstream(429, { 'retry-after': '7' }, 'slow down'));
    const { url } = await gateway({ upstreams: [limited.url] });
    const answer = await call(url, '/');
    contractError(answer, 503);
    assert.equal(answer.headers['retry-after'], '7');
  });

  test(
    'answers 502, not a cut 200, when an upstream dies halfway through a small body',
    bounded,
    async () => {
      const halfway = track(
        await tcpUpstream((socket) =>
          socket.once('data', () => {
            socket.write(
              'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
            );
            setTimeout(() => socket.resetAndDestroy(), 50);
          }),
        ),
      );
      const { url } = await gateway({ upstreams: [halfway.url] });
      contractError(await call(url, '/things/1'), 502);
    },
  );

  test('answers 504, not 502, when an upstream stalls halfway through a small body', bounded, async () => {
    const stalling = track(
      await tcpUpstream((socket) =>
        socket.once('data', () =>
          socket.write(
            'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
          ),
        ),
      ),
    );
    const { url } = await gateway({ upstreams: [stalling.url], timeout: 300 });
    contractError(await call(url, '/things/1'), 504);
  });

  test('answers 504, not 502, when an upstream stalls halfway through an error page', bounded, async () => {
    const stalling = track(
      await tcpUpstream((socket) =>
        socket.once('data', () =>
          socket.write('HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n\r\n<h1>Fatal'),
        ),
      ),
    );
    const { url } = await gateway({ upstreams: [stalling.url], timeout: 300 });
    contractError(await call(url, '/things/1'), 504);
  });

  test(
    'drops the language, validator and encoding of an upstream page it rewrites into English JSON',
    bounded,
    async () => {
      const german = track(
        await httpUpstream((_request, response) => {
          response.writeHead(500, {
            'content-type': 'text/html; charset=utf-8',
            'content-language': 'de',
            'content-encoding': 'gzip',
            etag: '"fehler-1"',
            'last-modified': 'Tue, 01 Sep 2026 10:00:00 GMT',
            'cache-control': 'no-store',
          });
          response.end(gzipSync('<h1>Interner Serverfehler</h1>'));
        }),
      );
      const { url } = await gateway({ upstreams: [german.url] });
      const answer = await call(url, '/things', { headers: { 'accept-encoding': 'gzip' } });
      const parsed = contractError(answer, 500);
      assert.equal(parsed?.message, 'Failed to complete the request because of an internal service error.');
      assert.equal(
        answer.headers['content-language'],
        'en',
        'the language of the text sent, not the page replaced',
      );
      for (const name of ['content-encoding', 'etag', 'last-modified'])
        assert.equal(answer.headers[name], undefined, `${name}: ${answer.headers[name]}`);
      assert.equal(
        answer.headers['cache-control'],
        'no-store',
        'fields about the answer, not its body, stay',
      );
    },
  );

  test('streams a success through before the upstream has finished it', bounded, async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const streaming = track(
      await httpUpstream((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/x-ndjson' });
        response.write('{"n":1}\n');
        void released.then(() => response.end('{"n":2}\n'));
      }),
    );
    const { url } = await gateway({ upstreams: [streaming.url] });
    const first = await new Promise<string>((resolve, reject) => {
      http
        .get(`${url}/stream`, { agent: false }, (response) => {
          response.once('data', (chunk: Buffer) => {
            resolve(chunk.toString());
            release();
            response.resume();
          });
        })
        .on('error', reject);
    });
    assert.equal(first, '{"n":1}\n');
  });
});

describe('headers', () => {
  test('keeps a well-formed request id and sends it upstream and back', bounded, async () => {
    const echo = track(await fixedUpstream(200, { 'x-request-id': 'upstream-own' }, 'ok'));
    const { url, logs } = await gateway({ upstreams: [echo.url] });
    const answer = await call(url, '/', { headers: { 'x-request-id': 'client-42' } });
    assert.equal(answer.headers['x-request-id'], 'client-42');
    assert.equal(answer.headers['x-openstack-request-id'], 'client-42');
    assert.equal(echo.seen[0]?.headers['x-request-id'], 'client-42');
    assert.equal(echo.seen[0]?.headers['x-openstack-request-id'], 'client-42');
    const lines = logs.filter((line) => line.reqId === 'client-42');
    assert.ok(lines.some((line) => line.msg === 'incoming request'));
    assert.ok(lines.some((line) => line.msg === 'request completed'));
  });

  test('replaces a malformed request id with a new one, upstream and back', bounded, async () => {
    const echo = track(await fixedUpstream(200, {}, 'ok'));
    const { url } = await gateway({ upstreams: [echo.url] });
    const answer = await call(url, '/', { headers: { 'x-request-id': 'no spaces <allowed>' } });
    const id = answer.headers['x-request-id'];
    assert.match(String(id), /^req-[0-9a-f-]{36}$/);
    assert.equal(echo.seen[0]?.headers['x-request-id'], id);
  });

  test('drops hop-by-hop fields both ways and adds X-Forwarded-For, -Proto and Via', bounded, async () => {
    const echo = track(
      await httpUpstream((_request, response) => {
        response.writeHead(200, {
          connection: 'x-internal',
          'x-internal': 'secret',
          'proxy-authenticate': 'Basic realm="inner"',
          'x-kept': 'yes',
        });
        response.end('ok');
      }),
    );
    const { url } = await gateway({ upstreams: [echo.url] });
    const answer = await call(url, '/', {
      headers: {
        connection: 'keep-alive, x-hop',
        'x-hop': 'one',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        'x-forwarded-for': '10.0.0.1',
        'x-end': 'two',
      },
    });
    const seen = echo.seen[0]?.headers ?? {};
    assert.equal(seen['x-hop'], undefined);
    assert.equal(seen['keep-alive'], undefined);
    assert.equal(seen.te, undefined);
    assert.equal(seen['proxy-authorization'], undefined);
    assert.equal(seen['x-end'], 'two');
    assert.equal(seen['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen.via, '1.1 statuskit');
    assert.equal(answer.headers['x-internal'], undefined);
    assert.equal(answer.headers['proxy-authenticate'], undefined);
    assert.equal(answer.headers['x-kept'], 'yes');
  });

  test('forwards any Accept: only the upstream knows what its route produces', bounded, async () => {
    const xml = track(await fixedUpstream(200, { 'content-type': 'application/xml' }, '<ok/>'));
    const { url } = await gateway({ upstreams: [xml.url] });
    const answer = await call(url, '/feed', { headers: { accept: 'application/xml' } });
    assert.equal(answer.status, 200);
    assert.equal(xml.seen[0]?.headers.accept, 'application/xml');
  });

  test('forwards 404 and 405 to the upstream rather than answering them', bounded, async () => {
    const contract = track(await contractUpstream());
    const { url } = await gateway({ upstreams: [contract.url] });
    contractError(await call(url, '/nowhere'), 404);
    const answer = await call(url, '/things', { method: 'PUT', body: '{}' });
    contractError(answer, 405);
    assert.match(String(answer.headers.allow), /POST/);
  });
});

describe('proxy authentication', () => {
  const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

  test(
    'answers 407 with Proxy-Authenticate when the credentials are missing or wrong, 200 when right',
    bounded,
    async () => {
      const echo = track(await fixedUpstream(200, {}, 'ok'));
      const { url } = await gateway({ upstreams: [echo.url], proxyAuth: 'gw:s3:cret', realm: 'edge' });
      const missing = await call(url, '/');
      contractError(missing, 407);
      assert.equal(missing.headers['proxy-authenticate'], 'Basic realm="edge", charset="UTF-8"');
      const wrong = await call(url, '/', { headers: { 'proxy-authorization': basic('gw:nope') } });
      contractError(wrong, 407);
      assert.ok(wrong.headers['proxy-authenticate']);
      assert.equal(echo.seen.length, 0);
      const right = await call(url, '/', { headers: { 'proxy-authorization': basic('gw:s3:cret') } });
      assert.equal(right.status, 200);
      assert.equal(right.body, 'ok');
      assert.equal(
        echo.seen[0]?.headers['proxy-authorization'],
        undefined,
        'the credentials stay at the gateway',
      );
    },
  );
});

describe('shutting down', () => {
  test('finishes the requests in flight when it closes', bounded, async () => {
    const slow = track(
      await httpUpstream((_request, response) => {
        setTimeout(() => response.end('late'), 300);
      }),
    );
    const started = await startGateway({ upstreams: [slow.url] });
    const inFlight = call(started.url, '/');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = started.app.close();
    assert.equal((await inFlight).body, 'late');
    await closed;
  });

  test('loses no request, a POST neither, while a contract upstream behind it closes', bounded, async () => {
    const one = await contractUpstream();
    const two = track(await contractUpstream());
    const { url } = await gateway({ upstreams: [one.url, two.url] });
    // Keep-alive connections to both upstreams, in use when the first one closes.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const statuses: number[] = [];
    let stop = false;
    const loop = async () => {
      while (!stop) {
        const answer = await new Promise<number>((resolve, reject) => {
          const request = http.request(
            `${url}/things`,
            { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
            (response) => {
              response.resume();
              response.on('end', () => resolve(response.statusCode ?? 0));
            },
          );
          request.on('error', reject);
          request.end('{}');
        });
        statuses.push(answer);
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await one.app.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop = true;
    await Promise.all(loops);
    agent.destroy();
    assert.ok(statuses.length > 20, `${statuses.length} requests`);
    assert.deepEqual([...new Set(statuses)], [201], 'every POST got its 201 from one upstream or the other');
  });
});

describe('in-flight accounting', () => {
  test('frees the slot of a client that goes away before its answer', bounded, async () => {
    const silent = track(await silentUpstream());
    const streaming = track(
      await httpUpstream((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.write('part');
      }),
    );
    const { app, url } = await gateway({
      upstreams: [silent.url, streaming.url],
      timeout: 2_000,
      maxInFlight: 1,
    });
    for (const path of ['/waiting', '/streaming', '/waiting', '/streaming']) {
      const request = http.get(`${url}${path}`, { agent: false });
      request.on('error', () => {});
      request.on('response', (response) => response.on('error', () => {}));
      await new Promise((resolve) => setTimeout(resolve, 100));
      request.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(app.statuskit.inFlight, 0, `after ${path}`);
    }
  });

  test('frees the slots of answered and turned-away requests', bounded, async () => {
    const slow = track(
      await httpUpstream((_request, response) => {
        setTimeout(() => response.end('done'), 100);
      }),
    );
    const { app, url } = await gateway({ upstreams: [slow.url], maxInFlight: 1 });
    const answers = await Promise.all([call(url, '/a'), call(url, '/b')]);
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 503]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(app.statuskit.inFlight, 0);
  });
});
