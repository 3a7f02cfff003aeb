import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import { ClientRequestException } from '@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { Logger4jInstance } from '@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js';
import { createGateway as createProxy } from 'statuskit/gateway';
import { defaultConfig } from '../src/config.js';
import { eip, pageIds, port, project, startService, subnet, type TestService } from './harness.js';

/**
 * Huawei Cloud's SDK for Node.js (its core from npm: the request signer and the HTTP client)
 * against a listening natgw, with the request shapes of its NAT client (`services/nat/v2`):
 * project-scoped paths, `Content-Type: application/json` on every request, AK/SK signatures.
 */

type Json = Record<string, unknown>;
type Reply<T = Json> = T & { httpStatusCode: number };

const keyOf = (user: string) => {
  const key = defaultConfig.accessKeys.find((candidate) => candidate.user === user);
  if (!key) throw new Error(`no access key for ${user}`);
  return key;
};

/** An SDK client as `NatClient.newBuilder()…build()` makes it, for one user's key. */
function sdkClient(
  endpoint: string,
  user: string,
  secret = keyOf(user).secret,
  projectId = project,
): HcClient {
  const credentials = new BasicCredentials()
    .withAk(keyOf(user).access)
    .withSk(secret)
    .withProjectId(projectId);
  return new ClientBuilder<HcClient>((client) => client)
    .withCredential(credentials)
    .withEndpoint(endpoint)
    .build();
}

