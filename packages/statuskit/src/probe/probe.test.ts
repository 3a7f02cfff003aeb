import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { plainExpress, plainFastify, type Running } from '../../test/plain-servers.js';
import { formatReport, type Report, runProbe } from './index.js';
import { schemaViolation, targetFromOpenApi, withUniqueNames } from './target.js';

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
      createBody: { thing: { name: 'x' } },
      updateBody: { thing: { name: 'y' } },
      source: 'openapi',
    });
    assert.deepEqual(targetFromOpenApi({ paths: {} }), { source: 'none' });
  });

  test('makes names unique and breaks the first field for the schema check', () => {
    assert.deepEqual(withUniqueNames({ a: { name: 'x', b: [{ name: 'y' }] } }, 'z'), {
      a: { name: 'probe_z', b: [{ name: 'probe_z' }] },
    });
    assert.deepEqual(schemaViolation({ item: { name: 'x', size: 1 } }), {
      body: { item: { name: { statuskit: 'probe' }, size: 1 } },
      field: 'name',
    });
  });
});
