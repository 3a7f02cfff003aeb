import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startService, type TestService } from './harness.js';

const script = fileURLToPath(new URL('./clients/keystoneauth.py', import.meta.url));

/** OpenStack's own client library, not written here, against a listening natgw. */
describe('keystoneauth1 against natgw', () => {
  let service: TestService;
  let steps: Record<string, Record<string, unknown>>;
  let base: string;

  before(async () => {
    service = await startService('sqlite', { provisioningDelayMs: 0 });
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;
    service.config.publicUrl = base;
    // Debian's python3 with its python3-keystoneauth1 package; the service answers from this process meanwhile.
    const run = await promisify(execFile)('/usr/bin/python3', [script, base], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    steps = Object.fromEntries(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
        .map((step) => [step.step, step]),
    );
  });
  after(() => service.close());

  test('authenticates with the v3 Password plugin and finds the NAT endpoint in the catalog', () => {
    assert.equal(steps.endpoint?.url, base);
    assert.equal(steps.endpoint?.project, '9ad601814ac94c80bf7bb9073ded66fc');
  });

  test('discovers the identity version at GET /v3 without falling back to parsing the URL', () => {
    const seen = steps['discover-v3'];
    assert.equal(seen?.raised, undefined, String(seen?.message));
    assert.deepEqual(seen?.warnings, []);
    assert.deepEqual(seen?.versions, ['v3.0']);
    assert.equal(seen?.project, '9ad601814ac94c80bf7bb9073ded66fc');
  });

  test('given the root as its auth URL, finds there only the NAT API (the page) and says so', () => {
    // GET / lists the NAT API's v2.0 alone, as its page: no identity v3 to discover there
    // (keystoneauth takes that v2.0 for identity v2). The auth URL is the identity API's own,
    // /v3, as on the real service.
    const seen = steps['discover-root'];
    assert.equal(seen?.raised, 'DiscoveryFailure', String(seen?.message));
    assert.equal(seen?.message, 'Cannot use v2 authentication with domain scope');
  });

  test('creates and deletes through its session', () => {
    assert.equal(steps.create?.status, 201);
    assert.equal(steps.create?.location, `${base}/v2.0/nat_gateways/${steps.create?.id}`);
    assert.equal(steps.delete?.status, 204);
    assert.equal(steps.delete?.body, '');
  });

  for (const [step, raised, status, message] of [
    ['not-found', 'NotFound', 404, 'NatGateway 0f0f0f0f-0000-4000-8000-000000000000 does not exist.'],
    ['in-use', 'BadRequest', 400, 'Rule has not been deleted.'],
    [
      'bad-request',
      'BadRequest',
      400,
      // The page's message; the field is in the details.
      'Invalid parameters.',
    ],
    ['method', 'MethodNotAllowed', 405, `The method POST is not allowed for /v2.0/nat_gateways/`],
    ['bad-password', 'Unauthorized', 401, 'The request you have made requires authentication.'],
  ] as const) {
    test(`raises ${raised} with our message and request id for ${status}`, () => {
      const seen = steps[step];
      assert.equal(seen?.raised, raised);
      assert.equal(seen?.http_status, status);
      assert.ok(String(seen?.message).startsWith(message), String(seen?.message));
      if (step !== 'bad-password') assert.match(String(seen?.request_id), /^req-/);
    });
  }
});
