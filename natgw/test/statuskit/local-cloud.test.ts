import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { createClient, keystone, type RetryEvent } from 'statuskit/client';
import { defaultConfig } from '../../src/config.js';
import type { Network } from '../../src/network/fixture.js';
import { project } from '../harness.js';
import { natgwBehindGateway } from '../processes.js';

/** A network of the user's own, declared through the admin API: no file is edited. */
const mine = {
  router: { id: 'a7e0c0de-0000-4000-8000-000000000001', name: 'vpc-ci', cidr: '10.200.0.0/16' },
  network: {
    id: 'b7e0c0de-0000-4000-8000-000000000001',
    router_id: 'a7e0c0de-0000-4000-8000-000000000001',
    cidr: '10.200.1.0/24',
  },
  port: {
    id: 'c7e0c0de-0000-4000-8000-000000000001',
    network_id: 'b7e0c0de-0000-4000-8000-000000000001',
    ip: '10.200.1.10',
  },
  eip: { id: 'e7e0c0de-0000-4000-8000-000000000001', address: '203.0.113.10' },
};

type Json = Record<string, unknown>;

/** Huawei Cloud's SDK core, signing with the demo user's access key, as its NatClient does. */
function huaweiNat(endpoint: string) {
  const key = defaultConfig.accessKeys.find((candidate) => candidate.user === 'demo');
  assert.ok(key);
  const client = new ClientBuilder<HcClient>((built) => built)
    .withCredential(new BasicCredentials().withAk(key.access).withSk(key.secret).withProjectId(project))
    .withEndpoint(endpoint)
    .build();
  const send = <T>(method: string, url: string, data?: Json, pathParams: Json = {}) =>
    client.sendRequest<T & never>({
      method,
      url,
      contentType: 'application/json',
      queryParams: {},
      pathParams,
      headers: data === undefined ? {} : { 'Content-Type': 'application/json' },
      ...(data === undefined ? {} : { data }),
    }) as Promise<T>;
  return {
    createGateway: () =>
      send<{ nat_gateway: { id: string } }>('POST', '/v2/{project_id}/nat_gateways', {
        nat_gateway: {
          name: 'ci-nat',
          spec: '1',
          router_id: mine.router.id,
          internal_network_id: mine.network.id,
        },
      }),
    createRule: (kind: 'snat' | 'dnat', rule: Json) =>
      send<Json>('POST', `/v2/{project_id}/${kind}_rules`, { [`${kind}_rule`]: rule }),
  };
}

test('natgw as a local cloud: declare a network, create with the official SDK, a 503 retried after Retry-After, a delay the gateway answers 504, reset, and again', {
  timeout: 90_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'natgw-local-cloud-'));
  const gatewayTimeout = 1500;
  const system = await natgwBehindGateway(join(dir, 'natgw.sqlite'), gatewayTimeout);
  const base = system.gateway.url;
  const login = (username: string) =>
    keystone({ authUrl: `${base}/v3`, username, password: `${username}-password`, project: 'demo' });
  const admin = createClient({ baseUrl: base, getToken: login('admin').getToken, retry: false });
  const retries: RetryEvent[] = [];
  const demo = createClient({
    baseUrl: base,
    getToken: login('demo').getToken,
    onRetry: (event) => retries.push(event),
  });
  try {
    // 1. The network: the project's document with the user's VPC, subnet, port and EIP added.
    const networkUrl = `/_natgw/projects/${project}/network`;
    const current = await admin.get<Network>(networkUrl);
    const declared = await admin.put<Network>(networkUrl, {
      ...current,
      routers: [...current.routers, mine.router],
      networks: [...current.networks, mine.network],
      ports: [...current.ports, mine.port],
      floating_ips: [...current.floating_ips, mine.eip],
    });
    assert.equal(declared.status, 200);

    // The SDK signs for the host it calls: natgw's own here (behind a gateway, natgw's public URL
    // must be the gateway's, as `npm start` sets it).
    const nat = huaweiNat(system.natgw.url);
    const buildOnIt = async () => {
      const { nat_gateway } = await nat.createGateway();
      const snat = await nat.createRule('snat', {
        nat_gateway_id: nat_gateway.id,
        network_id: mine.network.id,
        floating_ip_id: mine.eip.id,
      });
      const dnat = await nat.createRule('dnat', {
        nat_gateway_id: nat_gateway.id,
        port_id: mine.port.id,
        floating_ip_id: mine.eip.id,
        protocol: 'tcp',
        internal_service_port: 22,
        external_service_port: 2222,
      });
      assert.ok((snat.snat_rule as Json).id && (dnat.dnat_rule as Json).id);
      return nat_gateway.id;
    };
    // 2. A gateway and its rules, with the official SDK (signed with an access key).
    const first = await buildOnIt();

    // 3. A 503 with Retry-After on the next list: statuskit/client waits that long and tries again.
    const list = `/v2/${project}/nat_gateways`;
    await admin.post('/_natgw/faults', {
      project_id: project,
      method: 'GET',
      path: list,
      status: 503,
      retry_after: 1,
    });
    const began = Date.now();
    const listed = await demo.get<{ nat_gateways: { id: string }[] }>(list);
    assert.deepEqual(
      listed.nat_gateways.map((gateway) => gateway.id),
      [first],
    );
    assert.equal(retries.length, 1);
    assert.equal(retries[0]?.basis, 'retry-after');
    assert.ok(Date.now() - began >= 1000);

    // 4. A delay longer than the gateway waits: the gateway's own 504.
    await admin.post('/_natgw/faults', {
      project_id: project,
      method: 'GET',
      path: list,
      delay_ms: gatewayTimeout * 2,
    });
    const token = await login('demo').getToken({ renew: false });
    const late = await fetch(`${base}${list}`, { headers: { 'x-auth-token': token } });
    assert.equal(late.status, 504);
    assert.equal(((await late.json()) as { error: { code: string } }).error.code, 'SK.0504');
    assert.equal((await admin.delete('/_natgw/faults')).status, 204);

    // 5. Reset: every resource of the project goes, the network stays.
    assert.equal((await admin.post(`/_natgw/reset?project_id=${project}`)).status, 204);
    const empty = await demo.get<{ nat_gateways: unknown[] }>(list);
    assert.deepEqual(empty.nat_gateways, []);
    const kept = await admin.get<Network>(networkUrl);
    assert.ok(kept.routers.some((router) => router.id === mine.router.id));

    // 6. And again, on the same ids: the network, its port and its EIP are free once more.
    const second = await buildOnIt();
    assert.notEqual(second, first);
  } finally {
    await Promise.all([admin.close(), demo.close()]);
    await system.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