/** The NAT client's operations, each as it builds its request for the core's `sendRequest`. */
function natOperations(client: HcClient) {
  const send = <T>(
    method: string,
    url: string,
    options: { pathParams?: Json; queryParams?: Json; data?: unknown } = {},
  ) =>
    client.sendRequest<Reply<T> & never>({
      method,
      url,
      contentType: 'application/json',
      queryParams: options.queryParams ?? {},
      pathParams: options.pathParams ?? {},
      headers: options.data === undefined ? {} : { 'Content-Type': 'application/json' },
      ...(options.data === undefined ? {} : { data: options.data as Json }),
    }) as Promise<Reply<T>>;
  const gateway = (nat_gateway_id: string) => ({ pathParams: { nat_gateway_id } });
  return {
    createNatGateway: (body: Json) =>
      send<{ nat_gateway: Json }>('POST', '/v2/{project_id}/nat_gateways', { data: body }),
    listNatGateways: (queryParams: Json) =>
      send<{ nat_gateways: Json[] }>('GET', '/v2/{project_id}/nat_gateways', { queryParams }),
    showNatGateway: (id: string) =>
      send<{ nat_gateway: Json }>('GET', '/v2/{project_id}/nat_gateways/{nat_gateway_id}', gateway(id)),
    updateNatGateway: (id: string, body: Json) =>
      send<{ nat_gateway: Json }>('PUT', '/v2/{project_id}/nat_gateways/{nat_gateway_id}', {
        ...gateway(id),
        data: body,
      }),
    deleteNatGateway: (id: string) =>
      send('DELETE', '/v2/{project_id}/nat_gateways/{nat_gateway_id}', gateway(id)),
    createRule: (kind: 'snat' | 'dnat', body: Json) =>
      send<Json>('POST', `/v2/{project_id}/${kind}_rules`, { data: body }),
    listRules: (kind: 'snat' | 'dnat', queryParams: Json) =>
      send<Json>('GET', `/v2/{project_id}/${kind}_rules`, { queryParams }),
    showRule: (kind: 'snat' | 'dnat', id: string) =>
      send<Json>('GET', `/v2/{project_id}/${kind}_rules/{${kind}_rule_id}`, {
        pathParams: { [`${kind}_rule_id`]: id },
      }),
    updateRule: (kind: 'snat' | 'dnat', id: string, body: Json) =>
      send<Json>('PUT', `/v2/{project_id}/${kind}_rules/{${kind}_rule_id}`, {
        pathParams: { [`${kind}_rule_id`]: id },
        data: body,
      }),
    batchCreateNatGatewayDnatRules: (body: Json) =>
      send<{ dnat_rules: Json[] }>('POST', '/v2/{project_id}/dnat_rules/batch', { data: body }),
    deleteRule: (kind: 'snat' | 'dnat', gatewayId: string, id: string) =>
      send('DELETE', `/v2/{project_id}/nat_gateways/{nat_gateway_id}/${kind}_rules/{${kind}_rule_id}`, {
        pathParams: { nat_gateway_id: gatewayId, [`${kind}_rule_id`]: id },
      }),
    createNatGatewayTag: (id: string, body: Json) =>
      send('POST', '/v3/{project_id}/nat_gateways/{nat_gateway_id}/tags', { ...gateway(id), data: body }),
    showNatGatewayTag: (id: string) =>
      send<{ tags: Json[] }>('GET', '/v3/{project_id}/nat_gateways/{nat_gateway_id}/tags', gateway(id)),
    batchCreateDeleteNatGatewayTag: (id: string, body: Json) =>
      send('POST', '/v3/{project_id}/nat_gateways/{nat_gateway_id}/tags/action', {
        ...gateway(id),
        data: body,
      }),
    deleteNatGatewayTag: (id: string, key: string) =>
      send('DELETE', '/v3/{project_id}/nat_gateways/{nat_gateway_id}/tags/{key}', {
        // As the NAT client puts it: the key as given, escaped by no one but the HTTP client.
        pathParams: { nat_gateway_id: id, key },
      }),
    listNatGatewayTag: () => send<{ tags: Json[] }>('GET', '/v3/{project_id}/nat_gateways/tags'),
    createTransitIp: (body: Json) =>
      send<{ transit_ip: Json; request_id: string }>('POST', '/v3/{project_id}/private-nat/transit-ips', {
        data: body,
      }),
    listTransitIps: (queryParams: Json) =>
      send<{ transit_ips: Json[]; page_info: Json }>('GET', '/v3/{project_id}/private-nat/transit-ips', {
        queryParams,
      }),
    showTransitIp: (id: string) =>
      send<{ transit_ip: Json }>('GET', '/v3/{project_id}/private-nat/transit-ips/{transit_ip_id}', {
        pathParams: { transit_ip_id: id },
      }),
    deleteTransitIp: (id: string) =>
      send('DELETE', '/v3/{project_id}/private-nat/transit-ips/{transit_ip_id}', {
        pathParams: { transit_ip_id: id },
      }),
    createPrivateNat: (body: Json) =>
      send<{ gateway: Json }>('POST', '/v3/{project_id}/private-nat/gateways', { data: body }),
    createPrivateRule: (kind: 'snat' | 'dnat', body: Json) =>
      send<Json>('POST', `/v3/{project_id}/private-nat/${kind}-rules`, { data: body }),
    listPrivateRules: (kind: 'snat' | 'dnat', queryParams: Json) =>
      send<Json>('GET', `/v3/{project_id}/private-nat/${kind}-rules`, { queryParams }),
    showPrivateRule: (kind: 'snat' | 'dnat', id: string) =>
      send<Json>('GET', `/v3/{project_id}/private-nat/${kind}-rules/{${kind}_rule_id}`, {
        pathParams: { [`${kind}_rule_id`]: id },
      }),
    updatePrivateRule: (kind: 'snat' | 'dnat', id: string, body: Json) =>
      send<Json>('PUT', `/v3/{project_id}/private-nat/${kind}-rules/{${kind}_rule_id}`, {
        pathParams: { [`${kind}_rule_id`]: id },
        data: body,
      }),
    deletePrivateRule: (kind: 'snat' | 'dnat', id: string) =>
      send('DELETE', `/v3/{project_id}/private-nat/${kind}-rules/{${kind}_rule_id}`, {
        pathParams: { [`${kind}_rule_id`]: id },
      }),
    listNatGatewayByTag: (body: Json) =>
      send<{ resources: Json[]; total_count: number }>(
        'POST',
        '/v3/{project_id}/nat_gateways/resource_instances/action',
        {
          data: body,
        },
      ),
  };
}

