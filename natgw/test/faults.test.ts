import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient, passwordAuthBody, type RetryEvent } from 'statuskit/client';
import {
  assertError,
  createGateway,
  eip,
  engines,
  pageIds,
  project,
  startService,
  subnet,
  type TestService,
} from './harness.js';
import { natgwBehindGateway } from './processes.js';

const faults = '/_natgw/faults';
const altProject = '27e25061336f4af590faeabeb7fcd9a3';
const gatewaysUrl = '/v2.0/nat_gateways';
/** A subnet of the private NAT's served VPC (10.100.n.0/24, a port at .10), and of its transit VPC (172.(16 + n % 16).0.0/24). */
const served = (n: number) => `b1000100-0000-4000-8000-${String(n).padStart(12, '0')}`;
const transit = (n: number) => `b2000100-0000-4000-8000-${String(n).padStart(12, '0')}`;
const privateGateways = `/v3/${project}/private-nat/gateways`;
const transitIps = `/v3/${project}/private-nat/transit-ips`;

/** Sets a fault as the admin; it must get 201. */
async function setFault(service: TestService, fault: Record<string, unknown>) {
  const response = await service.as('admin', { method: 'POST', url: faults, payload: fault });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().fault as { id: string; remaining: number };
}

async function listFaults(service: TestService) {
  const response = await service.as('admin', { url: faults });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().faults as { id: string; remaining: number }[];
}

const gatewayBody = (network: string) => ({
  nat_gateway: { name: 'gw', spec: '1', router_id: pageIds.router, internal_network_id: network },
});

const createGatewayOn = (service: TestService, network: string, headers: Record<string, string> = {}) =>
  service.as('demo', { method: 'POST', url: gatewaysUrl, headers, payload: gatewayBody(network) });

