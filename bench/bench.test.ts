import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const servers = ['fastify-bare', 'fastify-statuskit', 'express', 'node-http'];
const routes = ['get-200', 'post-201', 'not-found-404', 'wrong-method-405', 'no-token-401'];

interface Cell {
  expected: number;
  valid: boolean;
  rps: number;
  rounds: { statuses: Record<string, number> }[];
}

test('npm run bench -- --quick --json: every server answers every route as expected', {
  timeout: 65_000,
}, () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--json'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as {
    machine: { pinning: string };
    rounds: number;
    results: Record<string, Record<string, Cell>>;
    ratios: Record<string, number>;
    targets: { name: string; value: number; verdict: string }[];
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
  assert.equal(report.targets.length, 10);
  for (const target of report.targets) assert.match(target.verdict, /^(PASS|MISS)$/);
});
