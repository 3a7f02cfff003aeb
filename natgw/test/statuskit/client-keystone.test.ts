import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ForbiddenError, UnauthorizedError } from 'statuskit';
import { createClient, keystone, type RetryEvent } from 'statuskit/client';
import { listen, send, type TestServer } from '../../../packages/statuskit/test/servers.js';
import { startService, type TestService } from '../harness.js';

const bounded = { timeout: 8_000 };

describe('keystone() against natgw', () => {
  let service: TestService;
  let natgw: string;

  before(async () => {
    service = await startService('sqlite');
    natgw = await service.app.listen({ host: '127.0.0.1', port: 0 });
    service.config.publicUrl = natgw;
  });
  after(async () => {
    await service.close();
  });

  test('gets a token from /v3/auth/tokens and finds the nat endpoint in its catalog', bounded, async () => {
    const auth = keystone({
      authUrl: `${natgw}/v3`,
      username: 'demo',
      password: 'demo-password',
      project: 'demo',
    });
    try {
      const token = await auth.token();
      assert.match(token.token, /\./);
      assert.ok((token.expiresAt ?? 0) > Date.now());
      assert.equal(await auth.endpoint('nat'), natgw);
      assert.equal(await auth.getToken({ renew: false }), token.token, 'the token is kept');
    } finally {
      await auth.close();
    }
  });

  test('adds /v3 to an identity URL without it', bounded, async () => {
    const auth = keystone({ authUrl: natgw, username: 'demo', password: 'demo-password', project: 'demo' });
    try {
      assert.equal(await auth.endpoint('nat', { interface: 'internal' }), natgw);
    } finally {
      await auth.close();
    }
  });

  test(
    'a client on its getToken reads as the user, and a read-only user gets ForbiddenError writing',
    bounded,
    async () => {
      const auth = keystone({
        authUrl: `${natgw}/v3`,
        username: 'viewer',
        password: 'viewer-password',
        project: 'demo',
      });
      const nat = createClient({ baseUrl: await auth.endpoint('nat'), getToken: auth.getToken });
      try {
        assert.deepEqual(await nat.get('/v2.0/nat_gateways'), { nat_gateways: [] });
        await assert.rejects(
          nat.post('/v2.0/nat_gateways', {
            nat_gateway: { name: 'x', spec: '1', router_id: 'r', internal_network_id: 'n' },
          }),
          ForbiddenError,
        );
      } finally {
        await nat.close();
        await auth.close();
      }
    },
  );

  test('a wrong password throws UnauthorizedError from the token request', bounded, async () => {
    const auth = keystone({ authUrl: `${natgw}/v3`, username: 'demo', password: 'nope', project: 'demo' });
    try {
      await assert.rejects(auth.getToken({ renew: false }), (error: unknown) => {
        assert.ok(error instanceof UnauthorizedError);
        assert.equal(error.code, 'VPC.0008');
        return true;
      });
    } finally {
      await auth.close();
    }
  });
});

describe("the token's catalog", () => {
  // A Keystone whose catalog has the nat service in two regions, the asked-for one last.
  let server: TestServer;

  before(async () => {
    server = await listen((_request, response) => {
      const endpoints = [
        { interface: 'public', region: 'eu-nl', region_id: 'eu-nl', url: 'http://nat.eu-nl.test' },
        { interface: 'internal', region: 'eu-nl', region_id: 'eu-nl', url: 'http://nat-internal.eu-nl.test' },
        { interface: 'public', region_id: 'eu-de', url: 'http://nat.eu-de.test' },
        { interface: 'internal', region: 'eu-de', url: 'http://nat-internal.eu-de.test' },
      ];
      send(
        response,
        201,
        {
          token: {
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            catalog: [{ type: 'nat', endpoints }],
          },
        },
        { 'x-subject-token': 'tok' },
      );
    });
  });
  after(async () => {
    await server.close();
  });

  test('gives the endpoint of the region asked for, by region or region_id', bounded, async () => {
    const auth = keystone({ authUrl: server.url, username: 'u', password: 'p', project: 'p' });
    try {
      assert.equal(await auth.endpoint('nat', { region: 'eu-de' }), 'http://nat.eu-de.test');
      assert.equal(
        await auth.endpoint('nat', { region: 'eu-de', interface: 'internal' }),
        'http://nat-internal.eu-de.test',
      );
      assert.equal(await auth.endpoint('nat', { region: 'eu-nl' }), 'http://nat.eu-nl.test');
      assert.equal(await auth.endpoint('nat'), 'http://nat.eu-nl.test', 'no region: the first');
      await assert.rejects(auth.endpoint('nat', { region: 'ap-southeast-1' }), RangeError);
    } finally {
      await auth.close();
    }
  });
});