describe('faults on demand', () => {
  let service: TestService;
  before(async () => {
    service = await startService('sqlite');
  });
  after(() => service.close());

  test('sets a fault with 201 and Location, lists it with its remaining count, and deletes one or all with 204', async () => {
    const created = await service.as('admin', {
      method: 'POST',
      url: faults,
      payload: { project_id: project, method: 'get', path: '/v2.0/nat_gateways*', status: 503, count: 3 },
    });
    assert.equal(created.statusCode, 201, created.body);
    const fault = created.json().fault;
    assert.deepEqual(fault, {
      id: fault.id,
      project_id: project,
      method: 'GET',
      path: '/v2.0/nat_gateways*',
      count: 3,
      remaining: 3,
      status: 503,
      retry_after: 1,
    });
    assert.equal(created.headers.location, `http://127.0.0.1:8080/_natgw/faults/${fault.id}`);
    const shown = await service.as('admin', { url: `${faults}/${fault.id}` });
    assert.deepEqual(shown.json().fault, fault);
    assert.deepEqual(await listFaults(service), [fault]);

    const other = await setFault(service, { project_id: '*', path: '*', delay_ms: 10 });
    assert.equal(
      (await service.as('admin', { method: 'DELETE', url: `${faults}/${other.id}` })).statusCode,
      204,
    );
    assert.deepEqual(
      (await listFaults(service)).map(({ id }) => id),
      [fault.id],
    );
    assertError(
      await service.as('admin', { method: 'DELETE', url: `${faults}/${other.id}` }),
      404,
      'NAT.1002',
    );
    assert.equal((await service.as('admin', { method: 'DELETE', url: faults })).statusCode, 204);
    assert.deepEqual(await listFaults(service), []);
  });

  test("answers the next count matching requests with the page's code, filled from the path, then serves them again", async () => {
    const id = await createGateway(service);
    const url = `${gatewaysUrl}/${id}`;
    const fault = await setFault(service, {
      project_id: project,
      method: 'PUT',
      path: `${gatewaysUrl}/*`,
      code: 'NAT.0103',
      count: 2,
    });
    const update = (headers: Record<string, string> = {}) =>
      service.as('demo', { method: 'PUT', url, headers, payload: { nat_gateway: { description: 'x' } } });
    const first = await update();
    assertError(first, 400, 'NAT.0103');
    assert.equal(first.json().error.message, `NatGateway ${id} is not ACTIVE.`);
    assert.deepEqual(
      (await listFaults(service)).map(({ remaining }) => remaining),
      [1],
    );
    const second = await update({ 'accept-language': 'zh-CN' });
    assertError(second, 400, 'NAT.0103');
    assert.match(second.json().error.message, new RegExp(`${id}.*[\\u4e00-\\u9fff]`));
    // Used up: gone from the list, and the request is served.
    assert.deepEqual(await listFaults(service), []);
    assert.equal((await update()).statusCode, 200);
    assert.ok(fault.id);

    // A placeholder the path does not fill is left as the page writes it.
    await setFault(service, { project_id: project, method: 'GET', path: gatewaysUrl, code: 'NAT.0112' });
    const unfilled = await service.as('demo', { url: gatewaysUrl });
    assertError(unfilled, 400, 'NAT.0112');
    assert.equal(unfilled.json().error.message, 'Get RouteTable %(router_id)s failed.');
  });

  test("answers a contract status: 503 with Retry-After and the contract's code, 500 with the service's", async () => {
    await setFault(service, {
      project_id: project,
      method: 'GET',
      path: gatewaysUrl,
      status: 503,
      retry_after: 7,
    });
    const unavailable = await service.as('demo', { url: gatewaysUrl });
    assertError(unavailable, 503, 'SK.0503');
    assert.equal(unavailable.headers['retry-after'], '7');
    await setFault(service, { project_id: project, method: 'GET', path: gatewaysUrl, status: 500 });
    const failed = await service.as('demo', { url: gatewaysUrl });
    assertError(failed, 500, 'NAT.1001');
    assert.equal(failed.headers['retry-after'], undefined);
    assert.equal((await service.as('demo', { url: gatewaysUrl })).statusCode, 200);
  });

  test('delays a matching request by delay_ms, then serves it', async () => {
    await setFault(service, { project_id: project, method: 'GET', path: gatewaysUrl, delay_ms: 300 });
    const started = Date.now();
    const delayed = await service.as('demo', { url: gatewaysUrl });
    assert.equal(delayed.statusCode, 200, delayed.body);
    assert.ok(Date.now() - started >= 300, `${Date.now() - started} ms`);
    const next = Date.now();
    assert.equal((await service.as('demo', { url: gatewaysUrl })).statusCode, 200);
    assert.ok(Date.now() - next < 300);
  });

  test("matches by method, path and project: another project's requests, other methods and paths are served", async () => {
    await setFault(service, {
      project_id: project,
      method: 'GET',
      path: '/v2.0/snat_rules',
      code: 'NAT.0106',
      count: 10,
    });
    // Another project, another method, another path (the query is not part of the path).
    assert.equal((await service.as('alt', { url: '/v2.0/snat_rules' })).statusCode, 200);
    assert.equal(
      (
        await service.as('demo', {
          method: 'DELETE',
          url: '/v2.0/snat_rules/fe1a4cf0-27fe-4b97-a9b1-2c67c127f0e0',
        })
      ).statusCode,
      404,
    );
    assert.equal((await service.as('demo', { url: '/v2.0/dnat_rules' })).statusCode, 200);
    assert.equal((await service.as('demo', { url: `/v2/${project}/snat_rules` })).statusCode, 200);
    assertError(await service.as('demo', { url: '/v2.0/snat_rules?limit=1' }), 400, 'NAT.0106');
    assert.deepEqual(
      (await listFaults(service)).map(({ remaining }) => remaining),
      [9],
    );
    // `*` for the project reaches every project's requests.
    await service.as('admin', { method: 'DELETE', url: faults });
    await setFault(service, { project_id: '*', path: '/v2.0/snat_rules', code: 'NAT.0106', count: 2 });
    assertError(await service.as('alt', { url: '/v2.0/snat_rules' }), 400, 'NAT.0106');
    assertError(await service.as('demo', { url: '/v2.0/snat_rules' }), 400, 'NAT.0106');
    assert.equal((await service.as('alt', { url: '/v2.0/snat_rules' })).statusCode, 200);
  });

  test('answers only authenticated requests: without credentials still 401, and the admin API and token requests are never faulted', async () => {
    await setFault(service, { project_id: '*', path: '*', code: 'NAT.0106', count: 5 });
    const anonymous = await service.app.inject({ url: gatewaysUrl });
    assert.equal(anonymous.statusCode, 401);
    const token = await service.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordAuthBody({ username: 'demo', password: 'demo-password', project: 'demo' }),
    });
    assert.equal(token.statusCode, 201, token.body);
    assert.equal((await service.as('admin', { url: '/_natgw/projects' })).statusCode, 200);
    assert.deepEqual(
      (await listFaults(service)).map(({ remaining }) => remaining),
      [5],
    );
    assertError(await service.as('demo', { url: gatewaysUrl }), 400, 'NAT.0106');
    await service.as('admin', { method: 'DELETE', url: faults });
  });

  test('refuses a malformed fault with 400 saying what is wrong, and more than 100 at once', async () => {
    const refused = async (fault: Record<string, unknown>, message: RegExp) => {
      const response = await service.as('admin', { method: 'POST', url: faults, payload: fault });
      assertError(response, 400, 'NAT.0002');
      assert.match(response.json().error.message, message);
    };
    const base = { project_id: project, path: gatewaysUrl };
    await refused({ ...base }, /exactly one of code, status, delay_ms and fails: none given/);
    await refused({ ...base, code: 'NAT.0106', status: 503 }, /exactly one .*: code, status given/);
    await refused({ ...base, code: 'NAT.0106', colour: 'red' }, /Unknown field colour/);
    await refused({ ...base, code: 'NAT.9999' }, /code NAT.9999 is not on the error-code page/);
    await refused({ ...base, status: 404 }, /status must be one of 500, 502, 503, 504/);
    await refused({ ...base, status: 500, retry_after: 2 }, /retry_after goes with status 503 only/);
    await refused({ ...base, status: 503, retry_after: 99999 }, /retry_after must be/);
    await refused({ ...base, delay_ms: 0 }, /delay_ms must be an integer from 1 to 120000/);
    await refused({ ...base, delay_ms: 120001 }, /delay_ms must be an integer from 1 to 120000/);
    await refused({ ...base, code: 'NAT.0106', count: 0 }, /count must be an integer from 1 to 10000/);
    await refused({ ...base, code: 'NAT.0106', count: 10001 }, /count must be an integer from 1 to 10000/);
    await refused({ ...base, code: 'NAT.0106', project_id: 'nobody' }, /project_id nobody is no project/);
    await refused({ ...base, code: 'NAT.0106', method: 'BREW' }, /method BREW is none of/);
    await refused({ ...base, code: 'NAT.0106', path: 'v2.0' }, /path v2.0 must start with \/ or \*/);
    await refused({ ...base, fails: 'database' }, /fails database is no backend: one of route-table/);
    // A backend the request cannot reach: a read, another path, another operation.
    await refused(
      { ...base, method: 'GET', fails: 'route-table' },
      /GET \/v2.0\/nat_gateways never reaches route-table/,
    );
    await refused(
      { ...base, path: '/v2.0/snat_rules', fails: 'route-table' },
      /never reaches route-table: its operations are POST \/v2.0\/nat_gateways, POST \/v2\/:project_id\/nat_gateways/,
    );
    await refused(
      { ...base, path: `${transitIps}/*`, method: 'POST', fails: 'port-delete' },
      /never reaches port-delete/,
    );
    // Reachable: any method, any path; the page's other form; a deletion by id.
    await setFault(service, { project_id: project, path: '*', fails: 'vtep' });
    await setFault(service, {
      project_id: project,
      method: 'POST',
      path: `/v2/${project}/dnat_rules/batch`,
      fails: 'vtep',
    });
    await setFault(service, {
      project_id: project,
      method: 'DELETE',
      path: `${transitIps}/*`,
      fails: 'port-delete',
    });
    await service.as('admin', { method: 'DELETE', url: faults });

    for (let n = 0; n < 100; n++)
      await setFault(service, { project_id: altProject, path: `/x/${n}`, delay_ms: 1 });
    await refused({ project_id: altProject, path: '/x/100', delay_ms: 1 }, /At most 100 faults at once/);
    assert.equal((await listFaults(service)).length, 100);
    await service.as('admin', { method: 'DELETE', url: faults });
    // A body too large for the schema's bounds is refused before it is read into a fault.
    const long = await service.as('admin', {
      method: 'POST',
      url: faults,
      payload: { project_id: project, path: `/${'x'.repeat(2000)}`, delay_ms: 1 },
    });
    assertError(long, 400, 'NAT.0002');
    // Only the admin sets faults.
    assertError(
      await service.as('demo', { method: 'POST', url: faults, payload: { ...base, code: 'NAT.0106' } }),
      403,
      'VPC.2701',
    );
    assert.equal((await service.app.inject({ method: 'DELETE', url: faults })).statusCode, 401);
  });
});