/** The SDK's exception for an error answer; fails when the call succeeded or threw something else. */
async function sdkError(call: Promise<unknown>): Promise<ClientRequestException> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ClientRequestException, String(error));
    return error;
  }
  assert.fail('the call succeeded');
}

/** A gateway on a network of its own: the pages allow one gateway per network (NAT.0012). */
let networks = 0;
const gatewayBody = (name: string) => ({
  nat_gateway: {
    name,
    description: 'by the SDK',
    router_id: pageIds.router,
    internal_network_id: subnet(30 - networks++),
    spec: '1',
  },
});

describe("Huawei Cloud's SDK (AK/SK) against natgw", { timeout: 120_000 }, () => {
  let service: TestService;
  let base: string;
  let nat: ReturnType<typeof natOperations>;
  const home = mkdtempSync(join(tmpdir(), 'natgw-sdk-home-'));
  const realHome = process.env.HOME;

  before(async () => {
    // The SDK keeps an application id under the user's home; it gets a home of its own here.
    process.env.HOME = home;
    Logger4jInstance.level = 'off';
    service = await startService('sqlite');
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;
    service.config.publicUrl = base;
    nat = natOperations(sdkClient(base, 'demo'));
  });
  after(async () => {
    await service.close();
    process.env.HOME = realHome;
    rmSync(home, { recursive: true, force: true });
  });

  test('creates, shows, lists, updates and deletes a NAT gateway on /v2/{project_id}/nat_gateways', async () => {
    const created = await nat.createNatGateway(gatewayBody('sdk_nat'));
    assert.equal(created.httpStatusCode, 201);
    const id = String(created.nat_gateway.id);
    assert.equal(created.nat_gateway.tenant_id, project);

    const shown = await nat.showNatGateway(id);
    assert.equal(shown.httpStatusCode, 200);
    assert.equal(shown.nat_gateway.name, 'sdk_nat');

    const listed = await nat.listNatGateways({ name: 'sdk_nat', limit: 10 });
    assert.deepEqual(
      listed.nat_gateways.map((gateway) => gateway.id),
      [id],
    );

    const updated = await nat.updateNatGateway(id, { nat_gateway: { name: 'sdk_nat_renamed', spec: '2' } });
    assert.equal(updated.nat_gateway.name, 'sdk_nat_renamed');
    assert.equal(updated.nat_gateway.spec, '2');

    const deleted = await nat.deleteNatGateway(id);
    assert.equal(deleted.httpStatusCode, 204);
    const gone = await sdkError(nat.showNatGateway(id));
    assert.equal(gone.httpStatusCode, 404);
  });

  test("raises ClientRequestException with natgw's code, message and request id", async () => {
    const missing = 'fe1a4cf0-27fe-4b97-a9b1-2c67c127f0e0';
    const error = await sdkError(nat.showNatGateway(missing));
    assert.equal(error.httpStatusCode, 404);
    assert.equal(error.errorCode, 'NAT.0105');
    assert.equal(error.errorMsg, `NatGateway ${missing} does not exist.`);
    assert.match(String(error.requestId), /^req-[0-9a-f-]{36}$/);

    const invalid = await sdkError(nat.createNatGateway({ nat_gateway: { name: 'x' } }));
    assert.equal(invalid.httpStatusCode, 400);
    assert.equal(invalid.errorCode, 'NAT.0002');
    assert.equal(invalid.errorMsg, 'Invalid parameters.');
  });

  for (const kind of ['snat', 'dnat'] as const) {
    test(`creates, shows, lists and deletes a ${kind.toUpperCase()} rule, deleting it under its gateway`, async () => {
      const gateway = String((await nat.createNatGateway(gatewayBody(`sdk_${kind}`))).nat_gateway.id);
      const rule =
        kind === 'snat'
          ? {
              snat_rule: {
                nat_gateway_id: gateway,
                network_id: pageIds.snatNetwork,
                floating_ip_id: eip(40),
              },
            }
          : {
              dnat_rule: {
                nat_gateway_id: gateway,
                port_id: port(40),
                internal_service_port: 993,
                floating_ip_id: eip(41),
                external_service_port: 242,
                protocol: 'tcp',
              },
            };
      const created = await nat.createRule(kind, rule);
      assert.equal(created.httpStatusCode, 201);
      const id = String((created[`${kind}_rule`] as Json).id);

      const shown = await nat.showRule(kind, id);
      assert.equal((shown[`${kind}_rule`] as Json).nat_gateway_id, gateway);
      const listed = await nat.listRules(kind, { nat_gateway_id: gateway, limit: 5 });
      assert.deepEqual(
        (listed[`${kind}_rules`] as Json[]).map((one) => one.id),
        [id],
      );

      const other = String((await nat.createNatGateway(gatewayBody(`sdk_${kind}_other`))).nat_gateway.id);
      const elsewhere = await sdkError(nat.deleteRule(kind, other, id));
      assert.equal(elsewhere.httpStatusCode, 404);
      assert.equal(elsewhere.errorCode, kind === 'snat' ? 'NAT.0209' : 'NAT.0319');

      const deleted = await nat.deleteRule(kind, gateway, id);
      assert.equal(deleted.httpStatusCode, 204);
      assert.equal((await sdkError(nat.showRule(kind, id))).httpStatusCode, 404);
    });
  }

  test('assigns, shows, lists (arrays as repeated keys) and releases transit IPs under /v3/{project_id}/private-nat', async () => {
    const transitSubnet = '49ee5fb5-75bf-4320-946e-b21ef4c9c9c1';
    const ids: string[] = [];
    for (const ip_address of ['172.20.1.10', '172.20.1.98']) {
      const created = await nat.createTransitIp({ transit_ip: { virsubnet_id: transitSubnet, ip_address } });
      assert.equal(created.httpStatusCode, 201);
      assert.equal(created.transit_ip.ip_address, ip_address);
      assert.equal(typeof created.request_id, 'string');
      ids.push(String(created.transit_ip.id));
    }
    assert.equal((await nat.showTransitIp(ids[0] ?? '')).transit_ip.virsubnet_id, transitSubnet);
    const listed = await nat.listTransitIps({
      ip_address: ['172.20.1.10', '172.20.1.98'],
      virsubnet_id: [transitSubnet],
      limit: 1,
      page_reverse: true,
    });
    // page_reverse with limit 1: the last made.
    assert.deepEqual(
      listed.transit_ips.map((one) => one.id),
      [ids[1]],
    );
    assert.equal(listed.page_info.current_count, 1);
    const both = await nat.listTransitIps({ ip_address: ['172.20.1.10', '172.20.1.98'] });
    assert.equal(both.transit_ips.length, 2);
    const taken = await sdkError(
      nat.createTransitIp({ transit_ip: { virsubnet_id: transitSubnet, ip_address: '172.20.1.10' } }),
    );
    assert.equal(taken.httpStatusCode, 409);
    assert.equal(taken.errorCode, 'NAT.1403');
    for (const id of ids) assert.equal((await nat.deleteTransitIp(id)).httpStatusCode, 204);
    assert.equal((await sdkError(nat.showTransitIp(ids[0] ?? ''))).errorCode, 'NAT.1002');
  });

  test("creates, shows, lists, updates and deletes a private gateway's SNAT rule as createPrivateSnat and its siblings send them", async () => {
    const gateway = await nat.createPrivateNat({
      gateway: {
        name: 'sdk_private_snat',
        downlink_vpcs: [{ virsubnet_id: '373979ee-f4f0-46c5-80e3-0fbf72646b70' }],
      },
    });
    const gatewayId = String(gateway.gateway.id);
    const transitIp = await nat.createTransitIp({
      transit_ip: { virsubnet_id: '49ee5fb5-75bf-4320-946e-b21ef4c9c9c1', ip_address: '172.20.1.10' },
    });
    const transitIpId = String(transitIp.transit_ip.id);
    const created = await nat.createPrivateRule('snat', {
      snat_rule: {
        description: 'my_snat_rule01',
        gateway_id: gatewayId,
        virsubnet_id: '5b9ea497-727d-4ad0-a99e-3984b3f5aaed',
        transit_ip_ids: [transitIpId],
      },
    });
    assert.equal(created.httpStatusCode, 201);
    const rule = created.snat_rule as Json;
    const id = String(rule.id);
    assert.deepEqual(rule.transit_ip_associations, [
      { transit_ip_id: transitIpId, transit_ip_address: '172.20.1.10' },
    ]);
    assert.equal(((await nat.showPrivateRule('snat', id)).snat_rule as Json).id, id);
    const listed = await nat.listPrivateRules('snat', {
      gateway_id: [gatewayId],
      transit_ip_address: ['172.20.1.10'],
      limit: 10,
      page_reverse: false,
    });
    assert.deepEqual(
      (listed.snat_rules as Json[]).map((one) => one.id),
      [id],
    );
    const updated = await nat.updatePrivateRule('snat', id, {
      snat_rule: { description: 'my_snat_rule_update' },
    });
    assert.equal((updated.snat_rule as Json).description, 'my_snat_rule_update');
    const refused = await sdkError(nat.deleteTransitIp(transitIpId));
    assert.equal(refused.httpStatusCode, 409);
    assert.equal(refused.errorCode, 'NAT.1409');
    assert.equal((await nat.deletePrivateRule('snat', id)).httpStatusCode, 204);
    assert.equal((await sdkError(nat.showPrivateRule('snat', id))).errorCode, 'NAT.1002');
    assert.equal((await nat.deleteTransitIp(transitIpId)).httpStatusCode, 204);
  });

  test("creates, lists, updates and deletes a private gateway's DNAT rule as createPrivateDnat and its siblings send them", async () => {
    const gateway = await nat.createPrivateNat({
      gateway: {
        name: 'sdk_private_dnat',
        downlink_vpcs: [{ virsubnet_id: '373979ee-f4f0-46c5-80e3-0fbf72646b70' }],
      },
    });
    const gatewayId = String(gateway.gateway.id);
    const transitIp = await nat.createTransitIp({
      transit_ip: { virsubnet_id: '49ee5fb5-75bf-4320-946e-b21ef4c9c9c1', ip_address: '172.20.1.98' },
    });
    const transitIpId = String(transitIp.transit_ip.id);
    const created = await nat.createPrivateRule('dnat', {
      dnat_rule: {
        description: 'aa',
        gateway_id: gatewayId,
        transit_ip_id: transitIpId,
        network_interface_id: 'dae9393a-b536-491c-a5a2-72edc1104707',
        protocol: 'tcp',
        internal_service_port: '80',
        transit_service_port: '8080',
      },
    });
    assert.equal(created.httpStatusCode, 201);
    const rule = created.dnat_rule as Json;
    const id = String(rule.id);
    assert.equal(rule.private_ip_address, '192.168.1.72');
    assert.equal(rule.internal_service_port, '80');
    const listed = await nat.listPrivateRules('dnat', {
      protocol: ['TCP'],
      gateway_id: [gatewayId],
      limit: 5,
    });
    assert.deepEqual(
      (listed.dnat_rules as Json[]).map((one) => one.id),
      [id],
    );
    const updated = await nat.updatePrivateRule('dnat', id, { dnat_rule: { transit_service_port: '8081' } });
    assert.equal((updated.dnat_rule as Json).transit_service_port, '8081');
    const taken = await sdkError(
      nat.createPrivateRule('dnat', {
        dnat_rule: {
          gateway_id: gatewayId,
          transit_ip_id: transitIpId,
          private_ip_address: '192.168.1.5',
          protocol: 'tcp',
          internal_service_port: '1',
          transit_service_port: '8081',
        },
      }),
    );
    assert.equal(taken.httpStatusCode, 409);
    assert.equal(taken.errorCode, 'NAT.1310');
    assert.equal((await nat.deletePrivateRule('dnat', id)).httpStatusCode, 204);
    assert.equal((await sdkError(nat.showPrivateRule('dnat', id))).errorCode, 'NAT.1002');
    assert.equal((await nat.deleteTransitIp(transitIpId)).httpStatusCode, 204);
  });

  test("updates SNAT and DNAT rules and creates DNAT rules in a batch, as Huawei Cloud's NAT client sends them", async () => {
    const gateway = String((await nat.createNatGateway(gatewayBody('sdk_updates'))).nat_gateway.id);
    const batch = await nat.batchCreateNatGatewayDnatRules({
      dnat_rules: [
        {
          nat_gateway_id: gateway,
          port_id: port(42),
          internal_service_port: 993,
          floating_ip_id: eip(43),
          external_service_port: 242,
          protocol: 'tcp',
        },
        {
          nat_gateway_id: gateway,
          private_ip: '192.168.1.100',
          internal_service_port: 0,
          floating_ip_id: eip(44),
          external_service_port: 0,
          protocol: 'any',
        },
      ],
    });
    assert.equal(batch.httpStatusCode, 201);
    assert.deepEqual(
      batch.dnat_rules.map((rule) => rule.protocol),
      ['tcp', 'any'],
    );
    const dnatId = String(batch.dnat_rules[0]?.id);
    const dnat = await nat.updateRule('dnat', dnatId, {
      dnat_rule: {
        nat_gateway_id: gateway,
        port_id: port(42),
        internal_service_port: 994,
        floating_ip_id: eip(45),
        external_service_port: 243,
        protocol: 'udp',
        description: 'by the SDK',
      },
    });
    assert.equal(dnat.httpStatusCode, 200);
    assert.deepEqual(
      [(dnat.dnat_rule as Json).floating_ip_id, (dnat.dnat_rule as Json).protocol],
      [eip(45), 'udp'],
    );

    const snatId = String(
      (
        (
          await nat.createRule('snat', {
            snat_rule: { nat_gateway_id: gateway, network_id: pageIds.snatNetwork, floating_ip_id: eip(46) },
          })
        ).snat_rule as Json
      ).id,
    );
    const address = (n: number) => `80.0.0.${n}`;
    const snat = await nat.updateRule('snat', snatId, {
      snat_rule: { nat_gateway_id: gateway, public_ip_address: `${address(47)},${address(48)}` },
    });
    assert.equal(snat.httpStatusCode, 200);
    assert.equal((snat.snat_rule as Json).floating_ip_id, `${eip(47)},${eip(48)}`);

    const viewer = natOperations(sdkClient(base, 'viewer'));
    const refused = await sdkError(
      viewer.updateRule('snat', snatId, { snat_rule: { nat_gateway_id: gateway } }),
    );
    assert.equal(refused.httpStatusCode, 403);
    assert.equal(refused.errorCode, 'VPC.2701');
    const unknown = await sdkError(
      nat.updateRule('dnat', 'fe1a4cf0-27fe-4b97-a9b1-2c67c127f0e0', {
        dnat_rule: { nat_gateway_id: gateway, description: 'x' },
      }),
    );
    assert.equal(unknown.httpStatusCode, 404);
    assert.equal(unknown.errorCode, 'NAT.0319');
  });

  test('adds, lists, batch-edits, deletes and finds tags under /v3/{project_id}', async () => {
    const gateway = String((await nat.createNatGateway(gatewayBody('sdk_tags'))).nat_gateway.id);
    assert.equal(
      (await nat.createNatGatewayTag(gateway, { tag: { key: 'key one', value: 'value1' } })).httpStatusCode,
      204,
    );
    const batch = {
      action: 'create',
      tags: [
        { key: 'env', value: 'dev' },
        { key: '网关', value: 'x' },
      ],
    };
    assert.equal((await nat.batchCreateDeleteNatGatewayTag(gateway, batch)).httpStatusCode, 204);
    assert.deepEqual(
      (await nat.showNatGatewayTag(gateway)).tags.map((tag) => tag.key).sort(),
      ['env', 'key one', '网关'].sort(),
    );

    // A key with a space and one in Chinese, signed as the SDK's signer reads the path.
    assert.equal((await nat.deleteNatGatewayTag(gateway, 'key one')).httpStatusCode, 204);
    assert.equal((await nat.deleteNatGatewayTag(gateway, '网关')).httpStatusCode, 204);
    assert.deepEqual(
      (await nat.showNatGatewayTag(gateway)).tags.map((tag) => tag.key),
      ['env'],
    );

    const projectTags = await nat.listNatGatewayTag();
    assert.ok(projectTags.tags.some((tag) => tag.key === 'env'));
    const found = await nat.listNatGatewayByTag({
      action: 'filter',
      tags: [{ key: 'env', values: ['dev'] }],
    });
    assert.deepEqual(
      found.resources.map((resource) => resource.resource_id),
      [gateway],
    );
  });

  test('answers a wrong secret key with 401 VPC.0008 saying that the signature does not match', async () => {
    const forged = natOperations(sdkClient(base, 'demo', 'not-the-secret-key'));
    const error = await sdkError(forged.listNatGateways({}));
    assert.equal(error.httpStatusCode, 401);
    assert.equal(error.errorCode, 'VPC.0008');
    assert.match(String(error.errorMsg), /^The signature does not match the request/);
  });

  test('answers a key used for another project in the path with 401 when its user has no role there', async () => {
    const elsewhere = natOperations(
      sdkClient(base, 'demo', keyOf('demo').secret, '27e25061336f4af590faeabeb7fcd9a3'),
    );
    const error = await sdkError(elsewhere.listNatGateways({}));
    assert.equal(error.httpStatusCode, 401);
    assert.match(String(error.errorMsg), /no role in project 27e25061336f4af590faeabeb7fcd9a3/);
  });

  test("answers a read-only user's signed create with 403 VPC.2701, and lets it read", async () => {
    const viewer = natOperations(sdkClient(base, 'viewer'));
    const error = await sdkError(viewer.createNatGateway(gatewayBody('sdk_viewer')));
    assert.equal(error.httpStatusCode, 403);
    assert.equal(error.errorCode, 'VPC.2701');
    assert.equal((await viewer.listNatGateways({ limit: 1 })).httpStatusCode, 200);
  });

  test('works the same through the statuskit gateway, which forwards the host the client signed', async () => {
    const proxy = await createProxy({ upstreams: [base], logger: false });
    const address = await proxy.listen({ host: '127.0.0.1', port: 0 });
    // As npm start runs it: the public URL is the gateway's.
    service.config.publicUrl = address;
    try {
      const through = natOperations(sdkClient(address, 'demo'));
      const created = await through.createNatGateway(gatewayBody('sdk_proxied'));
      assert.equal(created.httpStatusCode, 201);
      const id = String(created.nat_gateway.id);
      assert.equal((await through.showNatGateway(id)).nat_gateway.name, 'sdk_proxied');
      assert.equal((await through.deleteNatGateway(id)).httpStatusCode, 204);
      assert.equal(created.nat_gateway.tenant_id, project);
    } finally {
      service.config.publicUrl = base;
      await proxy.close();
    }
  });
});
