import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseErrorBody } from 'statuskit';
import { passwordAuthBody } from 'statuskit/client';
import { buildApp } from '../src/app.js';
import { hashPassword, verifyPassword } from '../src/identity/passwords.js';
import { engines, startService } from './harness.js';

const passwordAuth = (username: string, password: string, project = 'demo') =>
  passwordAuthBody({ username, password, project });

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