for (const engine of engines()) {
  describe(`backend failures on ${engine}: the operation fails where the cloud calls the backend, and leaves nothing behind`, () => {
    let service: TestService;
    /** Errors as thrown, before the contract answers them (a 5xx answer hides its message). */
    const thrown: { code?: string; message: string }[] = [];
    before(async () => {
      service = await startService(engine, {}, (app) =>
        app.addHook('onError', async (_request, _reply, error) => {
          thrown.push(error as { code?: string; message: string });
        }),
      );
    });
    after(() => service.close());

    test("fails a NAT gateway's creation at each backend with the page's code (NAT.0112, NAT.0110, NAT.0111, NAT.0107, NAT.0108): no gateway is left, and the network takes one again", async () => {
      const network = subnet(30);
      const cases = [
        ['route-table', 'NAT.0112', `Get RouteTable ${pageIds.router} failed.`],
        ['gateway-host', 'NAT.0110', 'Get Nat gateway host failed'],
        ['gateway-host-ip', 'NAT.0111', 'Get Nat gateway agent local_ip failed'],
        ['ng-port-create', 'NAT.0107', 'Create NG Port failed.'],
        [
          'ng-port-bind',
          'NAT.0108',
          /^NG Port [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12} is unbound\.$/,
        ],
      ] as const;
      for (const [backend, code, message] of cases) {
        await setFault(service, { project_id: project, method: 'POST', path: gatewaysUrl, fails: backend });
        const failed = await createGatewayOn(service, network);
        assertError(failed, 400, code);
        if (typeof message === 'string') assert.equal(failed.json().error.message, message);
        else assert.match(failed.json().error.message, message);
        const listed = await service.as('demo', { url: gatewaysUrl });
        assert.deepEqual(listed.json().nat_gateways, [], `${backend}: nothing left`);
        // The network has no gateway (one per network, NAT.0012): it takes one now.
        const created = await createGatewayOn(service, network);
        assert.equal(created.statusCode, 201, `${backend}: ${created.body}`);
        const id = created.json().nat_gateway.id;
        assert.equal(
          (await service.as('demo', { method: 'DELETE', url: `${gatewaysUrl}/${id}` })).statusCode,
          204,
        );
      }
      // The message in Chinese, through the page's other form.
      await setFault(service, {
        project_id: project,
        method: 'POST',
        path: `/v2/*/nat_gateways`,
        fails: 'route-table',
      });
      const chinese = await service.as('demo', {
        method: 'POST',
        url: `/v2/${project}/nat_gateways`,
        headers: { 'accept-language': 'zh-CN' },
        payload: gatewayBody(network),
      });
      assertError(chinese, 400, 'NAT.0112');
      assert.equal(chinese.json().error.message, `获取路由表 ${pageIds.router} 失败。`);
      assert.equal(chinese.headers['content-language'], 'zh-CN');
    });

    test("fails an SNAT rule's EIP association with NAT.0212 and a DNAT rule's VTEP with NAT.0316: no rule is left, and the EIP is free", async () => {
      const gatewayId = await createGateway(service);
      const snat = { nat_gateway_id: gatewayId, network_id: subnet(31), floating_ip_id: eip(31) };
      await setFault(service, {
        project_id: project,
        method: 'POST',
        path: '/v2.0/snat_rules',
        fails: 'eip-associate',
      });
      const failed = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/snat_rules',
        payload: { snat_rule: snat },
      });
      assertError(failed, 400, 'NAT.0212');
      assert.match(
        failed.json().error.message,
        new RegExp(`^SNAT Rule [0-9a-f-]{36} Associated or disassociate EIP ${eip(31)} Failed\\."$`),
      );
      assert.deepEqual((await service.as('demo', { url: '/v2.0/snat_rules' })).json().snat_rules, []);
      // The EIP was not kept: another gateway may take it (one gateway per EIP, NAT.0404).
      const otherGateway = await createGateway(service);
      const taken = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/snat_rules',
        payload: { snat_rule: { ...snat, nat_gateway_id: otherGateway } },
      });
      assert.equal(taken.statusCode, 201, taken.body);

      const dnat = {
        nat_gateway_id: gatewayId,
        floating_ip_id: eip(32),
        private_ip: '10.0.0.5',
        protocol: 'tcp',
        internal_service_port: 22,
        external_service_port: 2222,
      };
      await setFault(service, {
        project_id: project,
        method: 'POST',
        path: '/v2.0/dnat_rules',
        fails: 'vtep',
      });
      const noVtep = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/dnat_rules',
        headers: { 'accept-language': 'zh-CN' },
        payload: { dnat_rule: dnat },
      });
      assertError(noVtep, 400, 'NAT.0316');
      assert.equal(noVtep.json().error.message, 'Vtep_ip 为空。');
      assert.deepEqual((await service.as('demo', { url: '/v2.0/dnat_rules' })).json().dnat_rules, []);
      // A batch fails whole.
      await setFault(service, {
        project_id: project,
        method: 'POST',
        path: '/v2/*/dnat_rules/batch',
        fails: 'vtep',
      });
      const batch = await service.as('demo', {
        method: 'POST',
        url: `/v2/${project}/dnat_rules/batch`,
        payload: { dnat_rules: [{ ...dnat, external_service_port: 2223 }, dnat] },
      });
      assertError(batch, 400, 'NAT.0316');
      assert.deepEqual((await service.as('demo', { url: '/v2.0/dnat_rules' })).json().dnat_rules, []);
      // The same mapping and EIP on another gateway: nothing of the failed rules holds them.
      const placed = await service.as('demo', {
        method: 'POST',
        url: '/v2.0/dnat_rules',
        payload: { dnat_rule: { ...dnat, nat_gateway_id: otherGateway } },
      });
      assert.equal(placed.statusCode, 201, placed.body);
    });

    test("fails a private gateway's and a transit IP's port creation (500 NAT.1004) and deletion (500 NAT.1005): the address is free again, the resource kept", async () => {
      const createPrivate = () =>
        service.as('demo', {
          method: 'POST',
          url: privateGateways,
          payload: {
            gateway: {
              name: 'gw',
              downlink_vpcs: [{ virsubnet_id: served(14), ngport_ip_address: '10.100.14.20' }],
            },
          },
        });
      await setFault(service, {
        project_id: project,
        method: 'POST',
        path: privateGateways,
        fails: 'port-create',
      });
      thrown.length = 0;
      const failed = await createPrivate();
      assertError(failed, 500, 'NAT.1004');
      assert.deepEqual(
        thrown.map(({ code, message }) => [code, message]),
        [['NAT.1004', `Create Port Failed with subnet ${served(14)}.`]],
      );
      assert.deepEqual((await service.as('demo', { url: privateGateways })).json().gateways, []);
      // The address it asked for is free: NAT.1403 would say it is held.
      const created = await createPrivate();
      assert.equal(created.statusCode, 201, created.body);
      const gatewayId = created.json().gateway.id;

      await setFault(service, {
        project_id: project,
        method: 'DELETE',
        path: `${privateGateways}/*`,
        fails: 'port-delete',
      });
      thrown.length = 0;
      const kept = await service.as('demo', { method: 'DELETE', url: `${privateGateways}/${gatewayId}` });
      assertError(kept, 500, 'NAT.1005');
      assert.equal(thrown[0]?.code, 'NAT.1005');
      assert.match(String(thrown[0]?.message), /^Delete Port [0-9a-f-]{36} Failed\.$/);
      assert.equal((await service.as('demo', { url: `${privateGateways}/${gatewayId}` })).statusCode, 200);
      assert.equal(
        (await service.as('demo', { method: 'DELETE', url: `${privateGateways}/${gatewayId}` })).statusCode,
        204,
      );

      const assign = () =>
        service.as('demo', {
          method: 'POST',
          url: transitIps,
          headers: { 'accept-language': 'zh-CN' },
          payload: { transit_ip: { virsubnet_id: transit(14), ip_address: '172.30.0.30' } },
        });
      await setFault(service, {
        project_id: project,
        method: 'POST',
        path: transitIps,
        fails: 'port-create',
      });
      thrown.length = 0;
      const unassigned = await assign();
      assertError(unassigned, 500, 'NAT.1004');
      assert.match(unassigned.json().error.message, /[\u4e00-\u9fff]/);
      assert.equal(thrown[0]?.message, `Create Port Failed with subnet ${transit(14)}.`);
      assert.deepEqual((await service.as('demo', { url: transitIps })).json().transit_ips, []);
      const assigned = await assign();
      assert.equal(assigned.statusCode, 201, assigned.body);
      const transitIp = assigned.json().transit_ip;

      await setFault(service, {
        project_id: project,
        method: 'DELETE',
        path: `${transitIps}/*`,
        fails: 'port-delete',
      });
      thrown.length = 0;
      assertError(
        await service.as('demo', { method: 'DELETE', url: `${transitIps}/${transitIp.id}` }),
        500,
        'NAT.1005',
      );
      assert.equal(thrown[0]?.message, `Delete Port ${transitIp.network_interface_id} Failed.`);
      assert.equal((await service.as('demo', { url: `${transitIps}/${transitIp.id}` })).statusCode, 200);
      assert.equal(
        (await service.as('demo', { method: 'DELETE', url: `${transitIps}/${transitIp.id}` })).statusCode,
        204,
      );
    });

    test("a fault set for another project's requests fails none of this project's", async () => {
      await setFault(service, {
        project_id: altProject,
        method: 'POST',
        path: '*',
        fails: 'route-table',
        count: 3,
      });
      const created = await createGatewayOn(service, subnet(33));
      assert.equal(created.statusCode, 201, created.body);
      assert.deepEqual(
        (await listFaults(service)).map(({ remaining }) => remaining),
        [3],
      );
      await service.as('admin', { method: 'DELETE', url: faults });
    });
  });
}

