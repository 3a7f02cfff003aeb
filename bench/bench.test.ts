import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findNginx } from './nginx.js';

const servers = ['fastify-bare', 'fastify-statuskit', 'express', 'node-http'];
const routes = ['get-200', 'post-201', 'not-found-404', 'wrong-method-405', 'no-token-401'];
const gatewayTargets = ['direct', 'gateway', 'node-proxy', 'nginx'];

interface Cell {
  expected: number;
  valid: boolean;
  rps: number;
  rounds: { statuses: Record<string, number> }[];
}

type GatewayCell = Cell & { cpuUs: { natgw: number | null; proxy: number | null } };

// The gateway part compares the gateway with nginx. CI installs nginx (apt-get install -y nginx);
// elsewhere, without it, only the server part is tested: the bench would install nginx itself,
// which takes longer than this test's budget.
const nginx = findNginx();
const withGateway = nginx !== undefined || process.env.CI === 'true';

test(`npm run bench -- --quick --json${withGateway ? ' --profile' : ' --only servers'}: every server and target answers as expected`, {
  timeout: 118_000,
}, (t) => {
  if (!withGateway)
    t.diagnostic('nginx is not installed (apt-get install -y nginx): the gateway part is left out');
  const args = ['--import', 'tsx', 'bench/run.ts', '--quick', '--json'];
  const run = spawnSync(
    process.execPath,
    [...args, ...(withGateway ? ['--profile'] : ['--only', 'servers'])],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 115_000,
    },
  );
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as {
    machine: { pinning: string };
    rounds: number;
    parts: string[];
    results: Record<string, Record<string, Cell>>;
    paired: {
      a: string;
      b: string;
      valid: boolean;
      ratio: number;
      cpuUs: { a: number | null; b: number | null };
      rounds: unknown[];
    }[];
    ratios: Record<string, number>;
    cpuRatios: Record<string, number | null>;
    targets: { name: string; value: number; verdict: string; detail: string }[];
    profile:
      | { server: string; route: string; busyUs: number; modules: { name: string; us: number }[] }[]
      | null;
    gateway?: {
      results: Record<string, GatewayCell>;
      paired: { valid: boolean; ratio: number; rounds: unknown[] };
      nginx: { version: string | null };
      profile: {
        window: string;
        busyMs: number;
        categories: { name: string; share: number; charged: number }[];
        functions: unknown[];
      } | null;
    };
  };
  assert.equal(report.rounds, 1);
  assert.equal(typeof report.machine.pinning, 'string');
  for (const server of servers) {
    for (const route of routes) {
      const cell = report.results[server]?.[route];
      assert.ok(cell, `${server}/${route} measured`);
      assert.ok(
        cell.valid,
        `${server}/${route}: expected only ${cell.expected}, got ${JSON.stringify(cell.rounds)}`,
      );
      assert.ok(cell.rps > 0);
      assert.equal(typeof report.ratios[`${server}/${route}`], 'number');
    }
  }
  assert.equal(report.results['fastify-bare']?.['wrong-method-405']?.expected, 404);
  assert.equal(report.results['fastify-statuskit']?.['wrong-method-405']?.expected, 405);
  assert.equal(report.ratios['fastify-bare/get-200'], 1);
  // The targets' pairs, each measured at the same time: statuskit against bare Fastify on 200, 201
  // and (bare's 404) the errors, and against Express on every route.
  assert.deepEqual(
    report.paired.map((pair) => `${pair.a} ${pair.b}`),
    [
      ...['get-200', 'post-201'].map((route) => `fastify-statuskit/${route} fastify-bare/${route}`),
      ...['not-found-404', 'wrong-method-405', 'no-token-401'].map(
        (route) => `fastify-statuskit/${route} fastify-bare/not-found-404`,
      ),
      ...routes.map((route) => `fastify-statuskit/${route} express/${route}`),
    ],
  );
  for (const pair of report.paired) {
    assert.ok(pair.valid, `${pair.a} and ${pair.b}: ${JSON.stringify(pair.rounds)}`);
    assert.equal(pair.rounds.length, 1);
    assert.ok(pair.ratio > 0, `${pair.a} and ${pair.b}: ratio ${pair.ratio}`);
    if (process.platform === 'linux') assert.equal(typeof pair.cpuUs.a, 'number');
  }
  const serverTargets = report.targets.filter((target) => target.name.startsWith('fastify-statuskit/'));
  assert.equal(serverTargets.length, 11);
  for (const target of serverTargets) assert.match(target.detail, /µs CPU\/answer/);
  assert.equal(report.targets.length, serverTargets.length + (withGateway ? 3 : 0));
  for (const target of report.targets) assert.match(target.verdict, /^(PASS|MISS)$/);
  // --quick --profile: bare Fastify and statuskit profiled on GET, the CPU of an answer split by module.
  if (withGateway) {
    assert.deepEqual(
      report.profile?.map((cell) => `${cell.server}/${cell.route}`),
      ['fastify-bare/get-200', 'fastify-statuskit/get-200'],
    );
    for (const cell of report.profile ?? []) {
      assert.ok(cell.busyUs > 0, `${cell.server}: CPU sampled`);
      assert.ok(cell.modules.some((module) => module.name === 'Fastify core'));
    }
    assert.ok(report.profile?.[1]?.modules.some((module) => module.name.startsWith('statuskit plugin')));
  }
  if (!withGateway) return;

  assert.deepEqual(report.parts, ['servers', 'gateway']);
  const gateway = report.gateway;
  assert.ok(gateway, 'the gateway part ran');
  assert.equal(typeof gateway.nginx.version, 'string');
  for (const name of gatewayTargets) {
    const cell: GatewayCell | undefined = gateway.results[name];
    assert.ok(cell, `${name}/get-200 measured`);
    assert.ok(cell.valid, `${name}/get-200: expected only 200, got ${JSON.stringify(cell.rounds)}`);
    assert.equal(cell.expected, 200);
    assert.ok(cell.rps > 0);
    if (process.platform === 'linux') assert.equal(typeof cell.cpuUs.natgw, 'number');
  }
  for (const key of ['gateway/get-200', 'node-proxy/get-200', 'nginx/get-200']) {
    assert.equal(typeof report.ratios[key], 'number', key);
    assert.ok((report.ratios[key] as number) > 0, key);
    assert.ok(key in report.cpuRatios, key);
  }
  assert.deepEqual(
    report.targets.slice(serverTargets.length).map((target) => target.name),
    [
      'gateway/get-200 >= 0.50 x direct/get-200',
      'gateway/get-200 >= 0.95 x nginx/get-200',
      'gateway CPU/answer <= 1.15 x node-proxy CPU/answer',
    ],
  );
  assert.ok(gateway.paired.valid, JSON.stringify(gateway.paired.rounds));
  assert.equal(gateway.paired.rounds.length, 1);
  assert.ok(gateway.paired.ratio > 0);
  const profile = gateway.profile;
  assert.ok(profile, 'the gateway was profiled');
  assert.ok(profile.busyMs > 0);
  assert.ok(profile.functions.length > 0);
  const names = profile.categories.map((category) => category.name);
  assert.ok(names.includes('undici (client to natgw)'), names.join(', '));
  const charged = profile.categories.reduce((sum, category) => sum + category.charged, 0);
  assert.ok(Math.abs(charged - 1) < 0.02, `charged shares add up to ${charged}`);
});
