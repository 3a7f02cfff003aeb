import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parseErrorBody } from 'statuskit';
import { createGateway, project, startService, type TestService } from './harness.js';

interface MediaType {
  schema?: object;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId: string;
  security?: unknown[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, Response>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every operation of the document. */
function operations(document: Document) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );
}

/** The body with every id field named like a known id (`nat_gateway_id`) set to that id. */
function withIds(body: unknown, ids: Map<string, string>): unknown {
  if (Array.isArray(body)) return body.map((item) => withIds(item, ids));
  if (typeof body !== 'object' || body === null) return body;
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [
      key,
      (key.endsWith('_id') ? ids.get(key) : undefined) ??
        // A list of ids (`transit_ip_ids`): the one made for it.
        (key.endsWith('_ids') && ids.has(key.slice(0, -1)) ? [ids.get(key.slice(0, -1))] : undefined) ??
        withIds(value, ids),
    ]),
  );
}

/** The codes of a documented error response's examples. */
function documentedCodes(response: Response | undefined): string[] {
  const examples = Object.values(response?.content ?? {})[0]?.examples ?? {};
  return Object.values(examples).map((example) => parseErrorBody(example.value)?.code ?? '');
}

/** The demo project's transit IP addresses (private NAT, v3). */
const transitIps = `/v3/${project}/private-nat/transit-ips`;

