import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { closedAfterwards, httpUpstream } from '../../test/upstreams.js';
import { checkOptions, upstreamRequestHeaders } from './index.js';

const bounded = { timeout: 10_000 };
const { track, gateway } = closedAfterwards();

/** One request over a fresh connection; resolves with its status. */
function call(base: string, method: string, headers: http.OutgoingHttpHeaders, body?: string) {
  return new Promise<number>((resolve, reject) => {
    const request = http.request(`${base}/`, { method, headers, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('upstreamHeaders', () => {
  test(
    'are set on every request sent upstream, over what a client sent under the same names',
    bounded,
    async () => {
      const upstream = track(
        await httpUpstream((_request, response) => {
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end('ok');
        }),
      );
      const { url, logs } = await gateway({
        upstreams: [upstream.url],
        upstreamHeaders: { 'X-Upstream-Secret': 'from-the-gateway' },
      });
      const forged = {
        'x-upstream-secret': 'from-the-client',
        'x-forwarded-for': '10.9.9.9',
      };
      // A GET takes the fast lane, a POST with a body goes through Fastify: both set it.
      assert.equal(await call(url, 'GET', forged), 200);
      assert.equal(await call(url, 'POST', { ...forged, 'content-type': 'text/plain' }, 'body'), 200);
      // Named in Connection, the client's field is dropped as hop-by-hop; the gateway's is still set.
      assert.equal(await call(url, 'GET', { ...forged, connection: 'x-upstream-secret' }), 200);
      assert.equal(await call(url, 'GET', { 'X-UPSTREAM-SECRET': 'shouted' }), 200);
      assert.equal(upstream.seen.length, 4);
      for (const seen of upstream.seen) {
        assert.equal(seen.headers['x-upstream-secret'], 'from-the-gateway');
        assert.match(String(seen.headers['x-forwarded-for']), /(^|, )127\.0\.0\.1$/);
      }
      assert.equal(JSON.stringify(logs).includes('from-the-gateway'), false);
    },
  );

  test('are checked: a name or value HTTP cannot carry is refused', () => {
    const upstreams = ['http://127.0.0.1:3000'];
    assert.deepEqual(checkOptions({ upstreams, upstreamHeaders: { 'X-A': 'b' } }).upstreamHeaders, {
      'x-a': 'b',
    });
    assert.throws(() => checkOptions({ upstreams, upstreamHeaders: { 'x a': 'b' } }), /not a header name/);
    assert.throws(() => checkOptions({ upstreams, upstreamHeaders: { 'x-a': 'b\r\nx-b: c' } }), /one line/);
    assert.throws(
      () => checkOptions({ upstreams, upstreamHeaders: { 'x-a': 1 as unknown as string } }),
      /one line/,
    );
  });
});

test('X-Forwarded-For always ends with the address the gateway appended, or is not sent', () => {
  const forwarding = { requestId: 'req-1', protocol: 'http', httpVersion: '1.1' };
  const headers = { 'x-forwarded-for': '10.9.9.9' };
  assert.equal(
    upstreamRequestHeaders(headers, { ...forwarding, clientIp: '192.0.2.7' })['x-forwarded-for'],
    '10.9.9.9, 192.0.2.7',
  );
  // A client whose address is gone (its socket closed) does not pass its own entries on as the last.
  assert.equal(
    upstreamRequestHeaders(headers, { ...forwarding, clientIp: undefined })['x-forwarded-for'],
    undefined,
  );
});
