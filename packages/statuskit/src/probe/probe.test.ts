import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { plainExpress, plainFastify, type Running } from '../../test/plain-servers.js';
import { formatReport, type Report, runProbe } from './index.js';
import { loadOpenApi } from './openapi.js';
import {
  expectedStatuses,
  itemFromBody,
  schemaViolation,
  targetFromOpenApi,
  uniqueName,
  withUniqueNames,
} from './target.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const failedIds = (report: Report) =>
  report.checks.filter((check) => check.verdict === 'fail').map((check) => check.id);

describe('the probe against servers built without statuskit', () => {
  const flags = {
    token: 'rw',
    readonlyToken: 'ro',
    resource: '/items',
    createBody: { item: { name: 'a' } },
    updateBody: { item: { name: 'b' } },
    slowBoundMs: 3_000,
  };
  let fastify: Running;
  let express: Running;
  before(async () => {
    [fastify, express] = await Promise.all([plainFastify(), plainExpress()]);
  });
  after(async () => {
    await Promise.all([fastify.close(), express.close()]);
  });

  // What each really breaks: the common ones, and Express's stack traces in its error pages.
  const broken = [
    'unknown-route',
    'wrong-method',
    'unknown-method',
    'not-acceptable',
    'no-credentials',
    'bad-credentials',
    'read-only-write',
    'malformed-json',
    'schema-violation',
    'zh-CN',
    'duplicate',
    'read-after-delete',
    'slow-request',
    'request-id',
    'one-dialect',
  ];

  test('fails a plain Fastify app on the checks it breaks, each named', async () => {
    const report = await runProbe({ baseUrl: fastify.url, ...flags });
    assert.deepEqual(failedIds(report).sort(), [...broken].sort(), formatReport(report));
    const wrongMethod = report.checks.find((check) => check.id === 'wrong-method');
    assert.equal(wrongMethod?.observed, '404 (no Allow)');
  });

  test('fails a plain Express app on the same checks and on leaking stacks', async () => {
    const report = await runProbe({ baseUrl: express.url, ...flags });
    assert.deepEqual(failedIds(report).sort(), [...broken, 'no-leak'].sort(), formatReport(report));
    const leak = report.checks.find((check) => check.id === 'no-leak');
    assert.match(String(leak?.evidence[0]?.body), /at |Error/);
  });

  test('fails the delete check on a 204 that carries a Content-Type', async () => {
    const typed = await plainFastify({ typedNoContent: true });
    try {
      const report = await runProbe({ baseUrl: typed.url, ...flags });
      const deleted = report.checks.find((check) => check.id === 'delete');
      assert.equal(deleted?.evidence[0]?.headers['content-type'], 'application/json');
      assert.equal(deleted?.verdict, 'fail', formatReport(report));
      assert.equal(deleted?.observed, '204 with a body or Content-Type');
    } finally {
      await typed.close();
    }
  });

  test('exits 1 from the command line when a check fails, and 2 for an unreachable URL', async () => {
    const run = (args: string[]) =>
      new Promise<number | null>((resolve) =>
        spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'check', ...args], { cwd: root }).on(
          'close',
          resolve,
        ),
      );
    assert.equal(await run([fastify.url, '--token', 'rw', '--json']), 1);
    assert.equal(await run(['http://127.0.0.1:9', '--token', 'rw']), 2);
    assert.equal(await run(['not-a-url']), 2);
  });
});