describe('token renewal', () => {
  // A Keystone that issues tok-1, tok-2… and an API that takes only the newest token, except
  // /always-401 which takes none.
  let server: TestServer;
  let issued = 0;
  let lifetime = 3_600_000;

  before(async () => {
    server = await listen((request, response) => {
      if (request.url === '/slow/v3/auth/tokens') {
        setTimeout(() => send(response, 201, '{}', { 'x-subject-token': 'late' }), 1_000);
        return;
      }
      if (request.method === 'POST' && request.url === '/v3/auth/tokens') {
        issued++;
        send(
          response,
          201,
          { token: { expires_at: new Date(Date.now() + lifetime).toISOString(), catalog: [] } },
          { 'x-subject-token': `tok-${issued}` },
        );
        return;
      }
      if (request.url === '/thing' && request.headers['x-auth-token'] === `tok-${issued}`) {
        send(response, 200, { ok: true });
        return;
      }
      send(response, 401, { error: { code: 'SK.0401', message: 'Token is expired.' } });
    });
  });
  after(async () => {
    await server.close();
  });

  test('a 401 renews the token once and sends the request again', bounded, async () => {
    issued = 0;
    const auth = keystone({ authUrl: server.url, username: 'u', password: 'p', project: 'p' });
    const events: RetryEvent[] = [];
    const client = createClient({
      baseUrl: server.url,
      getToken: auth.getToken,
      onRetry: (event) => events.push(event),
    });
    try {
      assert.deepEqual(await client.get('/thing'), { ok: true });
      // Someone logs in again: tok-1, which the client keeps, is refused from now on.
      await fetch(`${server.url}/v3/auth/tokens`, { method: 'POST' }).then((r) => r.text());
      const before = server.seen.length;
      assert.deepEqual(await client.get('/thing'), { ok: true });
      assert.deepEqual(
        server.seen
          .slice(before)
          .map((seen) => `${seen.method} ${seen.url} ${seen.headers['x-auth-token'] ?? ''}`),
        ['GET /thing tok-1', 'POST /v3/auth/tokens ', 'GET /thing tok-3'],
      );
      assert.deepEqual(
        events.map((event) => event.basis),
        ['token'],
      );
    } finally {
      await client.close();
      await auth.close();
    }
  });

  test('a second 401 after the renewal is thrown as UnauthorizedError', bounded, async () => {
    issued = 0;
    const auth = keystone({ authUrl: server.url, username: 'u', password: 'p', project: 'p' });
    const client = createClient({ baseUrl: server.url, getToken: auth.getToken });
    try {
      const before = server.seen.length;
      await assert.rejects(client.get('/always-401'), UnauthorizedError);
      assert.deepEqual(
        server.seen.slice(before).map((seen) => `${seen.method} ${seen.url}`),
        ['POST /v3/auth/tokens', 'GET /always-401', 'POST /v3/auth/tokens', 'GET /always-401'],
      );
    } finally {
      await client.close();
      await auth.close();
    }
  });

  test('a token near its expiry is replaced before it is used', bounded, async () => {
    issued = 0;
    lifetime = 30_000;
    const auth = keystone({
      authUrl: server.url,
      username: 'u',
      password: 'p',
      project: 'p',
      renewBefore: 60_000,
    });
    try {
      assert.equal(await auth.getToken({ renew: false }), 'tok-1');
      assert.equal(await auth.getToken({ renew: false }), 'tok-2');
    } finally {
      lifetime = 3_600_000;
      await auth.close();
    }
  });

  test('requests that need a token at once share one login', bounded, async () => {
    issued = 0;
    const auth = keystone({ authUrl: server.url, username: 'u', password: 'p', project: 'p' });
    try {
      const tokens = await Promise.all([1, 2, 3].map(() => auth.getToken({ renew: false })));
      assert.deepEqual(tokens, ['tok-1', 'tok-1', 'tok-1']);
      assert.equal(issued, 1);
    } finally {
      await auth.close();
    }
  });

  test('aborting a request while its token is being fetched rejects at once', bounded, async () => {
    const auth = keystone({ authUrl: `${server.url}/slow`, username: 'u', password: 'p', project: 'p' });
    const client = createClient({ baseUrl: server.url, getToken: auth.getToken });
    try {
      const started = performance.now();
      await assert.rejects(client.get('/thing', { signal: AbortSignal.timeout(150) }), {
        name: 'TimeoutError',
      });
      assert.ok(performance.now() - started < 1_000);
      assert.equal(server.seen.filter((seen) => seen.url === '/thing' && seen.at >= started).length, 0);
    } finally {
      await client.close();
      await auth.close();
    }
  });
});
