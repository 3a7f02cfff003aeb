import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import stringWidth from 'string-width';
import type { Running } from '../../test/plain-servers.js';
import { itemsApp } from '../../test/statuskit-app.js';
import { parseErrorBody } from '../dialects/index.js';
import { formatReport, type Report, runProbe } from './index.js';

const verdicts = (report: Report) =>
  Object.fromEntries(report.checks.map((check) => [check.id, check.verdict]));
const failedIds = (report: Report) =>
  report.checks.filter((check) => check.verdict === 'fail').map((check) => check.id);
const check = (report: Report, id: string) => report.checks.find((candidate) => candidate.id === id);
const flags = { token: 'rw', readonlyToken: 'ro', slowBoundMs: 3_000 };

/** A server that answers every request 404 in the contract's body, with the message given. */
async function answering(message: string): Promise<Running> {
  const server = http.createServer((request, response) => {
    request.resume();
    response.writeHead(404, {
      'content-type': 'application/json',
      'content-language': 'zh-CN',
      'x-request-id': 'req-1',
    });
    response.end(JSON.stringify({ error: { code: 'X.0404', title: 'Not Found', message } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A server on raw sockets, for what node:http will not send: every request gets 200 with a JSON
 * body, and HEAD the same head, followed by that body too when `headBody` says so; with
 * `keepOpen` it ignores the `Connection: close` of a HEAD and leaves the connection open.
 */
async function rawServer(options: { headBody: boolean; keepOpen?: boolean }): Promise<Running> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!received.includes('\r\n\r\n')) return;
      const head = received.startsWith('HEAD ');
      const body = '{"items":[]}';
      const answer = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nX-Request-Id: req-1\r\n\r\n`;
      if (head && options.keepOpen) socket.write(answer + (options.headBody ? body : ''));
      else socket.end(answer + (head && !options.headBody ? '' : body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('the HEAD check', () => {
  const probe = async (server: Running) => {
    try {
      return await runProbe({ baseUrl: server.url, slowBoundMs: 500, lang: 'en' });
    } finally {
      await server.close();
    }
  };

  test('fails a server that sends a body after the head of its answer to HEAD, and says so', async () => {
    const report = await probe(await rawServer({ headBody: true }));
    const head = check(report, 'head-like-get');
    assert.equal(head?.verdict, 'fail', formatReport(report));
    assert.equal(head?.observed, '200 with a body (12 bytes)');
    assert.equal(head?.evidence[1]?.body, '{"items":[]}');
  });

  test('sees the body also where the server keeps the connection open, and stops waiting', async () => {
    const started = Date.now();
    const report = await probe(await rawServer({ headBody: true, keepOpen: true }));
    assert.equal(check(report, 'head-like-get')?.observed, '200 with a body (12 bytes)');
    assert.ok(Date.now() - started < 4_000, `${Date.now() - started} ms`);
  });

  test('passes the same server when its answer to HEAD is the head alone', async () => {
    const report = await probe(await rawServer({ headBody: false }));
    assert.equal(check(report, 'head-like-get')?.verdict, 'pass', formatReport(report));
    assert.equal(check(report, 'head-like-get')?.observed, '200');
  });
});

/**
 * A server whose `/items` wants `X-Auth-Token: rw`, and answers 401 in a contract body without it:
 * with `challenge` as its `WWW-Authenticate`, or with none.
 */
async function guarded(challenge: string | undefined): Promise<Running> {
  const server = http.createServer((request, response) => {
    request.resume();
    const admitted = request.headers['x-auth-token'] === 'rw';
    response.writeHead(admitted ? 200 : 401, {
      'content-type': 'application/json',
      'x-request-id': 'req-1',
      ...(admitted || challenge === undefined ? {} : { 'www-authenticate': challenge }),
    });
    response.end(
      admitted
        ? '{"items":[]}'
        : JSON.stringify({ error: { code: 'X.0401', title: 'Unauthorized', message: 'No token.' } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the no-credentials check', () => {
  for (const [what, challenge, verdict, observed] of [
    [
      'fails a 401 without WWW-Authenticate (RFC 9110 §11.6.1)',
      undefined,
      'fail',
      '401 (no WWW-Authenticate)',
    ],
    ['passes a 401 with WWW-Authenticate', 'Keystone uri="http://127.0.0.1/v3"', 'pass', '401'],
  ] as const) {
    test(what, async () => {
      const app = await guarded(challenge);
      try {
        const report = await runProbe({
          baseUrl: app.url,
          token: 'rw',
          resource: '/items',
          slowBoundMs: 500,
          lang: 'en',
        });
        const result = check(report, 'no-credentials');
        assert.deepEqual([result?.verdict, result?.observed], [verdict, observed], formatReport(report));
        assert.equal(result?.evidence[0]?.status, 401);
      } finally {
        await app.close();
      }
    });
  }
});

describe('the zh-CN check', () => {
  test('passes an API whose errors are written in Chinese', async () => {
    const app = await answering('找不到资源 /x。');
    const report = await runProbe({ baseUrl: app.url, slowBoundMs: 1_000 });
    await app.close();
    assert.equal(check(report, 'zh-CN')?.verdict, 'pass', formatReport(report));
    assert.equal(check(report, 'zh-CN')?.observed, 'Chinese in 1/1');
  });

  test('fails an API that only labels its English texts zh-CN', async () => {
    const app = await answering('The resource /x could not be found.');
    const report = await runProbe({ baseUrl: app.url, slowBoundMs: 1_000 });
    await app.close();
    assert.equal(check(report, 'zh-CN')?.verdict, 'fail');
    assert.equal(check(report, 'zh-CN')?.observed, 'not Chinese: 404 (1 labelled zh-CN)');
  });
});

test('the zh-CN check is skipped when only English is asked for', async () => {
  const app = await answering('The resource /x could not be found.');
  const report = await runProbe({ baseUrl: app.url, slowBoundMs: 1_000, lang: 'en' });
  await app.close();
  assert.equal(check(report, 'zh-CN')?.verdict, 'skip');
});

describe('the probe against a correct statuskit app', () => {
  let plain: Running;
  let documented: Running;
  before(async () => {
    [plain, documented] = await Promise.all([itemsApp(), itemsApp({ openapiPath: '/documentation/json' })]);
  });
  after(async () => {
    await Promise.all([plain.close(), documented.close()]);
  });

  test('fails nothing without a resource: no 406 asked of a path with no route, no dialect asked of HEAD', async () => {
    const report = await runProbe({ baseUrl: plain.url, ...flags });
    assert.deepEqual(failedIds(report), [], formatReport(report));
    assert.equal(check(report, 'not-acceptable')?.verdict, 'skip');
    assert.equal(check(report, 'one-dialect')?.observed, 'error');
    assert.equal(check(report, 'head-like-get')?.verdict, 'pass');
  });

  test('finds the OpenAPI document at a usual place, says where, and passes every check', async () => {
    const report = await runProbe({ baseUrl: documented.url, ...flags });
    assert.deepEqual(report.target.openapi, {
      location: `${documented.url}/documentation/json`,
      discovered: true,
    });
    assert.equal(report.target.resource, '/items');
    assert.deepEqual(failedIds(report), [], formatReport(report));
    assert.equal(report.skipped, 0, formatReport(report));
    assert.match(
      formatReport(report),
      /^OpenAPI document: http:\/\/127\.0\.0\.1:\d+\/documentation\/json \(found at a usual place\)$/m,
    );
  });

  test('makes names the schema allows: at most 8 lowercase letters', async () => {
    const report = await runProbe({ baseUrl: documented.url, ...flags });
    assert.deepEqual(report.target.names, { minLength: 1, maxLength: 8, patterns: ['^[a-z]+$'] });
    assert.equal(check(report, 'create')?.verdict, 'pass', formatReport(report));
    const sent = check(report, 'duplicate')?.evidence[0];
    assert.equal(sent?.status, 409);
  });

  test('without the schema, a name the pattern refuses makes create fail', async () => {
    const report = await runProbe({
      baseUrl: plain.url,
      ...flags,
      resource: '/items',
      createBody: { item: { name: 'first' } },
    });
    assert.equal(check(report, 'create')?.observed, '400', formatReport(report));
    // The table says what went wrong under the failed row: the request, the code and the message.
    const table = formatReport(report).split('\n');
    const row = table.findIndex((text) => text.startsWith('create '));
    const said = parseErrorBody(check(report, 'create')?.evidence.at(-1)?.body ?? '');
    assert.ok(said?.code && said.message, 'the server answered in a dialect');
    assert.equal(table[row + 1], `  ↳ POST ${plain.url}/items → 400 ${said.code}: ${said.message}`);
  });
});

describe('the probe where the document gives other statuses than the usual', () => {
  test('takes a conflict documented as 400 as the expected answer to a duplicate', async () => {
    const app = await itemsApp({ openapiPath: '/openapi.json', conflictStatus: 400 });
    const report = await runProbe({ baseUrl: app.url, ...flags });
    await app.close();
    assert.equal(check(report, 'duplicate')?.expected, '400 (as documented)');
    assert.deepEqual(failedIds(report), [], formatReport(report));
  });

  test('expects 409 for a duplicate where nothing documents otherwise', async () => {
    const app = await itemsApp({ conflictStatus: 400, namePattern: '^[a-z0-9]+$' });
    const report = await runProbe({
      baseUrl: app.url,
      ...flags,
      resource: '/items',
      createBody: { item: { name: 'first' } },
    });
    await app.close();
    assert.equal(check(report, 'duplicate')?.expected, '409');
    assert.equal(check(report, 'duplicate')?.verdict, 'fail');
  });
});

describe('a create without Location', () => {
  test('fails the Location check and goes on with the item the body names', async () => {
    const app = await itemsApp({ openapiPath: '/openapi.json', location: false });
    const report = await runProbe({ baseUrl: app.url, ...flags });
    await app.close();
    assert.deepEqual(failedIds(report), ['create'], formatReport(report));
    assert.equal(
      check(report, 'create')?.observed,
      '201, no Location (went on with the resource the body names)',
    );
    const { create, ...rest } = verdicts(report);
    assert.equal(Object.values(rest).filter((verdict) => verdict === 'skip').length, 0);
  });
});

describe('the table', () => {
  test('aligns its columns by display width, a CJK character taking two', async () => {
    const app = await answering('The resource /x could not be found.');
    const report = await runProbe({ baseUrl: app.url, slowBoundMs: 1_000 });
    await app.close();
    const lines = formatReport(report).split('\n');
    const header = lines.find((line) => line.startsWith('check '));
    const zh = lines.find((line) => line.startsWith('zh-CN '));
    assert.ok(header && zh, formatReport(report));
    assert.match(zh, /[\u4e00-\u9fff]/);
    // The "got" column starts at the same terminal column on both lines.
    const column = (line: string, text: string) => stringWidth(line.slice(0, line.indexOf(text)));
    assert.equal(column(zh, 'not Chinese'), column(header, 'got'));
  });
});

/** Python's wsgiref server, as Keystone's `keystone-wsgi-public` uses it: one request at a time. */
const singleThreaded = `
import json
from wsgiref.simple_server import make_server, WSGIRequestHandler
class Quiet(WSGIRequestHandler):
    def log_message(self, *args): pass
def app(environ, start):
    body = json.dumps({"error": {"code": "X.0404", "title": "Not Found", "message": "找不到。"}}).encode()
    start("404 Not Found", [("Content-Type", "application/json"), ("X-Request-Id", "req-1"), ("Content-Length", str(len(body)))])
    # wsgiref sends whatever the application returns, to HEAD too: leaving the body out is the app's job.
    return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]
server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
print(server.server_port, flush=True)
server.serve_forever()
`;

describe('the slow request', () => {
  test('runs alone after every other check, and a server that serves one request at a time is named', async () => {
    const python = spawn('python3', ['-c', singleThreaded], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [port] = (await once(python.stdout, 'data')) as [Buffer];
    const report = await runProbe({
      baseUrl: `http://127.0.0.1:${String(port).trim()}`,
      slowBoundMs: 2_000,
      timeoutMs: 2_000,
    });
    python.kill();
    const ids = report.checks.map((result) => result.id);
    assert.deepEqual(ids.slice(-6, -4), ['slow-request', 'serves-beside-slow']);
    // Run beside the others, the slow request would have held this server and spoilt these.
    assert.equal(check(report, 'unknown-route')?.verdict, 'pass', formatReport(report));
    assert.equal(check(report, 'head-like-get')?.verdict, 'pass', formatReport(report));
    assert.equal(check(report, 'serves-beside-slow')?.verdict, 'fail');
    assert.match(check(report, 'serves-beside-slow')?.observed ?? '', /^no answer in \d+ ms$/);
  });

  test('finds a server that serves others meanwhile', async () => {
    const app = await answering('找不到。');
    const report = await runProbe({ baseUrl: app.url, slowBoundMs: 1_000 });
    await app.close();
    assert.equal(check(report, 'serves-beside-slow')?.verdict, 'pass', formatReport(report));
  });
});
