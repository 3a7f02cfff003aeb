import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertError, startService } from './harness.js';

const listProjects = { method: 'GET', url: '/_natgw/projects' } as const;

describe('the admin API', () => {
  test('answers the admin user, and refuses no credentials (401) and every other role (403), reads included', async () => {
    const service = await startService('sqlite');
    try {
      const listed = await service.as('admin', listProjects);
      assert.equal(listed.statusCode, 200);
      assert.deepEqual(
        listed.json().projects.map((project: { name: string }) => project.name),
        ['demo', 'alt'],
      );
      const anonymous = await service.app.inject(listProjects);
      assert.equal(anonymous.statusCode, 401);
      assert.match(String(anonymous.headers['www-authenticate']), /^Keystone uri=/);
      for (const user of ['demo', 'viewer', 'alt'] as const)
        assertError(await service.as(user, listProjects), 403, 'VPC.2701');
    } finally {
      await service.close();
    }
  });

  test('an admin acts in its own project as a read-write user does', async () => {
    const service = await startService('sqlite');
    try {
      const created = await service.as('admin', {
        method: 'POST',
        url: '/v2.0/nat_gateways',
        payload: {
          nat_gateway: {
            name: 'by-admin',
            router_id: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
            internal_network_id: '89d66639-aacb-4929-969d-07080b0f9fd9',
            spec: '1',
          },
        },
      });
      assert.equal(created.statusCode, 201, created.body);
    } finally {
      await service.close();
    }
  });

  test('is not served when switched off (adminApi: false, NATGW_ADMIN_API=off)', async () => {
    const service = await startService('sqlite', { adminApi: false });
    try {
      assertError(await service.as('admin', listProjects), 404, 'NAT.1002');
    } finally {
      await service.close();
    }
    const { loadConfig } = await import('../src/config.js');
    assert.equal(loadConfig({ NATGW_ADMIN_API: 'off' }).adminApi, false);
    assert.equal(loadConfig({}).adminApi, true);
  });

  test('is in the OpenAPI document, each operation open to the admin role only', async () => {
    const service = await startService('sqlite');
    try {
      const document = (await service.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      const operation = document.paths['/_natgw/projects'].get;
      assert.deepEqual(operation.tags, ['Admin (natgw)']);
      assert.ok(operation.responses['403'], 'a 403 for non-admin roles');
      assert.ok(operation.responses['401']);
    } finally {
      await service.close();
    }
  });
});
