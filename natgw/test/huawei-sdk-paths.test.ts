import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { Logger4jInstance } from '@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js';
import { createGateway } from 'statuskit/gateway';
import { defaultConfig } from '../src/config.js';
import { pageIds, project, startService, subnet, type TestService } from './harness.js';

/**
 * Tag keys in the path of Huawei Cloud's SDK for Node.js: its NAT client puts the key into
 * `DELETE …/nat_gateways/{nat_gateway_id}/tags/{key}` as it is given (`pathParams`), the core's
 * signer signs the path as its URL parser reads it, and the core's HTTP client sends it as a
 * WHATWG URL encodes it. natgw must take that signature, directly and through the gateway.
 */

type Json = Record<string, unknown>;

/** Keys of every kind the pages allow in a tag; each is sent by the SDK as it is. */
const tagKeys = ['键 a', 'key one', 'a+b', ":@!&'();$", '[x]~_-.', '😀', 'é', 'a^b`c{d}"e', '%41'];

/** The SDK client as `NatClient.newBuilder()…build()` makes it, for the demo user's key. */
function sdkClient(endpoint: string): HcClient {
  const key = defaultConfig.accessKeys.find((candidate) => candidate.user === 'demo');
  if (!key) throw new Error('no access key for demo');
  const credentials = new BasicCredentials().withAk(key.access).withSk(key.secret).withProjectId(project);
  return new ClientBuilder<HcClient>((client) => client)
    .withCredential(credentials)
    .withEndpoint(endpoint)
    .build();
}

/** The NAT client's `deleteNatGatewayTag`, with the path form of `version` (v3: the SDK's; v2.0: the page's). */
function deleteTag(client: HcClient, version: 'v3' | 'v2.0', gateway: string, key: string) {
  return client.sendRequest({
    method: 'DELETE',
    url: `/${version}/{project_id}/nat_gateways/{nat_gateway_id}/tags/{key}`,
    contentType: 'application/json',
    queryParams: {},
    pathParams: { nat_gateway_id: gateway, key },
    headers: {},
  }) as Promise<{ httpStatusCode: number }>;
}

/** The key natgw reads from the path the SDK sends: the SDK passes `%41` on as it is, which reads `A`. */
const readAs = (key: string) => decodeURIComponent(new URL(`http://x/${key}`).pathname.slice(1));

describe("Huawei Cloud's SDK deleting tags whose keys need escaping", { timeout: 60_000 }, () => {
  let service: TestService;
  let natgwUrl: string;
  let gateway: Awaited<ReturnType<typeof createGateway>>;
  let gatewayUrl: string;
  const home = mkdtempSync(join(tmpdir(), 'natgw-sdk-paths-home-'));
  const realHome = process.env.HOME;
  let networks = 0;

  before(async () => {
    // The SDK keeps an application id under the user's home; it gets a home of its own here.
    process.env.HOME = home;
    Logger4jInstance.level = 'off';
    service = await startService('sqlite');
    natgwUrl = await service.app.listen({ host: '127.0.0.1', port: 0 });
    gateway = await createGateway({ upstreams: [natgwUrl], logger: false });
    gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await gateway.close();
    await service.close();
    process.env.HOME = realHome;
    rmSync(home, { recursive: true, force: true });
  });

  /** A gateway of natgw with every key of the table, by a token. */
  async function taggedGateway(): Promise<string> {
    const created = await service.as('demo', {
      method: 'POST',
      url: '/v2.0/nat_gateways',
      payload: {
        nat_gateway: {
          name: `sdk_paths_${networks}`,
          spec: '1',
          router_id: pageIds.router,
          internal_network_id: subnet(20 - networks++),
        },
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = String(created.json().nat_gateway.id);
    for (const keys of [tagKeys.slice(0, 5), tagKeys.slice(5)]) {
      const tags = keys.map((key) => ({ key: readAs(key), value: 'v' }));
      const added = await service.as('demo', {
        method: 'POST',
        url: `/v2.0/${project}/nat_gateways/${id}/tags/action`,
        payload: { action: 'create', tags },
      });
      assert.equal(added.statusCode, 204, added.body);
    }
    return id;
  }

  async function keysOf(id: string): Promise<string[]> {
    const listed = await service.as('demo', { url: `/v2.0/${project}/nat_gateways/${id}/tags` });
    return (listed.json().tags as Json[]).map((tag) => String(tag.key));
  }

  for (const [where, url] of [
    ['natgw directly', () => natgwUrl],
    ['the statuskit gateway', () => gatewayUrl],
  ] as const) {
    for (const version of ['v3', 'v2.0'] as const) {
      test(`deletes each key by /${version}/{project_id}/…/tags/{key} through ${where}: 204, and the tag is gone`, async () => {
        // The public URL is the one the client signed for.
        service.config.publicUrl = url();
        const client = sdkClient(url());
        const id = await taggedGateway();
        for (const key of tagKeys) {
          const deleted = await deleteTag(client, version, id, key).catch((error: Json) => error);
          assert.equal(deleted.httpStatusCode, 204, `${key}: ${JSON.stringify(deleted)}`);
          assert.ok(!(await keysOf(id)).includes(readAs(key)), key);
        }
        assert.deepEqual(await keysOf(id), []);
      });
    }

    test(`deletes each key the caller encoded beforehand, as the pages ask, through ${where}`, async () => {
      service.config.publicUrl = url();
      const client = sdkClient(url());
      const id = await taggedGateway();
      for (const key of tagKeys) {
        const encoded = encodeURIComponent(readAs(key));
        const deleted = await deleteTag(client, 'v3', id, encoded).catch((error: Json) => error);
        assert.equal(deleted.httpStatusCode, 204, `${key}: ${JSON.stringify(deleted)}`);
      }
      assert.deepEqual(await keysOf(id), []);
    });
  }
});
