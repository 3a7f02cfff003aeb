import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getProfile } from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Every file under `dir`, depth first. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the packed package, installed into an empty project', () => {
  const dir = mkdtempSync(join(tmpdir(), 'statuskit-user-'));
  const npm = (...args: string[]) => execFileSync('npm', args, { cwd: dir, encoding: 'utf8' });
  const statuskit = (...args: string[]) =>
    execFileSync(join(dir, 'node_modules', '.bin', 'statuskit'), args, { cwd: dir, encoding: 'utf8' });

  before(() => {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], {
      cwd: packageDir,
      encoding: 'utf8',
    }).trim();
    writeFileSync(join(dir, 'package.json'), '{ "name": "user", "private": true, "type": "module" }\n');
    npm('install', '--no-audit', '--no-fund', join(dir, tarball));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('brings no database driver and builds nothing native', () => {
    const modules = join(dir, 'node_modules');
    for (const name of ['better-sqlite3', 'pg', 'kysely', 'natgw']) {
      assert.equal(existsSync(join(modules, name)), false, name);
    }
    assert.deepEqual(
      files(modules).filter((file) => file.endsWith('.node')),
      [],
    );
  });

  test('ships the built library and no source, tests or seed pages', () => {
    const shipped = files(join(dir, 'node_modules', 'statuskit')).map((file) =>
      file.slice(join(dir, 'node_modules', 'statuskit').length + 1),
    );
    assert.ok(shipped.includes('dist/index.js'));
    assert.ok(shipped.includes('dist/cli/main.js'));
    assert.deepEqual(
      shipped.filter((file) => /^(src|test|tools|seeds)\/|\.test\./.test(file)),
      [],
    );
  });

  test('npx statuskit codes --json prints the nat table', () => {
    const rows = JSON.parse(statuskit('codes', '--json')) as { code: number }[];
    assert.deepEqual(
      rows.map((row) => row.code),
      getProfile('nat').rows.map((row) => row.code),
    );
  });

  test('codes and docs run without Fastify, which only the plugin and the gateway need', () => {
    rmSync(join(dir, 'node_modules', 'fastify'), { recursive: true, force: true });
    assert.match(statuskit('codes', '--profile', 'basic'), /Internal Error/);
    assert.match(
      statuskit('docs', '--profile', 'nat', '--lang', 'zh-CN', '--format', 'md'),
      /服务器无法找到被请求的页面。/,
    );
  });
});
