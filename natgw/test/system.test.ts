import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, connect, createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createClient, passwordAuthBody } from 'statuskit/client';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('npm start runs natgw behind the gateway, everything pointing at the gateway, prints a development AK/SK, and stops on SIGTERM', {
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'natgw-system-'));
  const [port = 0, natgwPort = 0] = await freePorts(2);
  const base = `http://127.0.0.1:${port}`;
  const system = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'natgw/src/system.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      NATGW_PORT: String(natgwPort),
      NATGW_SQLITE_FILE: join(dir, 'natgw.sqlite'),
      NATGW_PROVISIONING_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
    },
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    system.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ctrl-C stops it')) resolve();
    });
    system.on('exit', () => reject(new Error(`exited early:\n${output}`)));
  });
  assert.match(
    output,
    new RegExp(`the NAT Gateway API v2.0 at ${base} \\(gateway → http://127.0.0.1:${natgwPort}\\)`),
  );
  // The admin user as the others, and the demo project's network as the database holds it.
  assert.match(output, /^ {2}users: .*admin \/ admin-password \(admin, project demo\)/m);
  assert.match(
    output,
    /^ {2}VPC: d84f345c-80a1-4fa2-a39c-d0d397c3f09a \(vpc-default, 192\.168\.0\.0\/16; project demo\)$/m,
  );
  assert.match(
    output,
    /^ {2}networks: 89d66639-aacb-4929-969d-07080b0f9fd9 \(192\.168\.0\.0\/24\), .* free for a NAT gateway$/m,
  );
  assert.match(output, /^ {2}port: 9a469561-daac-4c94-88f5-39366e5ea193 /m);
  assert.match(output, /^ {2}EIP: bdc10a4c-d81a-41ec-adf7-de857f7c812a \(5\.21\.11\.226\), free$/m);
  assert.match(output, /^ {2}network: your own: npm run natgw -- network put demo my-network\.json/m);

  const issued = await fetch(`${base}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(passwordAuthBody({ username: 'demo', password: 'demo-password', project: 'demo' })),
  });
  assert.equal(issued.status, 201);
  const token = String(issued.headers.get('x-subject-token'));
  const catalog = ((await issued.json()) as { token: { catalog: unknown } }).token.catalog as {
    type: string;
    endpoints: { url: string }[];
  }[];
  assert.equal(catalog.find((entry) => entry.type === 'nat')?.endpoints[0]?.url, base);

  const created = await fetch(`${base}/v2.0/nat_gateways`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-token': token, 'x-request-id': 'system-1' },
    body: JSON.stringify({
      nat_gateway: {
        name: 'through',
        spec: '1',
        router_id: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
        internal_network_id: '89d66639-aacb-4929-969d-07080b0f9fd9',
      },
    }),
  });
  assert.equal(created.status, 201);
  assert.match(String(created.headers.get('location')), new RegExp(`^${base}/v2.0/nat_gateways/`));
  assert.equal(created.headers.get('x-request-id'), 'system-1');

  // The printed access key signs requests to Huawei Cloud's project-scoped paths, through the gateway.
  const printed = / {2}AK\/SK: (\S+) \/ (\S+) \(user demo, X-Project-Id ([0-9a-f]{32})\)/.exec(output);
  assert.ok(printed, output);
  const [, accessKey = '', secretKey = '', projectId = ''] = printed;
  const signed = createClient({ baseUrl: base, accessKey: { accessKey, secretKey, projectId } });
  const listed = await signed.get<{ nat_gateways: { name: string }[] }>(`/v2/${projectId}/nat_gateways`, {
    query: { name: 'through' },
  });
  assert.deepEqual(
    listed.nat_gateways.map((gateway) => gateway.name),
    ['through'],
  );
  await signed.close();

  system.kill('SIGTERM');
  const status = await new Promise((resolve) => system.on('exit', (code) => resolve(code)));
  assert.equal(status, 0);
  rmSync(dir, { recursive: true, force: true });
});

test('npm start restarts a process that died, with a back-off, and the system serves again', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'natgw-system-'));
  const [port = 0, natgwPort = 0] = await freePorts(2);
  const base = `http://127.0.0.1:${port}`;
  const system = spawn(process.execPath, ['--import', 'tsx', 'natgw/src/system.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      NATGW_PORT: String(natgwPort),
      NATGW_SQLITE_FILE: join(dir, 'natgw.sqlite'),
      LOG_LEVEL: 'warn',
    },
  });
  let output = '';
  const seen = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const look = () => {
        const match = pattern.exec(output);
        if (!match) return false;
        resolve(match);
        return true;
      };
      if (look()) return;
      const onData = () => {
        if (look()) {
          system.stdout.off('data', onData);
          system.stderr.off('data', onData);
        }
      };
      system.stdout.on('data', onData);
      system.stderr.on('data', onData);
      system.once('exit', () => reject(new Error(`exited:\n${output}`)));
    });
  system.stdout.on('data', (chunk) => {
    output += chunk;
  });
  system.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const serving = async () => {
    for (let attempt = 0; attempt < 300; attempt++) {
      const answer = await fetch(`${base}/v2.0`).catch(() => undefined);
      if (answer?.status === 200) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  };
  await seen(/Ctrl-C stops it/);

  for (const name of ['natgw', 'gateway']) {
    const pid = Number((await seen(new RegExp(`\\[system\\] ${name} started \\(pid (\\d+)\\)`)))[1]);
    process.kill(pid, 'SIGKILL');
    await seen(new RegExp(`\\[system\\] ${name} exited \\(SIGKILL\\); restarting in 1000 ms`));
    const again = await seen(new RegExp(`\\[system\\] ${name} started \\(pid (?!${pid}\\))(\\d+)\\)`));
    assert.notEqual(Number(again[1]), pid);
    assert.ok(await serving(), `not serving after ${name} was restarted:\n${output}`);
  }

  system.kill('SIGTERM');
  const status = await new Promise((resolve) => system.on('exit', (code) => resolve(code)));
  assert.equal(status, 0);
  rmSync(dir, { recursive: true, force: true });
});

