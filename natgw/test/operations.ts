import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { createGateway, project, type TestService } from './harness.js';

export interface MediaType {
  schema?: object;
  example?: unknown;
  examples?: Record<string, { value: unknown; summary?: string }>;
}
export interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, MediaType>;
}
export interface Operation {
  operationId: string;
  security?: unknown[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, Response>;
}
export interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every operation of the document. */
export function operations(document: Document) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );
}

/** The body with every id field named like a known id (`nat_gateway_id`) set to that id. */
export function withIds(body: unknown, ids: Map<string, string>): unknown {
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

/** The demo project's transit IP addresses (private NAT, v3). */
const transitIps = `/v3/${project}/private-nat/transit-ips`;

/**
 * Drives the document's operations against natgw as a client reading it would: for each, what it
 * acts on is made first, then its request is sent as the document gives it (path, example body).
 * Shared by the document's test and the tool that records its examples (tools/openapi-examples.ts).
 */
export function operationDriver(service: TestService, document: Document) {
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
    if (replacedNetwork) {
      const { url, network } = replacedNetwork;
      replacedNetwork = undefined;
      const restored = await service.as('admin', { method: 'PUT', url, payload: network });
      assert.equal(restored.statusCode, 200, restored.body);
    }
  }

  /** A project's network an operation replaced, to put back. */
  let replacedNetwork: { url: string; network: object } | undefined;

  /** Sends the operation's request, after making what it acts on; `clear` undoes it. */
  async function send(path: string, method: string): Promise<LightMyRequestResponse> {
    const example = exampleOf(path, method);
    const ids = await prepare(path, method, example);
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => ids.get(name) ?? assert.fail(`{${name}}`));
    // Validating or revoking a token: a token of its own, so the revoked one is no other test's.
    const subject = path === '/v3/auth/tokens' && method !== 'post' ? await freshToken() : undefined;
    // The admin API answers the admin user only; its example network replaces the demo
    // project's, which `clear` puts back for the operations after it.
    const admin = path.startsWith('/_natgw/');
    if (admin && method === 'put' && path.endsWith('/network'))
      replacedNetwork = { url, network: (await service.as('admin', { url })).json() };
    return service.as(admin ? 'admin' : 'demo', {
      method: method.toUpperCase() as 'GET',
      url,
      ...(subject === undefined ? {} : { headers: { 'x-subject-token': subject } }),
      ...(example === undefined ? {} : { payload: withIds(example, ids) as object }),
    });
  }

  return { exampleOf, send, clear };
}
