import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { createGateway, engines, startService } from './harness.js';

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

describe('the SQLite file, which holds the token signing key', () => {
  const modeOf = (path: string) => statSync(path).mode & 0o777;

  test('is created readable and writable by its owner alone, and so are its -wal and -shm files', async () => {
    const service = await startService('sqlite');
    try {
      await createGateway(service);
      const file = service.config.sqliteFile;
      for (const path of [file, `${file}-wal`, `${file}-shm`]) assert.equal(modeOf(path), 0o600, path);
    } finally {
      await service.close();
    }
  });

  test('is closed to other users when it was left world-readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natgw-mode-'));
    const file = join(dir, 'natgw.sqlite');
    try {
      const first = await startService('sqlite', { sqliteFile: file });
      await first.close();
      chmodSync(file, 0o644);
      const second = await startService('sqlite', { sqliteFile: file });
      assert.equal(modeOf(file), 0o600);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
