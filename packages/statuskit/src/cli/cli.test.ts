import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { profilePages, readSeed } from '../../tools/catalog.js';
import { getProfile, profileNames } from '../catalog/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the CLI from its sources, as a real process. */
function cli(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Runs the CLI without blocking this process, for servers of the test to answer it. */
function cliAsync(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

/** One line on stderr, naming the program, and no stack. */
function oneLine(stderr: string, message: RegExp) {
  assert.equal(stderr.split('\n').length, 2, stderr);
  assert.match(stderr, /^statuskit: .*\n$/);
  assert.match(stderr.slice(0, -1), message);
  assert.doesNotMatch(stderr, /\n\s+at |node:internal|Error:/);
}

describe('statuskit codes', () => {
  for (const [profile, files] of Object.entries(profilePages)) {
    for (const [lang, prefix] of Object.entries(files)) {
      test(`--profile ${profile} --lang ${lang} --json reproduces page ${prefix} row for row`, () => {
        const run = cli('codes', '--profile', profile, '--lang', lang, '--json');
        assert.equal(run.status, 0, run.stderr);
        const printed = JSON.parse(run.stdout) as {
          code: number;
          phrase: string;
          description: string;
          kind: string;
        }[];
        const page = readSeed(prefix).tables.flatMap((table) => table.rows);
        assert.deepEqual(
          printed.map(({ code, phrase, description }) => ({ code, phrase, description })),
          page,
        );
        for (const row of printed) assert.equal(row.kind, row.code < 400 ? 'normal' : 'error');
      });
    }
  }

  test('--json says where a text is borrowed or left in English, exactly as the library does', () => {
    for (const name of profileNames) {
      const profile = getProfile(name);
      const run = cli('codes', '--profile', name, '--lang', 'zh-CN', '--json');
      const printed = JSON.parse(run.stdout) as {
        code: number;
        description: string;
        lang?: string;
        from?: string;
      }[];
      for (const row of printed) {
        const text = profile.text(row.code, 'zh-CN');
        assert.deepEqual(
          { description: row.description, lang: row.lang ?? 'zh-CN', from: row.from },
          { description: text.description, lang: text.lang, from: text.from },
          `${name} ${row.code}`,
        );
      }
    }
    const basic = JSON.parse(cli('codes', '--profile', 'basic', '--lang', 'zh-CN', '--json').stdout);
    assert.deepEqual(
      basic.filter((row: { code: number }) => row.code === 200 || row.code === 404),
      [
        {
          code: 200,
          phrase: 'OK',
          description: 'The request has succeeded.',
          kind: 'normal',
          class: 'success',
          lang: 'en',
        },
        {
          code: 404,
          phrase: 'Not Found',
          description: '服务器无法找到被请求的页面。',
          kind: 'error',
          class: 'client-error',
          from: 'nat',
        },
      ],
    );
  });

  test('prints the nat table by default', () => {
    const run = cli('codes');
    assert.equal(run.status, 0);
    assert.match(
      run.stdout,
      /^200 {2}OK +normal {2}Specifies the normal response code for the GET and PUT operations\.$/m,
    );
    assert.match(run.stdout, /^504 {2}Gateway Timeout +error +A gateway timeout error occurred\.$/m);
    assert.equal(run.stdout.trim().split('\n').length, 17);
  });
});

describe('statuskit arguments', () => {
  for (const [args, message] of [
    [['codes', '--profile', 'nope'], 'statuskit: unknown profile "nope" (known: nat, bms, dcaas, basic)'],
    [['codes', '--lang', 'fr'], 'statuskit: unknown language "fr" (known: en, zh-CN)'],
    [['docs', '--format', 'pdf'], 'statuskit: unknown format "pdf" (known: md, rst, html, openapi)'],
    [['docs', '--dialect', 'xml'], 'statuskit: unknown dialect "xml" (known: error, huawei, problem)'],
    [['codes', '--bogus'], 'statuskit: unknown option "--bogus"'],
    [['frobnicate'], 'statuskit: unknown command "frobnicate" (known: check, codes, docs, gateway)'],
  ] as const) {
    test(`exits 2 with one line for ${args.join(' ')}`, () => {
      const run = cli(...args);
      assert.equal(run.status, 2);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, `${message}\n`);
    });
  }

  for (const command of ['codes', 'docs']) {
    test(`statuskit ${command} --help shows its usage`, () => {
      const run = cli(command, '--help');
      assert.equal(run.status, 0);
      assert.match(run.stdout, new RegExp(`^Usage: statuskit ${command}`));
    });
  }

  test('statuskit --help lists the commands', () => {
    const run = cli('--help');
    assert.equal(run.status, 0);
    assert.match(run.stdout, /codes +print a profile's status codes/);
  });
});

describe('statuskit never prints a stack', () => {
  test('exits 2 with one line when docs --out names a directory that does not exist', () => {
    const run = cli('docs', '--out', '/nonexistent/dir/x.html');
    assert.equal(run.status, 2);
    oneLine(run.stderr, /^statuskit: cannot write \/nonexistent\/dir\/x\.html: no such directory$/);
  });

  test('exits 2 with one line when docs --out names a directory', () => {
    const run = cli('docs', '--out', tmpdir());
    assert.equal(run.status, 2);
    oneLine(run.stderr, /: it is a directory$/);
  });

  test('exits 2 with one line for check --openapi naming a missing file', async () => {
    const server = http.createServer((request, response) => {
      request.resume();
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const missing = await cliAsync('check', url, '--openapi', '/nonexistent.json');
    const answers404 = await cliAsync('check', url, '--openapi', `${url}/openapi.json`);
    server.close();
    assert.equal(missing.status, 2);
    oneLine(missing.stderr, /^statuskit: cannot read the OpenAPI document \/nonexistent\.json: ENOENT$/);
    assert.equal(answers404.status, 2);
    oneLine(answers404.stderr, /^statuskit: the OpenAPI document at http:\S+\/openapi\.json answered 404$/);
  });

  test('exits 1 with one line when gateway --port is in use', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const run = await cliAsync(
      'gateway',
      '--upstream',
      'http://127.0.0.1:9',
      '--port',
      String(port),
      '--log-level',
      'silent',
    );
    taken.close();
    assert.equal(run.status, 1);
    oneLine(
      run.stderr,
      new RegExp(`^statuskit: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use$`),
    );
  });

  test('says what is wrong with a negative number given as a value', () => {
    const run = cli('gateway', '--upstream', 'http://127.0.0.1:9', '--timeout', '-5');
    assert.equal(run.status, 2);
    oneLine(run.stderr, /^statuskit: --timeout must be an integer of at least 1, not "-5"$/);
  });

  test('refuses an argument a command does not take', () => {
    const run = cli('codes', 'extra');
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    oneLine(run.stderr, /^statuskit: unexpected argument "extra"$/);
  });

  test('takes a language tag in any case (RFC 5646 §2.1.1)', () => {
    const lower = cli('codes', '--lang', 'zh-cn', '--json');
    assert.equal(lower.status, 0, lower.stderr);
    assert.deepEqual(JSON.parse(lower.stdout), JSON.parse(cli('codes', '--lang', 'zh-CN', '--json').stdout));
    assert.equal(cli('docs', '--lang', 'EN').status, 0);
  });

  test('prints its version with --version', () => {
    const run = cli('--version');
    assert.equal(run.status, 0);
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.equal(run.stdout, `${version}\n`);
  });

  test('says which option lacks its value', () => {
    const run = cli('codes', '--profile');
    assert.equal(run.status, 2);
    oneLine(run.stderr, /^statuskit: --profile needs a value$/);
  });
});

describe('the installed bin', () => {
  test('runs from the repository root as npx statuskit', () => {
    const run = spawnSync('npx', ['--no-install', 'statuskit', 'codes', '--profile', 'basic', '--json'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).length, 10);
  });
});