describe('finding the resource', () => {
  test('takes the collection, the create example and the item PUT example from OpenAPI', () => {
    const document = {
      paths: {
        '/things': {
          post: {
            requestBody: {
              content: { 'application/json': { schema: { examples: [{ thing: { name: 'x' } }] } } },
            },
          },
        },
        '/things/{id}': {
          get: {},
          put: { requestBody: { content: { 'application/json': { example: { thing: { name: 'y' } } } } } },
        },
      },
    };
    assert.deepEqual(targetFromOpenApi(document), {
      resource: '/things',
      item: '/things/{id}',
      createBody: { thing: { name: 'x' } },
      updateBody: { thing: { name: 'y' } },
      source: 'openapi',
    });
    assert.deepEqual(targetFromOpenApi({ paths: {} }), { source: 'none' });
  });

  test('follows $refs to the bodies, the statuses each operation documents and the name rules', () => {
    const document = {
      openapi: '3.0.3',
      paths: {
        '/v3/projects': {
          post: {
            requestBody: { $ref: '#/components/requestBodies/Project' },
            responses: { 201: {}, 400: {}, '4XX': {} },
          },
        },
        '/v3/projects/{project_id}': {
          get: { responses: { 200: {} } },
          patch: {
            requestBody: { $ref: '#/components/requestBodies/Project' },
            responses: { 200: {}, 400: {} },
          },
        },
      },
      components: {
        requestBodies: {
          Project: {
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Project' },
                examples: { one: { value: { project: { name: 'p1' } } } },
              },
            },
          },
        },
        schemas: {
          Project: {
            type: 'object',
            properties: {
              project: {
                type: 'object',
                properties: { name: { type: 'string', maxLength: 12, pattern: '^p' } },
              },
            },
          },
        },
      },
    };
    const target = targetFromOpenApi(document);
    assert.equal(target.resource, '/v3/projects');
    assert.equal(target.item, '/v3/projects/{project_id}');
    assert.equal(target.updateMethod, 'PATCH');
    assert.deepEqual(target.names, { maxLength: 12, patterns: ['^p'] });
    assert.ok(target.statuses?.create?.includes(409), 'a 4XX range documents every 4xx');
    assert.deepEqual(target.statuses?.update, [200, 400]);
    assert.equal(target.statuses?.read, undefined, 'no error status documented: nothing to go by');
  });

  test('reads a YAML document from a file, and refuses what is not OpenAPI', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'probe-openapi-'));
    const yaml = path.join(dir, 'openapi.yaml');
    await writeFile(
      yaml,
      'openapi: 3.1.0\npaths:\n  /things:\n    post:\n      responses:\n        "201": {}\n',
    );
    const notOpenApi = path.join(dir, 'other.json');
    await writeFile(notOpenApi, '{"swagger": 2}');
    const document = await loadOpenApi(yaml, 1_000);
    const refused = await loadOpenApi(notOpenApi, 1_000).catch((error: Error) => error.message);
    await rm(dir, { recursive: true });
    assert.deepEqual(Object.keys(document.paths as object), ['/things']);
    assert.match(String(refused), /is not an OpenAPI document/);
  });

  test('expects the usual status, 400 where the operation documents it in its place, either where it documents both', () => {
    assert.deepEqual(expectedStatuses(409, undefined), [409]);
    assert.deepEqual(expectedStatuses(409, [201, 400, 409]), [409, 400]);
    assert.deepEqual(expectedStatuses(409, [201, 400, 401]), [400]);
    assert.deepEqual(expectedStatuses(409, [201, 401, 404, 409]), [409]);
    assert.deepEqual(expectedStatuses(409, [201, 401, 404]), [409]);
  });

  test('makes unique names that keep to the length and pattern the schema sets', () => {
    assert.match(uniqueName({ maxLength: 64 }), /^probe_[0-9a-f]{8}$/);
    assert.match(uniqueName({ maxLength: 8 }), /^p[0-9a-f]{7}$/);
    assert.match(uniqueName({ maxLength: 8, patterns: ['^[a-z]+$'] }), /^p[a-p]{7}$/);
    assert.match(uniqueName({ maxLength: 3 }), /^[0-9a-f]{3}$/);
    assert.match(uniqueName({ minLength: 20, maxLength: 64 }), /^probe_[0-9a-f]{14}$/);
    assert.match(uniqueName({ patterns: ['^[A-Z]+$'] }), /^[A-P]{8}$/);
    assert.match(uniqueName(undefined, 'a'), /^p[0-9a-f]{7}$/, 'without a schema: 8 characters');
    assert.match(uniqueName(undefined, 'my-long-example-name'), /^probe_[0-9a-f]{8}$/);
    assert.notEqual(uniqueName(undefined), uniqueName(undefined));
  });

  test('makes every name in a body unique and breaks the first field for the schema check', () => {
    const body = withUniqueNames({ a: { name: 'x', b: [{ name: 'y' }], size: 1 } }, { maxLength: 64 }) as {
      a: { name: string; b: { name: string }[]; size: number };
    };
    assert.match(body.a.name, /^probe_[0-9a-f]{8}$/);
    assert.match(body.a.b[0]?.name ?? '', /^probe_[0-9a-f]{8}$/);
    assert.equal(body.a.size, 1);
    assert.deepEqual(schemaViolation({ item: { name: 'x', size: 1 } }), {
      body: { item: { name: { statuskit: 'probe' }, size: 1 } },
      field: 'name',
    });
  });

  test('finds the created resource in a body without Location: its self link, else its id', () => {
    const collection = 'http://127.0.0.1:5000/v3/projects';
    assert.equal(
      itemFromBody(
        '{"project":{"id":"a1","links":{"self":"http://127.0.0.1:5000/v3/projects/a1"}}}',
        collection,
      ),
      'http://127.0.0.1:5000/v3/projects/a1',
    );
    assert.equal(itemFromBody('{"item":{"id":7}}', collection), `${collection}/7`);
    assert.equal(itemFromBody('{"id":"b 2"}', collection), `${collection}/b%202`);
    assert.equal(itemFromBody('{"items":[]}', collection), undefined);
    assert.equal(itemFromBody('not json', collection), undefined);
  });
});
