import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { root, started, stopped } from './processes.js';

/**
 * Every command of every README's ```sh blocks, as a user copies it: each is covered by a rule below
 * (most run for real), so a command that no longer works, or a new one nothing checks, fails here.
 */

const readmes = [
  'README.md',
  'CONTRIBUTING.md',
  'packages/statuskit/README.md',
  'natgw/README.md',
  'bench/README.md',
];

interface Command {
  file: string;
  /** The line it starts on. */
  line: number;
  /** The line of its block's opening fence. */
  block: number;
  /** Continuations joined, the comment dropped, environment assignments kept. */
  text: string;
}

/** A shell line without its comment: `#` at a word's start, outside quotes. */
function withoutComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = '';
    } else if (char === "'" || char === '"') quote = char;
    else if (char === '\\') i++;
    else if (char === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) return line.slice(0, i);
  }
  return line;
}

function shellCommands(file: string): Command[] {
  const commands: Command[] = [];
  let block = 0;
  let pending: Command | undefined;
  readFileSync(join(root, file), 'utf8')
    .split('\n')
    .forEach((source, index) => {
      const line = index + 1;
      if (!block) {
        if (/^\s*```sh\s*$/.test(source)) block = line;
        return;
      }
      if (/^\s*```/.test(source)) {
        block = 0;
        return;
      }
      const text = withoutComment(source).trim();
      const continued = text.endsWith('\\');
      const part = continued ? text.slice(0, -1).trim() : text;
      if (pending) pending.text += ` ${part}`;
      else if (part) pending = { file, line, block, text: part };
      if (pending && !continued) {
        commands.push(pending);
        pending = undefined;
      }
    });
  return commands;
}

/** Machine setup and the suite itself: `.ci/run` does them on a CI machine; run here, they would install or recurse. */
const coveredByCi = [
  'apt-get install -y postgresql',
  'pg_ctlcluster --skip-systemctl-redirect 15 main start',
  `su postgres -c "psql -c \\"alter user postgres password 'postgres'\\""`,
  'DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres PORT=8081 npm run natgw &',
  'DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres PORT=8082 npm run natgw &',
  'NATGW_TEST_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres npm test',
];

/** The rules, the first that matches a command covers it. */
const rules = {
  ci: (command: Command) => coveredByCi.includes(command.text),
  curl: (command: Command) => command.file === 'natgw/README.md' && /(^|\$\()curl /.test(command.text),
  natgw: (command: Command) => /^npm run natgw -- \S/.test(command.text),
  npm: (command: Command) =>
    /^(?:[A-Z][A-Z0-9_]*=\S+ )*npm (?:ci|test|start|install \S+|run [\w:-]+)(?: && npm run [\w:-]+)*$/.test(
      command.text,
    ),
  statuskit: (command: Command) => /^npx statuskit (?:codes|docs)(?: |$)/.test(command.text),
  check: (command: Command) => /^npx statuskit check \S/.test(command.text),
};
type Rule = keyof typeof rules;

const commands = readmes.flatMap(shellCommands);
const ruleOf = (command: Command) =>
  (Object.keys(rules) as Rule[]).find((rule) => rules[rule](command)) as Rule | undefined;
const covered = (rule: Rule) => commands.filter((command) => ruleOf(command) === rule);
const label = (command: Command) =>
  `${command.file}:${command.line}: ${command.text.length > 90 ? `${command.text.slice(0, 90)}…` : command.text}`;

const scripts: Record<string, string> = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
const library: { name: string; bin: Record<string, string> } = JSON.parse(
  readFileSync(join(root, 'packages/statuskit/package.json'), 'utf8'),
);

const quoted = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/** A root script's command line as it runs from any directory: node itself, `--import` resolved, the tree's files by path. */
function fromAnywhere(script: string): string {
  const words = script.split(' ');
  return words
    .map((word, i) => {
      if (i === 0 && word === 'node') return quoted(process.execPath);
      if (words[i - 1] === '--import') return quoted(import.meta.resolve(word));
      return quoted(existsSync(join(root, word)) ? join(root, word) : word);
    })
    .join(' ');
}

/** `npx statuskit` as the tree runs it: the package's bin, from source. */
const statuskitFromSource = fromAnywhere(
  `node --conditions=source --import tsx packages/statuskit/${String(library.bin.statuskit).replace(/^dist\/(.*)\.js$/, 'src/$1.ts')}`,
);

/** A README command as bash runs it here: the tree's commands from source, natgw's default URL the test's natgw. */
function runnable(text: string, natgwUrl = 'http://127.0.0.1:8080'): string {
  return text
    .replace(/^npm run natgw -- /, `${fromAnywhere(String(scripts.natgw))} `)
    .replace(/^npx statuskit /, `${statuskitFromSource} `)
    .replaceAll('http://127.0.0.1:8080', natgwUrl);
}

/** A script run by bash in `cwd`, its output; bounded: its process group is killed at `timeoutMs`. */
function bash(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-c', script], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  }, timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'readmes-'));
}

test('every command of every README is covered by a rule of this test', () => {
  assert.ok(commands.length > 20, `${commands.length} commands found`);
  const uncovered = commands.filter((command) => !ruleOf(command)).map(label);
  assert.deepEqual(uncovered, [], `commands this test does not cover:\n${uncovered.join('\n')}`);
  const stale = coveredByCi.filter((text) => !commands.some((command) => command.text === text));
  assert.deepEqual(stale, [], 'commands left to .ci/run that no README has any more');
});

describe('npm: the builtins find what they need, the scripts exist in the root package.json', () => {
  for (const command of covered('npm'))
    test(label(command), () => {
      const npm = command.text.replace(/^(?:[A-Z][A-Z0-9_]*=\S+ )*/, '');
      for (const [, verb, argument] of npm.matchAll(/npm (\w+)(?: (\S+))?/g)) {
        if (verb === 'ci')
          assert.ok(existsSync(join(root, 'package-lock.json')), `${label(command)}: no lock`);
        else if (verb === 'install')
          assert.equal(argument, library.name, `${label(command)}: installs the library by its name`);
        else {
          const script = verb === 'run' ? String(argument) : String(verb);
          assert.ok(script in scripts, `${label(command)}: no script "${script}" in package.json`);
        }
      }
    });
});

describe('npx statuskit codes and docs, from source, each in a directory of its own', {
  concurrency: true,
}, () => {
  for (const command of covered('statuskit'))
    test(label(command), async () => {
      const dir = scratch();
      try {
        const run = await bash(runnable(command.text), dir);
        assert.equal(run.status, 0, `${label(command)}\n${run.stderr}`);
        const out = /--out (\S+)/.exec(command.text)?.[1];
        if (out) assert.ok(statSync(join(dir, out)).size > 0, `${label(command)}: ${out} is empty`);
        else assert.ok(run.stdout.trim().length > 0, `${label(command)}: no output`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});

describe("against a natgw of the test's own, in the READMEs' order", () => {
  let dir: string;
  let natgw: Awaited<ReturnType<typeof started>>;
  let url: string;
  before(
    async () => {
      dir = scratch();
      natgw = await started(
        ['natgw/src/main.ts'],
        { HOST: '127.0.0.1', PORT: '0', NATGW_SQLITE_FILE: join(dir, 'natgw.sqlite'), LOG_LEVEL: 'warn' },
        /^natgw: NAT Gateway API v2.0 on (http:\S+)/,
      );
      url = String(natgw.match[1]);
    },
    { timeout: 30_000 },
  );
  after(async () => {
    if (natgw) await stopped(natgw.child);
    rmSync(dir, { recursive: true, force: true });
  });

  const promised = /the probe gives `(\d+ passed, \d+ failed, \d+ skipped)`/.exec(
    readFileSync(join(root, 'natgw/README.md'), 'utf8'),
  )?.[1];

  for (const command of covered('check')) {
    if (command.text.startsWith('npx statuskit check http://127.0.0.1:8080 ')) {
      test(`${label(command)} gives ${promised}`, { timeout: 60_000 }, async () => {
        assert.ok(promised, 'natgw/README.md says what the probe gives natgw');
        const run = await bash(runnable(command.text, url), dir, {}, 50_000);
        assert.equal(run.status, 0, `${label(command)}\n${run.stdout}${run.stderr}`);
        assert.match(run.stdout, new RegExp(`^${promised}$`, 'm'), label(command));
      });
      continue;
    }
    // An illustration (a service of the reader's own, its bodies in files): against a closed port,
    // it fails for that alone, not for its arguments.
    test(`${label(command)}: only unreachable`, async () => {
      const target = `http://127.0.0.1:${await closedPort()}`;
      for (const [, body] of command.text.matchAll(/--(?:create|update)-body (\S+)/g))
        writeFileSync(join(dir, String(body)), '{"name":"example"}');
      const run = await bash(runnable(command.text).replaceAll(/http:\/\/127\.0\.0\.1:\d+/g, target), dir);
      assert.equal(run.status, 2, `${label(command)}\n${run.stderr}`);
      assert.match(
        run.stderr,
        new RegExp(`^statuskit: ${target} cannot be reached`, 'm'),
        `${label(command)}\n${run.stderr}`,
      );
    });
  }

  const blocks = new Map<string, Command[]>();
  for (const command of commands) {
    const at = `${command.file}:${command.block}`;
    blocks.set(at, [...(blocks.get(at) ?? []), command]);
  }
  for (const block of blocks.values()) {
    const first = block[0] as Command;
    const natgwCommands = block.filter((command) => ruleOf(command) === 'natgw');
    const curlCommands = block.filter((command) => ruleOf(command) === 'curl');
    if (curlCommands.length > 0) {
      // The block's natgw and curl lines as one script, curl printing each answer's status on a
      // last line; twice, as the README promises it runs again and again.
      const scriptCommands = block.filter(
        (command) => natgwCommands.includes(command) || curlCommands.includes(command),
      );
      for (const time of [1, 2])
        test(`${first.file}:${first.block}: the curl example, time ${time}`, async () => {
          const lines = [
            'set -euo pipefail',
            `curl() { command curl --write-out '\\n%{http_code}\\n' "$@"; }`,
            ...scriptCommands.map((command) => runnable(command.text, url)),
          ];
          const run = await bash(lines.join('\n'), dir, { NATGW_URL: url });
          assert.equal(run.status, 0, `${first.file}:${first.block}\n${run.stdout}${run.stderr}`);
          const [body, status] = run.stdout.trimEnd().split('\n').slice(-2);
          assert.equal(status, '201', `${first.file}:${first.block}: the create answered ${body}`);
          assert.equal(JSON.parse(String(body)).nat_gateway?.name, 'nat_001', String(body));
        });
      continue;
    }
    for (const command of natgwCommands)
      test(label(command), async () => {
        const run = await bash(runnable(command.text, url), dir, { NATGW_URL: url });
        assert.equal(run.status, 0, `${label(command)}\n${run.stderr}`);
        const written = /> *(\S+)$/.exec(command.text)?.[1];
        if (written)
          assert.ok(statSync(join(dir, written)).size > 0, `${label(command)}: ${written} is empty`);
      });
  }
});

/** A port of 127.0.0.1 nothing listens on: one just closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
