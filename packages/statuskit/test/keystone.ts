import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { passwordAuthBody } from '../src/client/keystone.js';

/**
 * A real OpenStack Keystone (Debian's `python3-keystone`), set up as its guide says in a
 * temporary directory: SQLite, fernet tokens, `keystone-manage db_sync`, `fernet_setup`,
 * `credential_setup` and `bootstrap`, served by its own `keystone-wsgi-public`. A server nobody
 * here wrote, for the probe to judge.
 */
export interface Keystone {
  url: string;
  /** How long the setup took, from nothing to the first answer. */
  setupMs: number;
  /** A token for a user of the admin project (`admin`, or `reader` with the reader role). */
  token(user: 'admin' | 'reader'): Promise<string>;
  /** What the server wrote on standard error lately (its tracebacks). */
  stderr(): string;
  close(): Promise<void>;
}

const run = promisify(execFile);
const manage = '/usr/bin/keystone-manage';
const server = '/usr/bin/keystone-wsgi-public';
const passwords = { admin: 'admin-password', reader: 'reader-password' };

/** Why Keystone cannot run here, or undefined when it can. */
export function keystoneMissing(): string | undefined {
  return existsSync(manage) && existsSync(server)
    ? undefined
    : 'Keystone is not installed (Debian: apt-get install python3-keystone)';
}

export async function startKeystone(): Promise<Keystone> {
  const started = Date.now();
  const dir = await mkdtemp(path.join(tmpdir(), 'statuskit-keystone-'));
  const conf = path.join(dir, 'keystone.conf');
  await writeFile(
    conf,
    [
      '[DEFAULT]',
      `log_dir = ${dir}`,
      'use_stderr = false',
      '[database]',
      `connection = sqlite:///${dir}/keystone.db`,
      '[token]',
      'provider = fernet',
      '[fernet_tokens]',
      `key_repository = ${dir}/fernet-keys`,
      '[credential]',
      `key_repository = ${dir}/credential-keys`,
      '',
    ].join('\n'),
  );
  const { uid, gid } = { uid: String(process.getuid?.() ?? 0), gid: String(process.getgid?.() ?? 0) };
  const keystoneManage = async (...args: string[]) => {
    try {
      await run(manage, ['--config-file', conf, ...args], { timeout: 300_000 });
    } catch (error) {
      throw new Error(
        `keystone-manage ${args[0]} failed: ${(error as { stderr?: string }).stderr?.slice(-500)}`,
      );
    }
  };
  // The keys do not need the database: made while the schema is.
  await Promise.all([
    keystoneManage('db_sync'),
    keystoneManage('fernet_setup', '--keystone-user', uid, '--keystone-group', gid),
    keystoneManage('credential_setup', '--keystone-user', uid, '--keystone-group', gid),
  ]);
  await keystoneManage('bootstrap', '--bootstrap-password', passwords.admin);
  // A second bootstrap adds a user with the reader role on the admin project (through the API,
  // the role assignment meets "database is locked" on SQLite).
  await keystoneManage(
    'bootstrap',
    '--bootstrap-username',
    'reader',
    '--bootstrap-password',
    passwords.reader,
    '--bootstrap-role-name',
    'reader',
    '--bootstrap-project-name',
    'admin',
  );

  const child = spawn(server, ['--host', '127.0.0.1', '--port', '0'], {
    env: { ...process.env, OS_KEYSTONE_CONFIG_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = `${stderr}${chunk}`.slice(-20_000);
  });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await announcedPort(child, () => stderr);
    const url = `http://127.0.0.1:${port}`;
    const token = async (user: 'admin' | 'reader') => {
      const response = await fetch(`${url}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          passwordAuthBody({ username: user, password: passwords[user], project: 'admin' }),
        ),
        signal: AbortSignal.timeout(60_000),
      });
      const subject = response.headers.get('x-subject-token');
      if (response.status !== 201 || !subject)
        throw new Error(`Keystone gave no token for ${user}: ${response.status} ${await response.text()}`);
      return subject;
    };
    return { url, setupMs: Date.now() - started, token, stderr: () => stderr, close: stop };
  } catch (error) {
    const log = await readFile(path.join(dir, 'keystone-wsgi-public.log'), 'utf8').catch(() => '');
    await stop();
    throw new Error(
      `${(error as Error).message}\nKeystone's log ends:\n${log.slice(-2000)}\nIts standard error ends:\n${stderr}`,
    );
  }
}

/** The port `keystone-wsgi-public --port 0` prints ("Available at http://localhost:P/"). */
function announcedPort(child: ChildProcess, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(
      () => reject(new Error(`Keystone did not start in 180 s: ${stderr()}`)),
      180_000,
    );
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      const port = /Available at http:\/\/[^:]+:(\d+)\//.exec(stdout)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(Number(port));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`keystone-wsgi-public exited with ${code}: ${stderr()}`));
    });
  });
}
