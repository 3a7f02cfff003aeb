import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createGateway } from 'statuskit/gateway';
import { createNatGateway } from '../../examples/client.js';
import { startService, subnet, type TestService } from '../harness.js';

const bounded = { timeout: 10_000 };

describe('the README example', () => {
  let service: TestService;
  let gateway: FastifyInstance;
  let url: string;

  before(async () => {
    // Gateways stay PENDING_CREATE for 600 ms, as a real one would for longer.
    service = await startService('sqlite', { provisioningDelayMs: 600 });
    const natgw = await service.app.listen({ host: '127.0.0.1', port: 0 });
    gateway = await createGateway({ upstreams: [natgw] });
    url = await gateway.listen({ host: '127.0.0.1', port: 0 });
    // As `npm start` sets it up: everything a client sees (the token's catalog) names the gateway.
    service.config.publicUrl = url;
  });
  after(async () => {
    await gateway.close();
    await service.close();
  });

  test('creates a NAT gateway through the gateway and waits until it is ACTIVE', bounded, async () => {
    const statuses: string[] = [];
    const { gateway: nat, created } = await createNatGateway({
      url,
      name: 'example-nat',
      signal: AbortSignal.timeout(8_000),
      onStatus: (status) => statuses.push(status),
    });
    assert.equal(created, true);
    assert.equal(nat.status, 'ACTIVE');
    assert.equal(statuses[0], 'PENDING_CREATE');
    assert.equal(statuses.at(-1), 'ACTIVE');
  });

  test('finds the gateway of that name instead of creating a second one', bounded, async () => {
    // On a network of its own: the first test's gateway has the example's (one per network, NAT.0012).
    const options = { url, name: 'example-twice', internalNetworkId: subnet(3) };
    const first = await createNatGateway({ ...options, signal: AbortSignal.timeout(8_000) });
    const second = await createNatGateway({ ...options, signal: AbortSignal.timeout(8_000) });
    assert.equal(second.created, false);
    assert.equal(second.gateway.id, first.gateway.id);
    assert.equal(second.gateway.status, 'ACTIVE');
  });

  test('a read-only user gets the 403 thrown, not swallowed', bounded, async () => {
    await assert.rejects(
      createNatGateway({ url, name: 'example-viewer', username: 'viewer', password: 'viewer-password' }),
      { name: 'ForbiddenError', status: 403 },
    );
  });
});
