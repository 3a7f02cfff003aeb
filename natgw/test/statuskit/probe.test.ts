import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createGateway } from 'statuskit/gateway';
import { formatReport, type Report, runProbe } from 'statuskit/probe';
import { startService, type TestService } from '../harness.js';

/** The statuskit CLI as it is in the tree. */
const cli = fileURLToPath(new URL('src/cli/main.ts', import.meta.resolve('statuskit/package.json')));
const failedIds = (report: Report) =>
  report.checks.filter((check) => check.verdict === 'fail').map((check) => check.id);

/** natgw on its defaults (2 s provisioning), listening, with the Keystone users of its development setup. */
async function listeningNatgw(): Promise<{ service: TestService; url: string }> {
  const service = await startService('sqlite', { provisioningDelayMs: 2_000 });
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;
  service.config.publicUrl = url;
  return { service, url };
}

describe('the probe against natgw', () => {
  let natgw: { service: TestService; url: string };
  before(async () => {
    natgw = await listeningNatgw();
  });
  after(() => natgw.service.close());

  test('passes every check, from the OpenAPI document, in under 15 s with the slow request', async () => {
    const report = await runProbe({
      baseUrl: natgw.url,
      keystone: { authUrl: `${natgw.url}/v3`, user: 'demo', password: 'demo-password', project: 'demo' },
      readonlyToken: await natgw.service.token('viewer'),
      openapi: `${natgw.url}/openapi.json`,
    });
    assert.deepEqual(failedIds(report), [], formatReport(report));
    assert.equal(report.skipped, 0, formatReport(report));
    assert.equal(report.target.resource, '/v2.0/nat_gateways');
    assert.ok(report.durationMs < 15_000, `${report.durationMs} ms`);
  });

  test('passes every check through the gateway', async () => {
    const gateway = await createGateway({ upstreams: [natgw.url], timeout: 10_000 });
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
    natgw.service.config.publicUrl = url;
    const report = await runProbe({
      baseUrl: url,
      token: await natgw.service.token('demo'),
      readonlyToken: await natgw.service.token('viewer'),
      openapi: `${url}/openapi.json`,
    });
    natgw.service.config.publicUrl = natgw.url;
    await gateway.close();
    assert.deepEqual(failedIds(report), [], formatReport(report));
  });

  test('runs from the command line, prints the table and the closing line, and exits 0', async () => {
    const child = spawn(process.execPath, [
      '--conditions=source',
      '--import',
      'tsx',
      cli,
      'check',
      natgw.url,
      '--token',
      await natgw.service.token('demo'),
      '--openapi',
      `${natgw.url}/openapi.json`,
    ]);
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    const status = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(status, 0, stdout);
    assert.match(stdout, /^check +expected +got +verdict$/m);
    assert.match(stdout, /^unknown-route +404 \+ contract body +404 +PASS$/m);
    assert.match(stdout, /^\d+ passed, 0 failed, 1 skipped$/m);
  });
});
