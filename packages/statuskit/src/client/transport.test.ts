import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listen, send, startProxy, type TestProxy, type TestServer } from '../../test/servers.js';
import { createClient } from './index.js';

const bounded = { timeout: 5_000 };

describe('the client through an HTTP proxy', () => {
  // Characters a URL's user info must escape: the proxy gets them decoded, as the user typed them.
  const user = 'svc@corp';
  const password = 'p@ss:w%rd /键';
  let target: TestServer;
  let proxy: TestProxy;
  let proxyUrl: string;

  before(async () => {
    target = await listen((_request, response) => send(response, 200, { ok: true }));
    proxy = await startProxy(`${user}:${password}`);
    proxyUrl = `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${proxy.port}`;
  });
  after(async () => {
    await proxy.close();
    await target.close();
  });

  test('sends the user and password of the proxy URL percent-decoded', bounded, async () => {
    const client = createClient({ baseUrl: target.url, proxy: proxyUrl });
    try {
      assert.deepEqual(await client.get('/things'), { ok: true });
    } finally {
      await client.close();
    }
  });

  test('carries the target’s Host through the proxy, not the proxy’s (RFC 9112 §3.2)', bounded, async () => {
    // Credentials as a ready header: this test stands apart from the decoding of the URL's.
    const token = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const client = createClient({
      baseUrl: target.url,
      proxy: { url: `http://127.0.0.1:${proxy.port}`, token },
    });
    try {
      const before = { proxy: proxy.seen.length, target: target.seen.length };
      await client.get('/hosted');
      const [atProxy] = proxy.seen.slice(before.proxy);
      const [atTarget] = target.seen.slice(before.target);
      const host = `127.0.0.1:${target.port}`;
      assert.equal(atProxy?.url, `http://${host}/hosted`, 'absolute-form to the proxy');
      assert.equal(atProxy?.headers.host, host);
      assert.equal(atTarget?.headers.host, host, 'the proxy passed the Host on');
    } finally {
      await client.close();
    }
  });
});
