import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parseErrorBody } from 'statuskit';
import { passwordAuthBody } from 'statuskit/client';
import { buildApp } from '../src/app.js';
import type { Config } from '../src/config.js';
import { hashPassword, verifyPassword } from '../src/identity/passwords.js';
import { assertError, engines, startService } from './harness.js';

const passwordAuth = (username: string, password: string, project = 'demo') =>
  passwordAuthBody({ username, password, project });

/** A new token for a development user, apart from the harness's cached one. */
async function fresh(app: FastifyInstance, user: 'demo' | 'viewer' | 'alt'): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    payload: passwordAuth(user, `${user}-password`, user === 'alt' ? 'alt' : 'demo'),
  });
  assert.equal(response.statusCode, 201, response.body);
  return String(response.headers['x-subject-token']);
}

for (const engine of engines()) {
  describe(`identity on ${engine}`, () => {
    test('issues a token with 201, X-Subject-Token and a catalog pointing at the NAT API', async () => {
      const service = await startService(engine);
      const response = await service.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: passwordAuth('demo', 'demo-password'),
      });
      assert.equal(response.statusCode, 201);
      assert.ok(String(response.headers['x-subject-token']).length > 20);
      const { token } = response.json();
      assert.equal(token.project.name, 'demo');
      assert.equal(token.project.id, '9ad601814ac94c80bf7bb9073ded66fc');
      assert.deepEqual(token.roles, [{ id: 'read-write', name: 'read-write' }]);
      assert.ok(Date.parse(token.expires_at) > Date.now());
      const nat = token.catalog.find((entry: { type: string }) => entry.type === 'nat');
      assert.equal(
        nat.endpoints.find((endpoint: { interface: string }) => endpoint.interface === 'public').url,
        'http://127.0.0.1:8080',
      );
      await service.close();
    });

    test('answers a wrong password, an unknown user or another project with 401', async () => {
      const service = await startService(engine);
      for (const payload of [
        passwordAuth('demo', 'wrong'),
        passwordAuth('nobody', 'demo-password'),
        passwordAuth('demo', 'demo-password', 'alt'),
      ]) {
        const response = await service.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload });
        assert.equal(response.statusCode, 401);
        assert.equal(response.headers['x-subject-token'], undefined);
      }
      const malformed = await service.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: { auth: {} },
      });
      assert.equal(malformed.statusCode, 400);
      await service.close();
    });

    test('answers an expired token with 401 NAT.0025', async () => {
      const service = await startService(engine, { tokenTtlSeconds: 1 });
      const token = await service.token('demo');
      assert.equal(
        (await service.app.inject({ url: '/v2.0/nat_gateways', headers: { 'x-auth-token': token } }))
          .statusCode,
        200,
      );
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const expired = await service.app.inject({
        url: '/v2.0/nat_gateways',
        headers: { 'x-auth-token': token },
      });
      assert.equal(expired.statusCode, 401);
      assert.equal(parseErrorBody(expired.body)?.code, 'NAT.0025');
      await service.close();
    });

    test('answers a token with anything after its signature with 401 VPC.0008', async () => {
      const service = await startService(engine);
      const token = await service.token('demo');
      for (const forged of [`${token}.garbage`, `${token}.`, `${token}..x`]) {
        const response = await service.app.inject({
          url: '/v2.0/nat_gateways',
          headers: { 'x-auth-token': forged },
        });
        assert.equal(response.statusCode, 401, forged);
        assert.equal(parseErrorBody(response.body)?.code, 'VPC.0008');
      }
      await service.close();
    });

    test('revokes a token with DELETE /v3/auth/tokens: 204, then 401 here and at another instance', async () => {
      const first = await startService(engine);
      const second = await buildApp(first.config);
      try {
        const token = await first.token('demo');
        const other = await fresh(first.app, 'demo');
        const headers = { 'x-auth-token': token, 'x-subject-token': token };
        const revoked = await first.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers });
        assert.equal(revoked.statusCode, 204, revoked.body);
        assert.equal(revoked.body, '');
        for (const app of [first.app, second]) {
          const response = await app.inject({
            url: '/v2.0/nat_gateways',
            headers: { 'x-auth-token': token },
          });
          assertError(response, 401, 'VPC.0008');
          // The user's other tokens stay good.
          const still = await app.inject({ url: '/v2.0/nat_gateways', headers: { 'x-auth-token': other } });
          assert.equal(still.statusCode, 200);
        }
        const again = await first.app.inject({
          method: 'DELETE',
          url: '/v3/auth/tokens',
          headers: { 'x-auth-token': other, 'x-subject-token': token },
        });
        assertError(again, 404, 'NAT.1002');
      } finally {
        await second.close();
        await first.close();
      }
    });

    test('keeps a revoked token revoked when another is revoked: pruning drops only expired revocations', async () => {
      const service = await startService(engine);
      try {
        const tokens = [await fresh(service.app, 'demo'), await fresh(service.app, 'demo')];
        for (const token of tokens) {
          const revoked = await service.app.inject({
            method: 'DELETE',
            url: '/v3/auth/tokens',
            headers: { 'x-auth-token': token, 'x-subject-token': token },
          });
          assert.equal(revoked.statusCode, 204, revoked.body);
        }
        // Revoking the second pruned the table: the first, far from expiring, must still be in it.
        for (const token of tokens) {
          const response = await service.app.inject({
            url: '/v2.0/nat_gateways',
            headers: { 'x-auth-token': token },
          });
          assertError(response, 401, 'VPC.0008');
        }
      } finally {
        await service.close();
      }
    });

    test('validates a token with GET and HEAD /v3/auth/tokens: 200 with its body, 404 once revoked', async () => {
      const service = await startService(engine);
      const token = await service.token('viewer');
      const subject = await fresh(service.app, 'viewer');
      const headers = { 'x-auth-token': token, 'x-subject-token': subject };
      const shown = await service.app.inject({ url: '/v3/auth/tokens', headers });
      assert.equal(shown.statusCode, 200, shown.body);
      assert.equal(shown.headers['x-subject-token'], subject);
      assert.equal(shown.json().token.user.name, 'viewer');
      assert.deepEqual(shown.json().token.roles, [{ id: 'read-only', name: 'read-only' }]);
      assert.equal(
        (await service.app.inject({ method: 'HEAD', url: '/v3/auth/tokens', headers })).statusCode,
        200,
      );
      // A read-only user may revoke their own token.
      const revoked = await service.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers });
      assert.equal(revoked.statusCode, 204, revoked.body);
      assertError(await service.app.inject({ url: '/v3/auth/tokens', headers }), 404, 'NAT.1002');
      const head = await service.app.inject({ method: 'HEAD', url: '/v3/auth/tokens', headers });
      assert.equal(head.statusCode, 404);
      for (const bad of [`${subject}x`, 'garbage']) {
        const response = await service.app.inject({
          url: '/v3/auth/tokens',
          headers: { 'x-auth-token': token, 'x-subject-token': bad },
        });
        assertError(response, 404, 'NAT.1002');
      }
      await service.close();
    });

    test("answers another user's subject token with 403, none with 400, and no caller's token with 401", async () => {
      const service = await startService(engine);
      const demo = await service.token('demo');
      const alt = await service.token('alt');
      for (const method of ['GET', 'DELETE'] as const) {
        const foreign = await service.app.inject({
          method,
          url: '/v3/auth/tokens',
          headers: { 'x-auth-token': alt, 'x-subject-token': demo },
        });
        assertError(foreign, 403, 'VPC.2701');
        const none = await service.app.inject({
          method,
          url: '/v3/auth/tokens',
          headers: { 'x-auth-token': alt },
        });
        assertError(none, 400, 'NAT.0002');
        const anonymous = await service.app.inject({
          method,
          url: '/v3/auth/tokens',
          headers: { 'x-subject-token': demo },
        });
        assertError(anonymous, 401, 'VPC.0008');
      }
      const still = await service.app.inject({
        url: '/v2.0/nat_gateways',
        headers: { 'x-auth-token': demo },
      });
      assert.equal(still.statusCode, 200);
      await service.close();
    });

    test("voids tokens when the user's password, role or project changes or the user is removed, and keeps them otherwise", async () => {
      const service = await startService(engine);
      try {
        const tokens = { demo: await service.token('demo'), viewer: await service.token('viewer') };
        const withUsers = (
          change: (user: Config['users'][number]) => Config['users'][number] | undefined,
        ) => {
          const users = service.config.users.flatMap((user) => change(user) ?? []);
          // A removed user's access keys go with it.
          const accessKeys = service.config.accessKeys.filter((key) =>
            users.some((u) => u.name === key.user),
          );
          return { ...service.config, users, accessKeys };
        };
        const changes: [string, Config, 'demo' | 'viewer'][] = [
          ['new password', withUsers((u) => (u.name === 'demo' ? { ...u, password: 'changed' } : u)), 'demo'],
          [
            'role downgraded',
            withUsers((u) => (u.name === 'demo' ? { ...u, role: 'read-only' } : u)),
            'demo',
          ],
          ['moved to alt', withUsers((u) => (u.name === 'viewer' ? { ...u, project: 'alt' } : u)), 'viewer'],
          ['removed', withUsers((u) => (u.name === 'demo' ? undefined : u)), 'demo'],
        ];
        for (const [change, config, user] of changes) {
          const restarted = await buildApp(config);
          const response = await restarted.inject({
            url: '/v2.0/nat_gateways',
            headers: { 'x-auth-token': tokens[user] },
          });
          assertError(response, 401, 'VPC.0008');
          // Another user's token is untouched by the change.
          const other = tokens[user === 'demo' ? 'viewer' : 'demo'];
          const untouched = await restarted.inject({
            url: '/v2.0/nat_gateways',
            headers: { 'x-auth-token': other },
          });
          assert.equal(untouched.statusCode, 200, change);
          await restarted.close();
        }
        const same = await buildApp(service.config);
        for (const token of Object.values(tokens)) {
          const response = await same.inject({
            url: '/v2.0/nat_gateways',
            headers: { 'x-auth-token': token },
          });
          assert.equal(response.statusCode, 200, 'a restart with the same configuration keeps tokens');
        }
        await same.close();
      } finally {
        await service.close();
      }
    });

    test('lets the read-only user run queries sent as POST, and nothing else that writes', async () => {
      const service = await startService(engine);
      const project = '9ad601814ac94c80bf7bb9073ded66fc';
      const query = await service.as('viewer', {
        method: 'POST',
        url: `/v2.0/${project}/nat_gateways/resource_instances/action`,
        payload: { action: 'count' },
      });
      assert.equal(query.statusCode, 200);
      const write = await service.as('viewer', { method: 'POST', url: '/v2.0/nat_gateways', payload: {} });
      assert.equal(write.statusCode, 403);
      await service.close();
    });

    test('accepts a token at another instance sharing the database', async () => {
      const first = await startService(engine);
      const second = await buildApp(first.config);
      const token = await first.token('demo');
      const response = await second.inject({ url: '/v2.0/nat_gateways', headers: { 'x-auth-token': token } });
      assert.equal(response.statusCode, 200);
      await second.close();
      await first.close();
    });
  });
}

describe('passwords', () => {
  test('are kept as salted hashes that verify only the right password', async () => {
    const stored = hashPassword('demo-password');
    assert.match(stored, /^scrypt\$[\w-]+\$[\w-]+$/);
    assert.notEqual(hashPassword('demo-password'), stored, 'a new salt each time');
    assert.equal(await verifyPassword('demo-password', stored), true);
    assert.equal(await verifyPassword('demo-passwore', stored), false);
    assert.equal(await verifyPassword('x', 'plain-text'), false);
  });
});
