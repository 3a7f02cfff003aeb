import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { profilePages, readSeed } from '../../tools/catalog.js';

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