interface Started {
  system: ChildProcess;
  /** The gateway's port (natgw's own with `npm run natgw`). */
  port: number;
  /** natgw's port behind the gateway. */
  natgwPort: number;
  dir: string;
  /** Standard output and error so far. */
  output(): string;
  /** Resolves with the match once the output has it; rejects when the system exits first, or after 30 s. */
  seen(pattern: RegExp): Promise<RegExpExecArray>;
  /** The exit status, once it has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, and the exit status (also in `exited`); the temp dir goes too. */
  stop(): Promise<number | null>;
}

/** Ports no one listens on now, as the system hands them out. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve) =>
          server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
        ),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/**
 * `npm start` (or `npm run natgw`, `natgw/src/main.ts`) on free ports (`PORT`, `NATGW_PORT`) and a
 * temp SQLite file, with `env`.
 */
async function startSystem(env: Record<string, string>, script = 'natgw/src/system.ts'): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'natgw-system-'));
  const [port = 0, natgwPort = 0] = await freePorts(2);
  const system = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      NATGW_PORT: String(natgwPort),
      NATGW_SQLITE_FILE: join(dir, 'natgw.sqlite'),
      NATGW_PROVISIONING_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  let output = '';
  const listeners = new Set<() => void>();
  for (const stream of [system.stdout, system.stderr]) {
    stream.on('data', (chunk) => {
      output += chunk;
      for (const listener of listeners) listener();
    });
  }
  const exited = new Promise<number | null>((resolve) => system.on('exit', (code) => resolve(code)));
  const seen = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const late = setTimeout(() => reject(new Error(`no ${pattern} within 30 s:\n${output}`)), 30_000);
      const look = () => {
        const match = pattern.exec(output);
        if (match) {
          listeners.delete(look);
          clearTimeout(late);
          resolve(match);
        }
      };
      listeners.add(look);
      look();
      void exited.then(() => {
        clearTimeout(late);
        reject(new Error(`exited before ${pattern}:\n${output}`));
      });
    });
  return {
    system,
    port,
    natgwPort,
    dir,
    output: () => output,
    seen,
    exited,
    async stop() {
      if (system.exitCode === null && system.signalCode === null) system.kill('SIGTERM');
      const status = await exited;
      rmSync(dir, { recursive: true, force: true });
      return status;
    },
  };
}

