import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { passwordAuthBody } from 'statuskit/client';
import { startService, type TestService } from '../harness.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fromSource = ['--conditions=source', '--import', 'tsx'];
const statuskitCli = fileURLToPath(new URL('src/cli/main.ts', import.meta.resolve('statuskit/package.json')));

/** A process of the tree, bounded; its status and output. */
function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; output: string }> {
  const child = spawn(process.execPath, [...fromSource, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    }),
  );
}

/**
 * The README's three examples against one natgw, as a user runs them one after the other: each
 * on a network of its own (the `curl` one after a reset of the demo project), so that any order,
 * run twice, works on a database the others used.
 */
describe("the README's examples, in any order, twice", () => {
  let service: TestService;
  let url: string;
  before(async () => {
    // The README's setting: 2 s of PENDING_* (the probe waits for it).
    service = await startService('sqlite', { provisioningDelayMs: 2_000 });
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;
    service.config.publicUrl = url;
  });
  after(() => service.close());

  const examples: Record<string, () => Promise<void>> = {
    /** `npm run natgw -- reset demo`, a token, then the pages' example gateway. */
    async curl() {
      const reset = await run(['natgw/src/main.ts', 'reset', 'demo'], { NATGW_URL: url });
      assert.equal(reset.status, 0, reset.output);
      const issued = await fetch(`${url}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          passwordAuthBody({ username: 'demo', password: 'demo-password', project: 'demo' }),
        ),
      });
      const created = await fetch(`${url}/v2.0/nat_gateways`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-auth-token': String(issued.headers.get('x-subject-token')),
        },
        body: JSON.stringify({
          nat_gateway: {
            name: 'nat_001',
            description: 'my nat gateway 01',
            router_id: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
            internal_network_id: '89d66639-aacb-4929-969d-07080b0f9fd9',
            spec: '1',
          },
        }),
      });
      assert.equal(created.status, 201, await created.text());
    },
    /** `npx tsx natgw/examples/client.ts`. */
    async client() {
      const example = await run(['natgw/examples/client.ts'], { STATUSKIT_URL: url });
      assert.equal(example.status, 0, example.output);
      assert.match(example.output, /^(created|found) example-nat \(\S+\): ACTIVE$/m);
    },
    /** `npx statuskit check … --openapi …/openapi.json` with the demo user. */
    async check() {
      const probe = await run([
        statuskitCli,
        'check',
        url,
        '--auth-url',
        `${url}/v3`,
        '--user',
        'demo',
        '--password',
        'demo-password',
        '--project',
        'demo',
        '--openapi',
        `${url}/openapi.json`,
      ]);
      assert.equal(probe.status, 0, probe.output);
      assert.match(probe.output, /^22 passed, 0 failed, 1 skipped$/m);
    },
  };

  for (const order of [
    ['curl', 'client', 'check'],
    ['check', 'client', 'curl'],
    ['client', 'curl', 'check'],
  ]) {
    test(order.join(', '), { timeout: 120_000 }, async () => {
      for (const name of order) await (examples[name] as () => Promise<void>)();
    });
  }
});
