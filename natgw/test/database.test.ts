import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { engines, startService } from './harness.js';

test('keeps serving when its idle PostgreSQL connections are cut (a server restart)', {
  skip: !engines().includes('postgres') && 'no NATGW_TEST_DATABASE_URL',
}, async () => {
  const service = await startService('postgres');
  try {
    const list = () => service.as('demo', { url: '/v2.0/nat_gateways' });
    assert.equal((await list()).statusCode, 200);
    // Cut every connection of the service's pool while it is idle, as a restarting server does.
    const url = new URL(String(service.config.databaseUrl));
    const admin = new pg.Client({ connectionString: String(service.config.databaseUrl) });
    await admin.connect();
    const cut = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [url.pathname.slice(1)],
    );
    await admin.end();
    assert.ok(cut.rowCount && cut.rowCount > 0, 'the service had idle connections to cut');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await list()).statusCode, 200, 'the next request opens a new connection');
  } finally {
    await service.close();
  }
});