/** Whether a TCP connection to `host`:`port` is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A password login for `user`, from `localAddress` if given; resolves with the status. */
function login(
  port: number,
  user: string,
  password: string,
  options: { headers?: Record<string, string>; localAddress?: string } = {},
): Promise<number> {
  const body = JSON.stringify(passwordAuthBody({ username: user, password, project: 'demo' }));
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v3/auth/tokens',
        agent: false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        headers: { 'content-type': 'application/json', ...options.headers },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.setTimeout(10_000, () => request.destroy(new Error('no answer within 10 s')));
    request.on('error', reject);
    request.end(body);
  });
}

test("npm start's banner prints the development credentials as such, and of a NATGW_CONFIG file's only where they are", {
  timeout: 60_000,
}, async () => {
  const builtIn = await startSystem({});
  try {
    await builtIn.seen(/Ctrl-C stops it/);
    const banner = builtIn.output().slice(builtIn.output().indexOf('statuskit: the NAT Gateway API'));
    assert.match(banner, /\n {2}development credentials: built in and published/);
    assert.match(banner, /\n {2}users: demo \/ demo-password \(read-write, project demo\)/);
    assert.match(banner, /\n {2}AK\/SK: NATGWDEMOAK000000001 \/ natgw-demo-secret-key-0+1 \(user demo/);
  } finally {
    await builtIn.stop();
  }
  assert.equal(await builtIn.exited, 0, builtIn.output());

  const dir = mkdtempSync(join(tmpdir(), 'natgw-config-'));
  const secret = 'operator-secret-key-5e0c1b7a9d2f4e6a8c0b';
  const password = 'operator-password-3f9d';
  const file = join(dir, 'natgw.json');
  writeFileSync(
    file,
    JSON.stringify({
      projects: [{ name: 'ops', id: '0c5f3a1e2b7d4c9a8e6f1d2c3b4a5e6f' }],
      users: [{ name: 'operator', password, project: 'ops', role: 'read-write' }],
      accessKeys: [{ access: 'OPERATORAK0000000001', secret, user: 'operator' }],
    }),
    { mode: 0o600 },
  );
  const started = await startSystem({ NATGW_CONFIG: file });
  try {
    await started.seen(/Ctrl-C stops it/);
    const output = started.output();
    for (const printed of [secret, password, 'demo-password', 'natgw-demo-secret-key']) {
      assert.equal(output.includes(printed), false, `${printed} printed:\n${output}`);
    }
    assert.doesNotMatch(output, /development credentials/);
    assert.match(
      output,
      new RegExp(`credentials: 1 user and 1 access key from the NATGW_CONFIG file ${file}`),
    );
    // The file's user is the one that logs in.
    const body = JSON.stringify(passwordAuthBody({ username: 'operator', password, project: 'ops' }));
    const issued = await fetch(`http://127.0.0.1:${started.port}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(issued.status, 201);
  } finally {
    await started.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(await started.exited, 0, started.output());
});

test('npm start and npm run natgw refuse a bind beyond loopback with the development credentials', {
  timeout: 60_000,
}, async (t) => {
  for (const script of ['natgw/src/system.ts', 'natgw/src/main.ts']) {
    await t.test(script, async () => {
      const started = await startSystem({ HOST: '0.0.0.0' }, script);
      const outcome = await Promise.race([
        started.exited,
        started.seen(/Ctrl-C stops it|^natgw: NAT Gateway API/m).then(() => 'started'),
      ]);
      const output = started.output();
      const status = await started.stop();
      assert.equal(outcome, 2, `${outcome === 'started' ? 'started' : `exited ${status}`}:\n${output}`);
      assert.match(
        output,
        /refusing to listen on 0\.0\.0\.0 \(beyond loopback\) with the built-in development credentials \(user demo, .*\).*NATGW_ALLOW_DEV_CREDENTIALS=1/,
      );
      assert.equal(await accepts('127.0.0.1', started.port), false);
    });
  }
});

/** The local addresses listening on `port` as `ss` lists them; undefined where there is no `ss`. */
function listening(port: number): string[] | undefined {
  try {
    const table = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
    return table
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => line.trim().split(/\s+/)[3] ?? '');
  } catch {
    return undefined;
  }
}

test('allowed, npm start warns, the gateway listens on HOST and natgw on 127.0.0.1 only', {
  timeout: 60_000,
}, async () => {
  // A local address that is not loopback, if the machine has one: natgw's port must refuse it.
  const outside = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry?.family === 'IPv4' && !entry.internal)?.address;
  const started = await startSystem({ HOST: '0.0.0.0', NATGW_ALLOW_DEV_CREDENTIALS: '1' });
  try {
    await started.seen(/Ctrl-C stops it/);
    const output = started.output();
    const natgw = started.natgwPort;
    assert.equal(await accepts('127.0.0.1', started.port), true);
    assert.equal(await accepts('127.0.0.1', natgw), true);
    if (outside) {
      assert.equal(await accepts(outside, started.port), true, `the gateway on ${outside}`);
      assert.equal(await accepts(outside, natgw), false, `natgw on ${outside}`);
    }
    const bound = listening(natgw);
    if (bound) assert.deepEqual(bound, [`127.0.0.1:${natgw}`]);
    assert.match(output, new RegExp(`gateway → http://127.0.0.1:${natgw}\\)`));
    assert.match(
      output,
      /warning: listening on 0\.0\.0\.0 \(beyond loopback\) with the built-in development credentials/,
    );
  } finally {
    await started.stop();
  }
  assert.equal(await started.exited, 0, started.output());
});

test("a client's X-Forwarded-For never chooses the address the lockout counts, through the gateway or directly", {
  timeout: 60_000,
}, async () => {
  const started = await startSystem({});
  try {
    await started.seen(/Ctrl-C stops it/);
    const gateway = started.port;
    const natgw = started.natgwPort;
    for (let guess = 0; guess < 5; guess++) assert.equal(await login(gateway, 'demo', `guess-${guess}`), 401);
    assert.equal(await login(gateway, 'demo', 'demo-password'), 503);
    const forged = (address: string, more: Record<string, string> = {}) => ({
      headers: { 'x-forwarded-for': address, ...more },
    });
    // Through the gateway: it appends the client's own address after whatever the client wrote.
    for (const address of ['10.9.9.9', '10.9.9.10', '127.0.0.2', '10.9.9.11, 127.0.0.1']) {
      assert.equal(
        await login(gateway, 'demo', 'demo-password', forged(address)),
        503,
        `through, ${address}`,
      );
    }
    assert.equal(
      await login(gateway, 'demo', 'demo-password', forged('10.9.9.12', { 'x-natgw-proxy-secret': 'guess' })),
      503,
    );
    // Directly to natgw's port, from loopback as the gateway is: it does not know the gateway's secret.
    for (const address of ['10.9.9.9', '10.9.9.13']) {
      assert.equal(await login(natgw, 'demo', 'demo-password', forged(address)), 503, `direct, ${address}`);
    }
    assert.equal(
      await login(natgw, 'demo', 'demo-password', forged('10.9.9.14', { 'x-natgw-proxy-secret': 'guess' })),
      503,
    );
    // Another client address, as the gateway names it, is counted apart: its login goes through.
    assert.equal(await login(gateway, 'demo', 'demo-password', { localAddress: '127.0.0.2' }), 201);
    const database = new Database(join(started.dir, 'natgw.sqlite'), { readonly: true });
    const counted = database.prepare('select distinct address from login_failures').all() as {
      address: string;
    }[];
    database.close();
    assert.deepEqual(
      counted.map((row) => row.address),
      ['127.0.0.1'],
    );
  } finally {
    await started.stop();
  }
  assert.equal(await started.exited, 0, started.output());
});
