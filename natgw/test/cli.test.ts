import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { passwordAuthBody } from 'statuskit/client';
import { defaultNetwork, type Network } from '../src/network/fixture.js';
import { pageIds, project } from './harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** What `npm run natgw` runs. */
const natgw = ['--conditions=source', '--import', 'tsx', 'natgw/src/main.ts'];
const altProject = '27e25061336f4af590faeabeb7fcd9a3';

/** natgw as `npm run natgw` starts it, on a port of its own; resolves with its banner once it listens. */
function serve(sqliteFile: string): Promise<{ child: ChildProcess; url: string; banner: string }> {
  const child = spawn(process.execPath, natgw, {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      NATGW_SQLITE_FILE: sqliteFile,
      LOG_LEVEL: 'warn',
      NATGW_PROVISIONING_DELAY_MS: '0',
    },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const url = /NAT Gateway API v2\.0 on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      // The banner ends with the network's last line.
      if (url && /network: +your own/.test(output)) resolve({ child, url, banner: output });
    });
    child.on('exit', (code) => reject(new Error(`natgw exited (${code}):\n${output}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** `npm run natgw -- <args>` as a process, with `input` on its standard input; bounded. */
function command(
  args: string[],
  env: NodeJS.ProcessEnv,
  input = '',
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...natgw, ...args], { cwd: root, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}

describe('npm run natgw -- <command>, against natgw running', () => {
  let dir: string;
  let server: { child: ChildProcess; url: string; banner: string };
  let env: NodeJS.ProcessEnv;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'natgw-cli-'));
    server = await serve(join(dir, 'natgw.sqlite'));
    env = { NATGW_URL: server.url };
  });
  after(async () => {
    await stop(server.child);
    rmSync(dir, { recursive: true, force: true });
  });

  async function demoToken(): Promise<string> {
    const issued = await fetch(`${server.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        passwordAuthBody({ username: 'demo', password: 'demo-password', project: 'demo' }),
      ),
    });
    return String(issued.headers.get('x-subject-token'));
  }

  async function send(method: string, path: string, body?: unknown) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-auth-token': await demoToken() },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, { id: string }> };
  }

  test('the banner names the admin user and the ids a first request needs, and how to put your own network', () => {
    const line = (label: string) => new RegExp(`^ {2}${label}: +(.*)$`, 'm').exec(server.banner)?.[1] ?? '';
    assert.match(line('users'), /admin \/ admin-password \(admin, project demo\)/);
    assert.equal(line('VPC'), `${pageIds.router} (vpc-default, 192.168.0.0/16; project demo)`);
    assert.match(
      line('networks'),
      new RegExp(`^${pageIds.internalNetwork} \\(192\\.168\\.0\\.0/24\\), ${pageIds.snatNetwork} `),
    );
    assert.match(line('networks'), /and \d+ more, free for a NAT gateway$/);
    assert.equal(line('port'), `${pageIds.port} (192.168.1.10, network ${pageIds.snatNetwork})`);
    assert.equal(line('EIP'), `${pageIds.floatingIps[0]} (5.21.11.226), free`);
    assert.match(line('network'), /npm run natgw -- network put demo my-network\.json/);
  });

  test('projects, and a network by project name or id', async () => {
    const listed = await command(['projects'], env);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^demo\\t${project}$`, 'm'));
    assert.match(listed.stdout, new RegExp(`^alt\\t${altProject}$`, 'm'));
    for (const named of ['demo', project]) {
      const got = await command(['network', 'get', named], env);
      assert.equal(got.status, 0, got.stderr);
      assert.deepEqual(JSON.parse(got.stdout), defaultNetwork(0, true));
    }
  });

  test('network put from a file and from standard input; a refusal prints its status, code and message, exit 1', async () => {
    const alt: Network = defaultNetwork(1, false);
    alt.floating_ips = alt.floating_ips.slice(0, 10);
    const file = join(dir, 'alt.json');
    writeFileSync(file, JSON.stringify(alt));
    const put = await command(['network', 'put', 'alt', file], env);
    assert.equal(put.status, 0, put.stderr);
    assert.equal(
      put.stdout,
      `network of alt replaced: 3 routers, ${alt.networks.length} networks, ${alt.ports.length} ports, 10 floating ips\n`,
    );
    const fromStdin = await command(
      ['network', 'put', altProject, '-'],
      env,
      JSON.stringify(defaultNetwork(1, false)),
    );
    assert.equal(fromStdin.status, 0, fromStdin.stderr);
    assert.equal(
      JSON.parse((await command(['network', 'get', 'alt'], env)).stdout).floating_ips.length,
      defaultNetwork(1, false).floating_ips.length,
    );

    const invalid = await command(['network', 'put', 'demo', '-'], env, JSON.stringify({ routers: [] }));
    assert.equal(invalid.status, 1);
    assert.match(invalid.stderr, /^natgw: 400 NAT\.0002: .*networks/);
    const notJson = await command(['network', 'put', 'demo', '-'], env, '{');
    assert.equal(notJson.status, 1);
    assert.match(notJson.stderr, /is not JSON/);
    const unknown = await command(['network', 'get', 'nowhere'], env);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^natgw: 404 NAT\.1002: There is no project nowhere\./);

    // A gateway on the pages' network: the network cannot go (409), and nothing changed.
    const created = await send('POST', '/v2.0/nat_gateways', {
      nat_gateway: {
        name: 'cli',
        spec: '1',
        router_id: pageIds.router,
        internal_network_id: pageIds.internalNetwork,
      },
    });
    assert.equal(created.status, 201);
    const demo = defaultNetwork(0, true);
    const smaller = { ...demo, networks: demo.networks.filter((net) => net.id !== pageIds.internalNetwork) };
    const refused = await command(['network', 'put', 'demo', '-'], env, JSON.stringify(smaller));
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      new RegExp(`^natgw: 409 \\S+: The network ${pageIds.internalNetwork} is used by the NAT gateway`),
    );
    assert.deepEqual(JSON.parse((await command(['network', 'get', 'demo'], env)).stdout), demo);
  });

  test('reset one project, then every project; the networks stay', async () => {
    const create = (network: string) =>
      send('POST', '/v2.0/nat_gateways', {
        nat_gateway: { name: 'to-reset', spec: '1', router_id: pageIds.router, internal_network_id: network },
      });
    assert.equal((await create(pageIds.snatNetwork)).status, 201);
    const one = await command(['reset', 'demo'], env);
    assert.equal(one.status, 0, one.stderr);
    assert.equal(one.stdout, 'reset: project demo\n');
    assert.deepEqual((await send('GET', '/v2.0/nat_gateways')).body.nat_gateways, []);
    assert.equal((await create(pageIds.snatNetwork)).status, 201);
    const all = await command(['reset'], env);
    assert.equal(all.status, 0, all.stderr);
    assert.equal(all.stdout, 'reset: every project\n');
    assert.deepEqual((await send('GET', '/v2.0/nat_gateways')).body.nat_gateways, []);
    assert.deepEqual(
      JSON.parse((await command(['network', 'get', 'demo'], env)).stdout),
      defaultNetwork(0, true),
    );
  });

  test('bad usage prints the usage, exit 2; a wrong password or no natgw there, exit 1', async () => {
    for (const args of [
      ['bogus'],
      ['network', 'get'],
      ['network', 'put', 'demo'],
      ['reset', 'demo', 'alt'],
      ['faults'],
      ['projects', 'x'],
    ]) {
      const run = await command(args, env);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^usage: npm run natgw -- \[command\]$/m);
    }
    const wrong = await command(['projects'], { ...env, NATGW_ADMIN_PASSWORD: 'wrong' });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /^natgw: 401 VPC\.0008: /);
    const notAdmin = await command(['projects'], {
      ...env,
      NATGW_ADMIN_USER: 'demo',
      NATGW_ADMIN_PASSWORD: 'demo-password',
    });
    assert.equal(notAdmin.status, 1);
    assert.match(notAdmin.stderr, /^natgw: 403 VPC\.2701: /);
    const badFault = await command(['faults', 'add', '{'], env);
    assert.equal(badFault.status, 1);
    assert.match(badFault.stderr, /the fault is not JSON/);
  });

  test('the banner at the next start names what is still free: a network without a gateway, an EIP no rule holds', async () => {
    const gateway = await send('POST', '/v2.0/nat_gateways', {
      nat_gateway: {
        name: 'banner',
        spec: '1',
        router_id: pageIds.router,
        internal_network_id: pageIds.internalNetwork,
      },
    });
    assert.equal(gateway.status, 201);
    const rule = await send('POST', '/v2.0/snat_rules', {
      snat_rule: {
        nat_gateway_id: gateway.body.nat_gateway?.id,
        network_id: pageIds.snatNetwork,
        floating_ip_id: pageIds.floatingIps[0],
      },
    });
    assert.equal(rule.status, 201);
    await stop(server.child);
    server = await serve(join(dir, 'natgw.sqlite'));
    env = { NATGW_URL: server.url };
    assert.match(
      server.banner,
      new RegExp(`^ {2}networks: +${pageIds.snatNetwork} \\(192\\.168\\.1\\.0/24\\), `, 'm'),
    );
    assert.match(
      server.banner,
      new RegExp(`^ {2}EIP: +${pageIds.floatingIps[1]} \\(5\\.21\\.11\\.227\\), free$`, 'm'),
    );
  });

  test('no natgw at NATGW_URL: exit 1, saying it cannot reach it', async () => {
    await stop(server.child);
    const run = await command(['projects'], env);
    assert.equal(run.status, 1);
    assert.match(run.stderr, new RegExp(`^natgw: cannot reach ${server.url.replace(/\./g, '\\.')}`));
  });
});
