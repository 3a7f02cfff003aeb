import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createClient, passwordAuthBody } from 'statuskit/client';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('npm start runs natgw behind the gateway, everything pointing at the gateway, prints a development AK/SK, and stops on SIGTERM', {
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'natgw-system-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const base = `http://127.0.0.1:${port}`;
  const system = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'natgw/src/system.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
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
    new RegExp(`the NAT Gateway API v2.0 at ${base} \\(gateway → http://127.0.0.1:${port + 1}\\)`),
  );

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
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const base = `http://127.0.0.1:${port}`;
  const system = spawn(process.execPath, ['--import', 'tsx', 'natgw/src/system.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
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