describe("natgw's OpenAPI document against natgw", () => {
  let service: TestService;
  let document: Document;
  /** What each handler returned, before serialization, by request id. */
  const returned = new Map<string, unknown>();
  before(async () => {
    service = await startService('sqlite', {}, (app) =>
      app.addHook('preSerialization', async (request, _reply, payload) => {
        returned.set(request.id, payload);
        return payload;
      }),
    );
    const response = await service.app.inject({ url: '/openapi.json' });
    assert.equal(response.statusCode, 200, 'served to anyone, without a token');
    document = response.json();
  });
  after(() => service.close());

  /** A new token of the demo user, from the document's example request. */
  async function freshToken(): Promise<string> {
    const response = await service.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: exampleOf('/v3/auth/tokens') as object,
    });
    assert.equal(response.statusCode, 201, response.body);
    return String(response.headers['x-subject-token']);
  }

  /** The request body an operation documents as its example. */
  const exampleOf = (path: string, method = 'post') =>
    document.paths[path]?.[method]?.requestBody?.content['application/json']?.example;

  /**
   * Creates what an operation acts on (the resources its path names, and the NAT gateway its
   * body names; one of each for a read, so that lists are not empty) and returns their ids;
   * `clear` removes everything again.
   */
  async function prepare(path: string, method: string, body: unknown): Promise<Map<string, string>> {
    const ids = new Map([['project_id', project]]);
    const reads = method === 'get' || path.endsWith('/resource_instances/action');
    // Private NAT's operations act on private NAT's resources only: no public gateway is made for
    // them (each takes a subnet of the fixture's 64 for good).
    const privateNat = /^\/v3\/\{project_id\}\/(private-nat|private-nat-gateways|transit-ips)\//.test(path);
    const needs = new Set(
      reads
        ? privateNat
          ? ['key', 'gateway_id', 'transit_ip_id']
          : ['nat_gateway_id', 'snat_rule_id', 'dnat_rule_id', 'key', 'gateway_id', 'transit_ip_id']
        : [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string),
    );
    if (JSON.stringify(body ?? {}).includes('"nat_gateway_id"')) needs.add('nat_gateway_id');
    // A private gateway's rules: the rule, its gateway and its transit IP, as the pages' examples make them.
    const privateRule = path.match(/\/private-nat\/(snat|dnat)-rules/)?.[1];
    if (privateRule || JSON.stringify(body ?? {}).includes('"transit_ip_ids"')) needs.add('transit_ip_id');
    if (privateRule) needs.add('gateway_id');
    if (!privateNat && (needs.has('snat_rule_id') || needs.has('dnat_rule_id') || needs.has('key')))
      needs.add('nat_gateway_id');
    // The name the tag query's example looks for.
    if (needs.has('nat_gateway_id')) ids.set('nat_gateway_id', await createGateway(service, 'nat_001'));
    for (const kind of ['snat_rule', 'dnat_rule'] as const) {
      if (!needs.has(`${kind}_id`) || privateRule) continue;
      const response = await service.as('demo', {
        method: 'POST',
        url: `/v2.0/${kind}s`,
        payload: withIds(exampleOf(`/v2.0/${kind}s`), ids) as object,
      });
      assert.equal(response.statusCode, 201, response.body);
      ids.set(`${kind}_id`, response.json()[kind].id);
    }
    // The tag pages of private NAT gateways name one as `resource_id`; the page's example creates it with key1.
    const privateTags = path.startsWith('/v3/{project_id}/private-nat-gateways/');
    if (privateTags && needs.has('resource_id')) needs.add('gateway_id');
    if (needs.has('gateway_id')) {
      const url = `/v3/${project}/private-nat/gateways`;
      const response = await service.as('demo', {
        method: 'POST',
        url,
        payload: exampleOf(`/v3/{project_id}/private-nat/gateways`) as object,
      });
      assert.equal(response.statusCode, 201, response.body);
      ids.set('gateway_id', response.json().gateway.id);
      if (privateTags) ids.set('resource_id', response.json().gateway.id);
    }
    // The tag pages of transit IPs name one as `resource_id`; the page's example assigns it with key1.
    if (needs.has('resource_id') && !privateTags) needs.add('transit_ip_id');
    if (needs.has('transit_ip_id')) {
      const response = await service.as('demo', {
        method: 'POST',
        url: transitIps,
        payload: exampleOf('/v3/{project_id}/private-nat/transit-ips') as object,
      });
      assert.equal(response.statusCode, 201, response.body);
      ids.set('transit_ip_id', response.json().transit_ip.id);
      if (!privateTags) ids.set('resource_id', response.json().transit_ip.id);
    }
    if (privateRule && (reads || path.includes('_rule_id}'))) {
      const rules = `/v3/{project_id}/private-nat/${privateRule}-rules`;
      const response = await service.as('demo', {
        method: 'POST',
        url: rules.replace('{project_id}', project),
        payload: withIds(exampleOf(rules), ids) as object,
      });
      assert.equal(response.statusCode, 201, response.body);
      ids.set(`${privateRule}_rule_id`, response.json()[`${privateRule}_rule`].id);
    }
    // A fault of the admin API, as its example sets it.
    if (path.includes('{fault_id}')) {
      const payload = exampleOf('/_natgw/faults') as object;
      const response = await service.as('admin', { method: 'POST', url: '/_natgw/faults', payload });
      assert.equal(response.statusCode, 201, response.body);
      ids.set('fault_id', response.json().fault.id);
    }
    // A private resource's tags are its example's, key1 among them.
    if (needs.has('key') && privateNat) ids.set('key', 'key1');
    else if (needs.has('key')) {
      const tag = { key: 'key1', value: 'value1' };
      const url = `/v2.0/${project}/nat_gateways/${ids.get('nat_gateway_id')}/tags`;
      assert.equal((await service.as('demo', { method: 'POST', url, payload: { tag } })).statusCode, 204);
      ids.set('key', tag.key);
    }
    return ids;
  }

  async function clear() {
    // The admin API's examples set a fault and freeze the account: neither may answer what follows.
    await service.as('admin', { method: 'DELETE', url: '/_natgw/faults' });
    const account = `/_natgw/projects/${project}/account`;
    await service.as('admin', { method: 'PUT', url: account, payload: { state: 'normal' } });
    for (const kind of ['snat', 'dnat']) {
      const rules = `/v3/${project}/private-nat/${kind}-rules`;
      const listed = await service.as('demo', { url: rules });
      if (listed.statusCode === 404) continue;
      for (const { id } of listed.json()[`${kind}_rules`] as { id: string }[]) {
        const response = await service.as('demo', { method: 'DELETE', url: `${rules}/${id}` });
        assert.equal(response.statusCode, 204, response.body);
      }
    }
    const assigned = (await service.as('demo', { url: transitIps })).json().transit_ips as { id: string }[];
    for (const { id } of assigned) {
      const response = await service.as('demo', { method: 'DELETE', url: `${transitIps}/${id}` });
      assert.equal(response.statusCode, 204, response.body);
    }
    const privateNat = `/v3/${project}/private-nat/gateways`;
    for (const { id } of (await service.as('demo', { url: privateNat })).json().gateways as {
      id: string;
    }[]) {
      const response = await service.as('demo', { method: 'DELETE', url: `${privateNat}/${id}` });
      assert.equal(response.statusCode, 204, response.body);
    }
    for (const kind of ['snat_rules', 'dnat_rules', 'nat_gateways']) {
      const listed = (await service.as('demo', { url: `/v2.0/${kind}` })).json()[kind] as { id: string }[];
      for (const { id } of listed) {
        const response = await service.as('demo', { method: 'DELETE', url: `/v2.0/${kind}/${id}` });
        assert.equal(response.statusCode, 204, response.body);
      }
    }
  }

  test('declares for every operation the success status natgw answers, its headers, and its body as sent', async () => {
    const ajv = new Ajv({ strict: false, validateFormats: false });
    let driven = 0;
    for (const { path, method, operation } of operations(document)) {
      const successes = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
      assert.equal(successes.length, 1, `${method} ${path} documents one success`);
      const status = Number(successes[0]);
      const documented = operation.responses[String(status)] as Response;
      const example = exampleOf(path, method);
      if (operation.requestBody) assert.notEqual(example, undefined, `${method} ${path} has an example body`);
      const ids = await prepare(path, method, example);
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => ids.get(name) ?? assert.fail(`{${name}}`));
      // Validating or revoking a token: a token of its own, so the revoked one is no other test's.
      const subject = path === '/v3/auth/tokens' && method !== 'post' ? await freshToken() : undefined;
      // The admin API answers the admin user only; its example network replaces the demo
      // project's, which the operations after it need back.
      const admin = path.startsWith('/_natgw/');
      const network = admin && method === 'put' ? (await service.as('admin', { url })).json() : undefined;
      const response = await service.as(admin ? 'admin' : 'demo', {
        method: method.toUpperCase() as 'GET',
        url,
        ...(subject === undefined ? {} : { headers: { 'x-subject-token': subject } }),
        ...(example === undefined ? {} : { payload: withIds(example, ids) as object }),
      });
      assert.equal(response.statusCode, status, `${method} ${path}: ${response.body}`);
      for (const header of Object.keys(documented.headers ?? {}))
        assert.ok(response.headers[header.toLowerCase()], `${method} ${path} sends ${header}`);
      const schema = documented.content?.['application/json']?.schema;
      if (status === 204) {
        assert.equal(response.body, '');
        assert.equal(schema, undefined);
      } else {
        assert.ok(schema, `${method} ${path} documents its body`);
        const body = response.json();
        assert.ok(ajv.validate(schema, body), `${method} ${path}: ${ajv.errorsText()}`);
        // The response schema serializes the body: nothing the handler returned may be left out.
        assert.deepEqual(
          body,
          JSON.parse(JSON.stringify(returned.get(String(response.headers['x-request-id'])))),
        );
      }
      if (network !== undefined)
        assert.equal((await service.as('admin', { method: 'PUT', url, payload: network })).statusCode, 200);
      await clear();
      driven++;
    }
    assert.ok(driven >= 22, `${driven} operations driven`);
  });

  test('documents the service code natgw sends without a token, to a read-only user, and for an Accept it cannot serve', async () => {
    for (const { path, method, operation } of operations(document)) {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'project_id' ? project : 'x'));
      const refused = await service.app.inject({
        method: method.toUpperCase() as 'GET',
        url,
        headers: { accept: 'application/xml' },
      });
      assert.equal(refused.statusCode, 406, `${method} ${path}`);
      assert.ok(
        documentedCodes(operation.responses['406']).includes(String(parseErrorBody(refused.body)?.code)),
      );
      if (operation.security?.length === 0) {
        assert.equal(operation.responses['403'], undefined, `public ${method} ${path} documents no 403`);
        continue;
      }
      const anonymous = await service.app.inject({ method: method.toUpperCase() as 'GET', url });
      assert.equal(anonymous.statusCode, 401, `${method} ${path}`);
      assert.ok(
        documentedCodes(operation.responses['401']).includes(String(parseErrorBody(anonymous.body)?.code)),
      );
      // A read-only user: refused exactly where the document says so, with its code (and, asking
      // about another user's token, refused that).
      const viewer = await service.as('viewer', {
        method: method.toUpperCase() as 'GET',
        url,
        headers: { 'x-subject-token': await service.token('demo') },
        payload: {},
      });
      const forbidden = operation.responses['403'];
      assert.equal(
        viewer.statusCode === 403,
        forbidden !== undefined,
        `${method} ${path}: ${viewer.statusCode}`,
      );
      if (forbidden)
        assert.deepEqual(documentedCodes(forbidden), [String(parseErrorBody(viewer.body)?.code)]);
    }
  });

  test("gives the errors natgw sends with its own codes, never the library's SK. defaults for them", () => {
    const create = document.paths['/v2.0/nat_gateways']?.post as Operation;
    assert.deepEqual(documentedCodes(create.responses['400']).slice(0, 2), ['NAT.0002', 'NAT.0016']);
    // The page's statuses: one gateway per network is 400 NAT.0012; a gateway that is not there is
    // 404 NAT.0105, or 400 when it is the one being deleted.
    assert.ok(documentedCodes(create.responses['400']).includes('NAT.0012'));
    const show = document.paths['/v2.0/nat_gateways/{nat_gateway_id}']?.get as Operation;
    assert.ok(documentedCodes(show.responses['404']).includes('NAT.0105'));
    const remove = document.paths['/v2.0/nat_gateways/{nat_gateway_id}']?.delete as Operation;
    assert.ok(documentedCodes(remove.responses['400']).includes('NAT.0006'));
    assert.ok(documentedCodes(remove.responses['400']).includes('NAT.0105'));
    assert.ok(!documentedCodes(remove.responses['404']).includes('NAT.0105'));
    // Both path forms, each its own operation; another project in the path is VPC.0007.
    const scoped = document.paths['/v2/{project_id}/nat_gateways']?.get as Operation;
    assert.equal(scoped.operationId, 'getV2ProjectIdNatGateways');
    assert.equal(document.paths['/v2.0/nat_gateways']?.get?.operationId, 'getV20NatGateways');
    assert.ok(documentedCodes(scoped.responses['400']).includes('VPC.0007'));
    assert.ok(
      !documentedCodes(document.paths['/v2.0/nat_gateways']?.get?.responses['400']).includes('VPC.0007'),
    );
    // Overload and draining (503) keep the contract's own code: the page has no 503 row. The
    // admin API is no page's: its conflicts keep the contract's code too.
    for (const { path, operation } of operations(document)) {
      for (const status of [
        '400',
        '401',
        '403',
        '404',
        ...(path.startsWith('/_natgw/') ? [] : ['409']),
        '500',
      ])
        for (const code of documentedCodes(operation.responses[status])) assert.doesNotMatch(code, /^SK\./);
      assert.ok(documentedCodes(operation.responses['503']).includes('SK.0503'));
    }
  });

  test('passes redocly lint with the recommended rules: no error, no warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natgw-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(document));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join('node_modules', '@redocly', 'cli', 'bin', 'cli.js'), 'lint', file, '--format=json'],
        // Offline: no telemetry, no update check.
        { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
      ).catch((error: { stdout: string }) => error);
      const report = JSON.parse(stdout) as {
        totals: { errors: number; warnings: number };
        problems: { ruleId: string; message: string }[];
      };
      assert.deepEqual(
        report.totals,
        { errors: 0, warnings: 0, ignored: 0 },
        JSON.stringify(report.problems),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
