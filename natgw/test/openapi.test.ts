import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parseErrorBody } from 'statuskit';
import { comparable } from '../tools/openapi-examples.js';
import { project, startService, type TestService } from './harness.js';
import { type Document, type Operation, operationDriver, operations, type Response } from './operations.js';

/** The codes of a documented error response's examples. */
function documentedCodes(response: Response | undefined): string[] {
  const examples = Object.values(response?.content ?? {})[0]?.examples ?? {};
  return Object.values(examples).map((example) => parseErrorBody(example.value)?.code ?? '');
}

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

  test('declares for every operation the success status natgw answers, its headers, and its body as sent', async () => {
    const ajv = new Ajv({ strict: false, validateFormats: false });
    const { exampleOf, send, clear } = operationDriver(service, document);
    let driven = 0;
    for (const { path, method, operation } of operations(document)) {
      const successes = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
      assert.equal(successes.length, 1, `${method} ${path} documents one success`);
      const status = Number(successes[0]);
      const documented = operation.responses[String(status)] as Response;
      if (operation.requestBody)
        assert.notEqual(exampleOf(path, method), undefined, `${method} ${path} has an example body`);
      const response = await send(path, method);
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
        // The example shown is what natgw answers, but for ids and times (else: npm run natgw:examples).
        const shown = documented.content?.['application/json']?.example;
        assert.deepEqual(
          comparable(body),
          comparable(shown),
          `${method} ${path}: its example is not its answer`,
        );
        // The response schema serializes the body: nothing the handler returned may be left out.
        assert.deepEqual(
          body,
          JSON.parse(JSON.stringify(returned.get(String(response.headers['x-request-id'])))),
        );
      }
      await clear();
      driven++;
    }
    assert.ok(driven >= 22, `${driven} operations driven`);
  });

  test('shows every message of its examples filled: no %(name)s, %s or {name} placeholder left', () => {
    const examples = operations(document).flatMap(({ operation }) =>
      [operation.requestBody, ...Object.values(operation.responses)].flatMap((part) =>
        Object.values(part?.content ?? {}).flatMap((media) => [
          media.example,
          ...Object.values(media.examples ?? {}).flatMap((example) => [example.value, example.summary]),
        ]),
      ),
    );
    assert.ok(examples.length > 400, `${examples.length} examples`);
    for (const example of examples) assert.doesNotMatch(JSON.stringify(example ?? null), /%\(|%s|\{\w+\}/);
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
