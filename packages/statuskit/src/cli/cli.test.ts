import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
