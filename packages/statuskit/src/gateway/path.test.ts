import assert from 'node:assert/strict';
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
    const upstream = await httpUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
    closing.push(upstream);
    const gateway = await startGateway({ upstreams: [`${upstream.url}/api`] });
    closing.push({ ...gateway, close: () => gateway.app.close() });
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
