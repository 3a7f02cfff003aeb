import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { httpUpstream, type Running, startGateway } from '../../test/upstreams.js';
import { removeDotSegments, upstreamPath } from './path.js';

describe('the path sent upstream', () => {
  test('removes dot-segments as RFC 3986 §5.2.4 does', () => {
    const cases: [string, string][] = [
      ['/a/b/c/./../../g', '/a/g'],
      ['/mid/content=5/../6', '/mid/6'],
      ['/../admin/secret.txt', '/admin/secret.txt'],
      ['/a/..', '/'],
      ['/a/.', '/a/'],
      ['/a/../../..', '/'],
      ['/.well-known/x', '/.well-known/x'],
      ['/', '/'],
    ];
    for (const [path, normal] of cases) assert.equal(removeDotSegments(path), normal, path);
  });

  test('decodes encoded dots before removing dot-segments, keeps the query, and drops an absolute-form origin', () => {
    assert.equal(upstreamPath('/%2e%2e/admin/secret.txt'), '/admin/secret.txt');
    assert.equal(upstreamPath('/a/.%2E/%2e/b?x=/../y'), '/b?x=/../y');
    assert.equal(upstreamPath('http://example.com/x/../y?q'), '/y?q');
    assert.equal(upstreamPath('http://example.com'), '/');
    assert.equal(upstreamPath('/v2.0/nat_gateways?limit=1'), '/v2.0/nat_gateways?limit=1');
    assert.equal(upstreamPath('/name%20with%20spaces'), '/name%20with%20spaces');
  });

  test('refuses a percent-encoded slash or backslash', () => {
    for (const path of ['/..%2fadmin', '/a%2F..%2F..%2Fadmin', '/..%5cadmin', '/x%2f']) {
      assert.equal(upstreamPath(path), undefined, path);
    }
  });
});

describe('a prefixed upstream', () => {
  const closing: Running[] = [];
  after(async () => {
    await Promise.all(closing.map((running) => running.close()));
  });

  test('is never left by dot-segments, plain or encoded; an encoded slash gets 400', {
    timeout: 10_000,
  }, async () => {
    const { upstream, gateway } = await prefixedGateway(closing);
    const statusOf = async (path: string) => {
      // fetch would normalise the path itself: the request line is sent as written.
      const answer = await gateway.app.inject({ method: 'GET', url: path });
      return answer.statusCode;
    };
    for (const path of ['/../admin/secret.txt', '/%2e%2e/admin/secret.txt', '/.%2E/.%2e/admin/secret.txt']) {
      assert.equal(await statusOf(path), 200, path);
    }
    assert.deepEqual(
      upstream.seen.map((seen) => seen.url),
      ['/api/admin/secret.txt', '/api/admin/secret.txt', '/api/admin/secret.txt'],
    );
    for (const path of ['/..%2fadmin/secret.txt', '/..%2Fadmin', '/..%5Cadmin']) {
      assert.equal(await statusOf(path), 400, path);
    }
    assert.equal(upstream.seen.length, 3, 'nothing refused reached the upstream');
  });
});

/** A gateway in front of an upstream under `/api` that answers 200 `{}`; both closed with `closing`. */
async function prefixedGateway(closing: Running[]) {
  const upstream = await httpUpstream((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
  });
  closing.push(upstream);
  const gateway = await startGateway({ upstreams: [`${upstream.url}/api`] });
  closing.push({ ...gateway, close: () => gateway.app.close() });
  return { upstream, gateway };
}

/** One raw request on a connection of its own: the status line's code, the headers and the body. */
function rawAnswer(port: number, request: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const end = text.indexOf('\r\n\r\n');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1]),
        head: text.slice(0, end).toLowerCase(),
        body: text.slice(end + 4),
      });
    });
    socket.write(request);
  });
}

describe('the asterisk form (RFC 9112 §3.2.4)', () => {
  const closing: Running[] = [];
  after(async () => {
    await Promise.all(closing.map((running) => running.close()));
  });

  test('answers OPTIONS * itself with 204 and the methods it forwards, and any other method with 400: nothing goes upstream', {
    timeout: 10_000,
  }, async () => {
    const { upstream, gateway } = await prefixedGateway(closing);
    const ask = (line: string, more = '') =>
      rawAnswer(gateway.port, `${line}\r\nHost: x\r\n${more}Connection: close\r\n\r\n`);

    // Without a body (the fast lane's kind of request) and with one (Fastify's).
    for (const answer of [
      await ask('OPTIONS * HTTP/1.1'),
      await ask('OPTIONS * HTTP/1.1', 'Content-Type: text/plain\r\nContent-Length: 0\r\n'),
      await rawAnswer(
        gateway.port,
        'OPTIONS * HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab',
      ),
    ]) {
      assert.equal(answer.status, 204, answer.head);
      const allow = /^allow: (.*)$/m.exec(answer.head)?.[1]?.toUpperCase().split(', ');
      assert.deepEqual(new Set(allow), new Set([...gateway.app.supportedMethods, 'OPTIONS']));
      assert.match(answer.head, /^x-request-id: /m);
      assert.equal(answer.body, '');
    }
    for (const line of ['GET * HTTP/1.1', 'HEAD * HTTP/1.1', 'DELETE * HTTP/1.1', 'PATCH * HTTP/1.1']) {
      const answer = await ask(line);
      assert.equal(answer.status, 400, line);
      if (!line.startsWith('HEAD')) assert.match(answer.body, /OPTIONS only/, line);
    }
    assert.equal(upstream.seen.length, 0, 'nothing reached the upstream');

    // The gateway still forwards everything else, OPTIONS on a path included.
    assert.equal((await ask('OPTIONS /x HTTP/1.1')).status, 200);
    assert.deepEqual(
      upstream.seen.map((seen) => `${seen.method} ${seen.url}`),
      ['OPTIONS /api/x'],
    );
  });

  test('asks for proxy credentials first, as for any request', { timeout: 10_000 }, async () => {
    const upstream = await httpUpstream((_request, response) => response.end());
    closing.push(upstream);
    const gateway = await startGateway({ upstreams: [upstream.url], proxyAuth: 'gw:pw' });
    closing.push({ ...gateway, close: () => gateway.app.close() });
    const refused = await rawAnswer(
      gateway.port,
      'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.equal(refused.status, 407);
    const token = Buffer.from('gw:pw').toString('base64');
    const answered = await rawAnswer(
      gateway.port,
      `OPTIONS * HTTP/1.1\r\nHost: x\r\nProxy-Authorization: Basic ${token}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(answered.status, 204);
    assert.equal(upstream.seen.length, 0);
  });
});
