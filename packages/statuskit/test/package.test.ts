import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getProfile } from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repositoryDir = join(packageDir, '..', '..');

/** What the README's examples need besides statuskit, at the versions the repository is checked with. */
const exampleTools = ['typescript', '@types/node', '@fastify/swagger'].map((name) => {
  const { version } = JSON.parse(
    readFileSync(join(repositoryDir, 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version: string };
  return `${name}@${version}`;
});

/**
 * A user's tsconfig: the checks `tsc --init` (TypeScript 5.9) turns on, Node's module system, and
 * `skipLibCheck` off (`tsc --init` turns it on) so that the package's own declarations are checked
 * too: an example that compiles so compiles for a user with either setting.
 */
const userTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    skipLibCheck: false,
    noEmit: true,
  },
};

/** The ```ts blocks of a Markdown text, each with the line of its opening fence. */
function typescriptBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let start = 0; start < lines.length; start++) {
    if (lines[start]?.trim() !== '```ts') continue;
    const end = lines.findIndex((line, index) => index > start && line.trim() === '```');
    assert.ok(end > start, `the block at line ${start + 1} is not closed`);
    blocks.push({ line: start + 1, code: lines.slice(start + 1, end).join('\n') });
    start = end;
  }
  return blocks;
}

/** Every file under `dir`, depth first. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the packed package, installed into an empty project', () => {
  const dir = mkdtempSync(join(tmpdir(), 'statuskit-user-'));
  const statuskit = (...args: string[]) =>
    execFileSync(join(dir, 'node_modules', '.bin', 'statuskit'), args, { cwd: dir, encoding: 'utf8' });

  before(() => {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], {
      cwd: packageDir,
      encoding: 'utf8',
    }).trim();
    writeFileSync(join(dir, 'package.json'), '{ "name": "user", "private": true, "type": "module" }\n');
    // One install for everything: the README's examples are compiled with the project's own tools.
    const install = spawnSync(
      'npm',
      ['install', '--no-audit', '--no-fund', join(dir, tarball), ...exampleTools],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(install.status, 0, install.stderr);
    installWarnings = install.stderr.split('\n').filter((line) => /^npm warn/i.test(line));
  });
  let installWarnings: string[] = [];
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('installs without a warning on a Node the engines field claims (no EBADENGINE, no install script)', (t) => {
    const claimed = (
      JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    const major = Number(process.versions.node.split('.')[0]);
    if (major < Number(/^>=(\d+)/.exec(claimed)?.[1])) {
      t.skip(`Node ${process.versions.node} is outside the engines field (${claimed})`);
      return;
    }
    assert.deepEqual(installWarnings, []);
  });

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

  test("ships the library's own README and the LICENSE", () => {
    const installed = join(dir, 'node_modules', 'statuskit');
    const readme = readFileSync(join(installed, 'README.md'), 'utf8');
    assert.equal(readme.match(/^# .*$/m)?.[0], '# statuskit');
    // The repository's README has the same first heading: the text itself tells them apart.
    assert.equal(readme, readFileSync(join(packageDir, 'README.md'), 'utf8'));
    assert.equal(
      readFileSync(join(installed, 'LICENSE'), 'utf8'),
      readFileSync(join(packageDir, 'LICENSE'), 'utf8'),
    );
  });

  test("every TypeScript example of the README compiles under tsc --strict in the user's project", () => {
    const readme = readFileSync(join(dir, 'node_modules', 'statuskit', 'README.md'), 'utf8');
    const blocks = typescriptBlocks(readme);
    assert.ok(blocks.length >= 4, `${blocks.length} blocks`);
    // Each example is a program of its own, named for its line in the README.
    for (const { line, code } of blocks) writeFileSync(join(dir, `readme-line-${line}.ts`), `${code}\n`);
    writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(userTsconfig, null, 2)}\n`);
    const tsc = join(dir, 'node_modules', '.bin', 'tsc');
    try {
      execFileSync(tsc, ['--strict', '--noEmit', '-p', '.'], { cwd: dir, encoding: 'utf8' });
    } catch (error) {
      assert.fail(`tsc found errors in the README's examples:\n${(error as { stdout: string }).stdout}`);
    }
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
