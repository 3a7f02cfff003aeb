import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closedPort, fixedUpstream, type Running } from '../../test/upstreams.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bounded = { timeout: 20_000 };
const cli = ['--import', 'tsx', 'src/cli/main.ts', 'gateway'];

const upstreams: Running[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(upstreams.map((upstream) => upstream.close()));
});

/** Starts `statuskit gateway` as a real process; resolves with its URL once it says it listens. */
function startCli(...args: string[]) {
  const child = spawn(process.execPath, [...cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /^statuskit gateway listening on (http:\/\/\S+)$/m.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, listening, exited, output: () => ({ stdout, stderr }) };
}

function get(url: string, headers: http.OutgoingHttpHeaders = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      http
        .get(url, { headers, agent: false }, (response) => {
          let body = '';
          response.on('data', (chunk) => {
            body += chunk;
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
          );
        })
        .on('error', reject);
    },
  );
}

describe('statuskit gateway', () => {
  test('proxies from the command line, logs with request ids, and stops on SIGTERM', bounded, async () => {
    const good = await fixedUpstream(200, { 'content-type': 'application/json' }, '{"ok":true}');
    upstreams.push(good);
    const down = await closedPort();
    const run = startCli('--upstream', down.url, '--upstream', good.url, '--port', '0', '--timeout', '2000');
    const url = await run.listening;
    const answer = await get(`${url}/things`, { 'x-request-id': 'cli-1' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, '{"ok":true}');
    assert.equal(answer.headers['x-request-id'], 'cli-1');

    const started = performance.now();
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    assert.equal(code, 0, run.output().stderr);
    assert.ok(performance.now() - started < 5_000);
    const { stdout, stderr } = run.output();
    assert.match(stdout, /^statuskit gateway stopped \(SIGTERM\)$/m);
    const lines = stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(
      lines.some((line) => line.reqId === 'cli-1' && line.msg === 'upstream failed and is taken out'),
    );
  });

  test('reads its options from a config file, with proxy credentials', bounded, async () => {
    const good = await fixedUpstream(200, {}, 'ok');
    upstreams.push(good);
    const dir = mkdtempSync(join(tmpdir(), 'statuskit-gateway-'));
    const file = join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ upstreams: [good.url], port: 0, proxyAuth: 'gw:pw', realm: 'cli' }));
    const run = startCli('--config', file, '--log-level', 'silent');
    const url = await run.listening;
    const refused = await get(`${url}/`);
    assert.equal(refused.status, 407);
    assert.equal(refused.headers['proxy-authenticate'], 'Basic realm="cli", charset="UTF-8"');
    const allowed = await get(`${url}/`, {
      'proxy-authorization': `Basic ${Buffer.from('gw:pw').toString('base64')}`,
    });
    assert.equal(allowed.status, 200);
    run.child.kill('SIGINT');
    assert.equal((await run.exited).code, 0);
  });

  for (const [args, message] of [
    [[], 'statuskit: at least one --upstream is needed'],
    [['--upstream', 'ftp://x'], 'statuskit: upstream "ftp://x" must be http: or https:'],
    [['--upstream', 'http://x', '--timeout', 'soon'], 'statuskit: --timeout must be an integer from 1 to'],
    [['--upstream', 'http://x', '--dialect', 'xml'], 'statuskit: unknown dialect "xml"'],
    [['--upstream', 'http://x', '--profile', 'nope'], 'statuskit: unknown profile "nope"'],
    [['--upstream', 'http://x', '--proxy-auth', 'nocolon'], 'statuskit: proxy credentials must be'],
    [['--upstream', 'http://x', '--log-level', 'loud'], 'statuskit: unknown log level "loud"'],
    [['--config', '/nonexistent/gateway.json'], 'statuskit: cannot read config /nonexistent/gateway.json'],
  ] as const) {
    test(`exits 2 with one line for gateway ${args.join(' ')}`, bounded, () => {
      const run = spawnSync(process.execPath, [...cli, ...args], { cwd: root, encoding: 'utf8' });
      assert.equal(run.status, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.ok(run.stderr.startsWith(message), run.stderr);
      assert.equal(run.stderr.trim().split('\n').length, 1);
    });
  }

  test('statuskit gateway --help shows its usage', bounded, () => {
    const run = spawnSync(process.execPath, [...cli, '--help'], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^Usage: statuskit gateway --upstream URL/);
  });
});