test("through the statuskit gateway: a delay past the gateway's timeout is its own 504, and statuskit/client retries a 503 after its Retry-After", {
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'natgw-faults-'));
  const gatewayTimeout = 1000;
  const system = await natgwBehindGateway(join(dir, 'natgw.sqlite'), gatewayTimeout);
  const { natgw } = system;
  try {
    const base = system.gateway.url;
    // Tokens from natgw itself: a password's hashing is no part of what the gateway's timeout is about.
    const tokenOf = async (user: string) => {
      const issued = await fetch(`${natgw.match[1]}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          passwordAuthBody({ username: user, password: `${user}-password`, project: 'demo' }),
        ),
      });
      assert.equal(issued.status, 201);
      return String(issued.headers.get('x-subject-token'));
    };
    const admin = createClient({ baseUrl: base, token: await tokenOf('admin'), retry: false });
    const demoToken = await tokenOf('demo');

    // Longer than the gateway waits: the gateway answers 504 itself.
    const delayed = await admin.post<{ fault: { id: string } }>(faults, {
      project_id: project,
      method: 'GET',
      path: gatewaysUrl,
      delay_ms: gatewayTimeout * 3,
    });
    const late = await fetch(`${base}${gatewaysUrl}`, { headers: { 'x-auth-token': demoToken } });
    assert.equal(late.status, 504);
    assert.equal(((await late.json()) as { error: { code: string } }).error.code, 'SK.0504');

    // A 503 with Retry-After: 1, then served: the client waits a second and gets the list.
    const unavailable = await admin.post<{ fault: { id: string } }>(faults, {
      project_id: project,
      method: 'GET',
      path: gatewaysUrl,
      status: 503,
      retry_after: 1,
    });
    const retries: RetryEvent[] = [];
    const demo = createClient({ baseUrl: base, token: demoToken, onRetry: (event) => retries.push(event) });
    const began = Date.now();
    const listed = await demo.get<{ nat_gateways: unknown[] }>(gatewaysUrl);
    assert.deepEqual(listed.nat_gateways, []);
    assert.equal(retries.length, 1);
    assert.equal(retries[0]?.basis, 'retry-after');
    assert.equal(retries[0]?.delay, 1000);
    assert.ok(Date.now() - began >= 1000, `${Date.now() - began} ms`);
    await Promise.all([admin.close(), demo.close()]);

    // natgw logged each fault it answered: which, the request, and what it did.
    const answered = natgw.lines
      .filter((line) => line.includes('"fault answered"'))
      .map((line) => JSON.parse(line) as { fault: string; method: string; url: string; action: string });
    assert.deepEqual(
      answered.map(({ fault, method, url, action }) => ({ fault, method, url, action })),
      [
        {
          fault: delayed.body.fault.id,
          method: 'GET',
          url: gatewaysUrl,
          action: `delayed ${gatewayTimeout * 3} ms`,
        },
        { fault: unavailable.body.fault.id, method: 'GET', url: gatewaysUrl, action: 'answered 503' },
      ],
    );
  } finally {
    await system.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
