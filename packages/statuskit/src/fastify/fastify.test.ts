import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { type LogLines, testApp } from '../../test/fastify-app.js';
import { parseErrorBody } from '../index.js';
import { serverOptions, statuskit } from './index.js';

/**
 * A method typed as inject's: light-my-request 6.6 (its last release for Node 20) leaves TRACE and
 * the WebDAV methods out of its types, although it sends them.
 */
const injectable = (method: string) => method as 'GET';

const rw = { 'x-auth-token': 'rw' };
let app: FastifyInstance;
let logs: LogLines;

before(async () => {
  ({ app, logs } = await testApp());
});
after(() => app.close());

/** Polls a job until it is done, yielding to the timers between polls, as a real client does. */
async function settled(jobId: string) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const job = (await app.inject({ url: `/jobs/${jobId}`, headers: rw })).json().job;
    if (job.status !== 'RUNNING') return job;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`job ${jobId} is still RUNNING`);
}

/** The error body in the default dialect, asserted to be one. */
function errorOf(response: LightMyRequestResponse) {
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const parsed = parseErrorBody(response.body);
  assert.equal(parsed?.dialect, 'error', response.body);
  assert.equal(parsed?.requestId, response.headers['x-request-id']);
  return parsed;
}

describe('success codes', () => {
  test('answers 200 with the body for GET', async () => {
    const response = await app.inject({ url: '/items/1', headers: rw });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { item: { id: 1, name: 'one' } });
  });

  test('answers HEAD like GET, without a body', async () => {
    const response = await app.inject({ method: 'HEAD', url: '/items/1', headers: rw });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '');
    assert.match(String(response.headers['content-type']), /application\/json/);
  });

  test('answers 201 with Location naming the new resource for a POST that creates', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/items',
      headers: rw,
      payload: { item: { name: 'two' } },
    });
    assert.equal(response.statusCode, 201);
    assert.equal(response.headers.location, `/items/${response.json().item.id}`);
  });

  // That a 204 goes out without a body or Content-Type is Fastify's own guarantee; these test
  // what the plugin adds: reply.noContent() and the log line naming the handler's mistake.
  test('reply.noContent() answers 204, with the request id', async () => {
    const response = await app.inject({
      method: 'DELETE',
      url: '/items/2',
      headers: { ...rw, 'x-request-id': 'delete-1' },
    });
    assert.equal(response.statusCode, 204);
    assert.equal(response.headers['x-request-id'], 'delete-1');
  });

  test('logs a body a handler sends with 204, under the request id, and nothing for an empty 204', async () => {
    const dropped = (id: string) =>
      logs.some((line) => line.msg === 'a body sent with 204 was dropped' && line.reqId === id);
    await app.inject({ method: 'DELETE', url: '/items/2', headers: { ...rw, 'x-request-id': 'empty-1' } });
    assert.equal(dropped('empty-1'), false);
    const response = await app.inject({
      method: 'DELETE',
      url: '/chatty',
      headers: { 'x-request-id': 'chatty-1' },
    });
    assert.equal(response.statusCode, 204);
    assert.equal(dropped('chatty-1'), true);
  });

  test('answers 202 with a job id and Location, and the job reports progress until SUCCESS', async () => {
    const response = await app.inject({ method: 'POST', url: '/items/1/rebuild', headers: rw });
    assert.equal(response.statusCode, 200, 'nat has no 202: the plugin sends its fallback, 200');
    const { job_id } = response.json();
    assert.equal(response.headers.location, `/jobs/${job_id}`);
    const job = await settled(job_id);
    assert.deepEqual(job.status, 'SUCCESS');
    assert.equal(job.progress, 100);
    assert.deepEqual(job.result, { rebuilt: true });
  });

  test("reports a failed job as FAILED with the error's code and message", async () => {
    const { job_id } = (await app.inject({ method: 'POST', url: '/items/1/break', headers: rw })).json();
    const job = await settled(job_id);
    assert.equal(job.status, 'FAILED');
    assert.deepEqual(job.error, { code: 'NAT.0009', message: 'The item is in use.' });
  });

  test("reports a job failed with a 5xx contract error without that error's message, which goes to the log", async () => {
    const detail = 'upstream db-7.internal (10.0.0.7:5432) refused the connection';
    const { job_id } = (
      await app.inject({ method: 'POST', url: '/items/1/fail-upstream', headers: rw })
    ).json();
    const job = await settled(job_id);
    assert.equal(job.status, 'FAILED');
    assert.deepEqual(job.error, { code: 'SK.0500', message: 'The operation failed.' });
    assert.ok(
      logs.some((line) => JSON.stringify(line).includes(detail)),
      'the detail is in the log',
    );
  });

  test('moves a success status its profile lacks to the fallback, keeping the body, and logs it', async () => {
    const response = await app.inject({ url: '/accepted' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { later: true });
    assert.ok(logs.some((line) => line.msg === 'status outside the profile corrected' && line.from === 202));
  });

  test('moves an error status its profile lacks to the fallback, in a contract body', async () => {
    const response = await app.inject({ url: '/teapot' });
    assert.equal(response.statusCode, 400);
    assert.equal(errorOf(response)?.title, 'Bad Request');
  });

  test('gives an error sent around the error handler a contract body', async () => {
    const response = await app.inject({ url: '/raw-error' });
    assert.equal(response.statusCode, 409);
    assert.equal(errorOf(response)?.code, 'SK.0409');
  });
});

describe('400', () => {
  test('answers malformed JSON with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { ...rw, 'content-type': 'application/json' },
      payload: '{"item": {',
    });
    assert.equal(response.statusCode, 400);
    assert.match(errorOf(response)?.message ?? '', /JSON/);
  });

  test('names the field and the rule of a schema violation', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/items',
      headers: rw,
      payload: { item: { name: 'far too long' } },
    });
    assert.equal(response.statusCode, 400);
    const error = errorOf(response);
    assert.equal(
      error?.message,
      'Invalid input for item.name: must NOT have more than 8 characters (maxLength).',
    );
    assert.deepEqual(error?.details, [
      { field: 'item.name', rule: 'maxLength', message: 'must NOT have more than 8 characters' },
    ]);
  });

  test('names a missing required field', async () => {
    const response = await app.inject({ method: 'POST', url: '/items', headers: rw, payload: { item: {} } });
    assert.equal(
      errorOf(response)?.message,
      "Invalid input for item.name: must have required property 'name' (required).",
    );
  });

  test('answers a bad path parameter with 400 naming it', async () => {
    const response = await app.inject({ url: '/items/abc', headers: rw });
    assert.equal(response.statusCode, 400);
    assert.equal(errorOf(response)?.message, 'Invalid input for params.id: must be integer (type).');
  });

  test('answers a bad query parameter with 400 naming it', async () => {
    const response = await app.inject({ url: '/items?limit=0', headers: rw });
    assert.equal(response.statusCode, 400);
    assert.equal(errorOf(response)?.message, 'Invalid input for querystring.limit: must be >= 1 (minimum).');
  });

  test('answers a body over the limit with 400 in a profile without 413', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/items',
      headers: rw,
      payload: { item: { name: 'x'.repeat(2000) } },
    });
    assert.equal(response.statusCode, 400);
    assert.match(errorOf(response)?.message ?? '', /too large/i);
  });

  test('answers an unsupported Content-Type with 400 in a profile without 415', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { ...rw, 'content-type': 'application/xml' },
      payload: '<item/>',
    });
    assert.equal(response.statusCode, 400);
    assert.match(errorOf(response)?.message ?? '', /media type/i);
  });

  test('answers a malformed URL with 400 in a contract body', async () => {
    const response = await app.inject({ url: '/items/%zz', headers: rw });
    assert.equal(response.statusCode, 400);
    errorOf(response);
  });
});

describe('401 and 403', () => {
  test('answers a request without credentials with 401 and WWW-Authenticate', async () => {
    const response = await app.inject({ url: '/items/1' });
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers['www-authenticate'], 'Keystone uri="http://127.0.0.1/v3"');
    assert.equal(errorOf(response)?.message, 'Authentication required.');
  });

  test("answers bad credentials with 401 and the service's own code and message", async () => {
    const response = await app.inject({ url: '/items/1', headers: { 'x-auth-token': 'forged' } });
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers['www-authenticate'], 'Keystone uri="http://127.0.0.1/v3"');
    const error = errorOf(response);
    assert.equal(error?.code, 'VPC.0008');
    assert.equal(error?.message, 'Invalid token in the header.');
  });

  test('checks credentials before reading the body', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload: '{bad',
    });
    assert.equal(response.statusCode, 401);
  });

  test('answers a read-only caller writing with 403', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'x-auth-token': 'ro' },
      payload: { item: { name: 'x' } },
    });
    assert.equal(response.statusCode, 403);
    errorOf(response);
  });

  test('lets a read-only caller read', async () => {
    const response = await app.inject({ url: '/items/1', headers: { 'x-auth-token': 'ro' } });
    assert.equal(response.statusCode, 200);
  });
});

describe('404, 405, 406, 409, 500, 501', () => {
  test('answers an unknown route with 404 in the contract body', async () => {
    const response = await app.inject({ url: '/nothing/here', headers: rw });
    assert.equal(response.statusCode, 404);
    assert.equal(errorOf(response)?.message, 'The resource /nothing/here could not be found.');
  });

  test('answers 405 with Allow when the route exists but the method does not', async () => {
    const response = await app.inject({ method: 'PUT', url: '/items', headers: rw });
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers.allow, 'GET, POST, HEAD, OPTIONS');
    errorOf(response);
  });

  test('lists exactly the methods of a path with parameters in Allow', async () => {
    const response = await app.inject({ method: 'POST', url: '/items/1', headers: rw });
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers.allow, 'GET, PUT, DELETE, HEAD, OPTIONS');
  });

  test('answers 404, not 405, when a route sends its own method to the not-found handler', async () => {
    // A file route does this for a file it does not have (`@fastify/static` calls `callNotFound`).
    const files = Fastify(serverOptions());
    await files.register(statuskit);
    files.get<{ Params: { '*': string } }>('/files/*', async (request, reply) =>
      request.params['*'] === 'here.txt' ? 'here' : reply.callNotFound(),
    );
    await files.ready();
    try {
      assert.equal((await files.inject({ url: '/files/here.txt' })).statusCode, 200);
      for (const method of ['GET', 'HEAD'] as const) {
        const missing = await files.inject({ method, url: '/files/missing.txt' });
        assert.equal(missing.statusCode, 404, method);
        assert.equal(missing.headers.allow, undefined);
      }
      const wrong = await files.inject({ method: 'POST', url: '/files/missing.txt' });
      assert.equal(wrong.statusCode, 405);
      assert.equal(wrong.headers.allow, 'GET, HEAD, OPTIONS');
    } finally {
      await files.close();
    }
  });

  test('answers OPTIONS on a known path with 204 and Allow', async () => {
    const response = await app.inject({ method: 'OPTIONS', url: '/items' });
    assert.equal(response.statusCode, 204);
    assert.equal(response.headers.allow, 'GET, POST, HEAD, OPTIONS');
  });

  test('answers 406 when Accept rules out every type the route produces, in JSON', async () => {
    for (const accept of ['application/xml', 'text/html', 'application/json;q=0, */*;q=0']) {
      const response = await app.inject({ url: '/items/1', headers: { ...rw, accept } });
      assert.equal(response.statusCode, 406, accept);
      errorOf(response);
    }
  });

  test('serves */*, application/*, a weighted list or no Accept at all', async () => {
    for (const accept of ['*/*', 'application/*', 'text/html;q=0.9, application/json;q=0.1', undefined]) {
      const headers = accept === undefined ? rw : { ...rw, accept };
      assert.equal((await app.inject({ url: '/items/1', headers })).statusCode, 200, String(accept));
    }
  });

  test("negotiates against the route's own media types", async () => {
    assert.equal((await app.inject({ url: '/page', headers: { accept: 'text/html' } })).statusCode, 200);
    assert.equal(
      (await app.inject({ url: '/page', headers: { accept: 'application/json' } })).statusCode,
      406,
    );
  });

  test('formats a conflict the service throws as 409', async () => {
    const response = await app.inject({ method: 'PUT', url: '/items/1', headers: rw, payload: {} });
    assert.equal(response.statusCode, 409);
    const error = errorOf(response);
    assert.equal(error?.code, 'NAT.0103');
    assert.equal(error?.message, 'Item 1 is PENDING_UPDATE.');
  });

  test('answers a crash with 500 and nothing of the exception, and logs it with the request id', async () => {
    const response = await app.inject({ url: '/crash', headers: { 'x-request-id': 'trace-500' } });
    assert.equal(response.statusCode, 500);
    const error = errorOf(response);
    assert.equal(error?.message, 'Failed to complete the request because of an internal service error.');
    assert.equal(error?.requestId, 'trace-500');
    assert.doesNotMatch(response.body, /TypeError|items\.js|reading|stack/);
    const logged = logs.find((line) => line.reqId === 'trace-500' && line.level === 50);
    assert.match(String((logged?.err as { stack?: string })?.stack), /TypeError: Cannot read properties/);
  });

  test('answers 405 with Allow for PATCH, or another method HTTP defines, where the path exists but has no route for it', async () => {
    // PATCH (RFC 5789) and TRACE are methods the server knows: no route here serves them (RFC 9110 §15.5.6).
    for (const method of ['PATCH', 'TRACE']) {
      const response = await app.inject({ method: injectable(method), url: '/items/1', headers: rw });
      assert.equal(response.statusCode, 405, method);
      assert.equal(response.headers.allow, 'GET, PUT, DELETE, HEAD, OPTIONS', method);
      assert.equal(errorOf(response)?.message, `The method ${method} is not allowed for /items/1.`);
    }
  });

  test('answers 404 for PATCH on a path that does not exist', async () => {
    const response = await app.inject({ method: 'PATCH', url: '/nothing/here', headers: rw });
    assert.equal(response.statusCode, 404);
    errorOf(response);
  });

  test('answers 501 for a method the server does not recognise, on any path', async () => {
    // A made-up token never gets this far: Node's parser rejects it (see socket.test.ts).
    for (const method of ['PROPFIND', 'LINK', 'MKCOL']) {
      for (const url of ['/items/1', '/nothing/here']) {
        const response = await app.inject({ method: injectable(method), url, headers: rw });
        assert.equal(response.statusCode, 501, `${method} ${url}`);
        assert.equal(response.headers.allow, undefined);
        errorOf(response);
      }
    }
  });
});

describe('request ids and languages', () => {
  test('puts the request id in both headers of every answer', async () => {
    for (const request of [
      { url: '/items/1', headers: rw },
      { url: '/nowhere' },
      { method: 'PUT' as const, url: '/items' },
      { method: injectable('PROPFIND'), url: '/items' },
      { method: 'DELETE' as const, url: '/items/1', headers: rw },
      { url: '/items/%zz' },
    ]) {
      const response = await app.inject(request);
      const id = response.headers['x-request-id'];
      assert.match(String(id), /^req-[0-9a-f-]{36}$/, `${request.url} ${response.statusCode}`);
      assert.equal(response.headers['x-openstack-request-id'], id);
    }
  });

  test("keeps the caller's well-formed request id and replaces a malformed one", async () => {
    const kept = await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'caller-42' } });
    assert.equal(kept.headers['x-request-id'], 'caller-42');
    assert.equal(errorOf(kept)?.requestId, 'caller-42');
    const replaced = await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'bad id <x>' } });
    assert.notEqual(replaced.headers['x-request-id'], 'bad id <x>');
  });

  test('answers in Chinese with Content-Language for Accept-Language zh-CN', async () => {
    const response = await app.inject({ url: '/crash', headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    assert.equal(response.headers['content-language'], 'zh-CN');
    assert.equal(errorOf(response)?.message, '请求未完成，服务异常。');
  });
});

describe('profiles and dialects', () => {
  test('sends problem+json in the problem dialect', async () => {
    const { app: problem } = await testApp({ dialect: 'problem' });
    const response = await problem.inject({ url: '/nowhere' });
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(response.json().status, 404);
    await problem.close();
  });

  test('uses the service error codes given for the errors the plugin raises', async () => {
    const { app: coded } = await testApp({ errorCodes: { 400: 'NAT.0002', 404: 'NAT.1002' } });
    assert.equal(parseErrorBody((await coded.inject({ url: '/nowhere' })).body)?.code, 'NAT.1002');
    assert.equal(
      parseErrorBody((await coded.inject({ url: '/items/x', headers: rw })).body)?.code,
      'NAT.0002',
    );
    await coded.close();
  });

  test('never sends a code the profile lacks: 405 becomes 404 in basic, 202 stays in bms', async () => {
    const { app: basic } = await testApp({ profile: 'basic' });
    const response = await basic.inject({ method: 'PUT', url: '/items', headers: rw });
    assert.equal(response.statusCode, 404);
    await basic.close();
    const { app: bms } = await testApp({ profile: 'bms' });
    assert.equal((await bms.inject({ url: '/accepted' })).statusCode, 202);
    await bms.close();
  });
});

describe('503', () => {
  test('answers 503 with Retry-After in maintenance, and serves again after', async () => {
    const { app: down } = await testApp();
    down.statuskit.setMaintenance(true, 120);
    const response = await down.inject({ url: '/items/1', headers: rw });
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers['retry-after'], '120');
    errorOf(response);
    down.statuskit.setMaintenance(false);
    assert.equal((await down.inject({ url: '/items/1', headers: rw })).statusCode, 200);
    await down.close();
  });

  test('answers 503 with Retry-After past the in-flight limit', async () => {
    const { app: busy } = await testApp({ overload: { maxInFlight: 2, retryAfter: 3 } });
    const responses = await Promise.all([1, 2, 3, 4].map(() => busy.inject({ url: '/slow' })));
    const statuses = responses.map((response) => response.statusCode).sort();
    assert.deepEqual(statuses, [200, 200, 503, 503]);
    const refused = responses.find((response) => response.statusCode === 503);
    assert.equal(refused?.headers['retry-after'], '3');
    assert.equal(busy.statuskit.inFlight, 0, 'every request is counted out again');
    await busy.close();
  });

  test('answers 503 with Retry-After while the event loop lags', async () => {
    const { app: lagging } = await testApp({ overload: { maxEventLoopDelay: 50, retryAfter: 2 } });
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      // Block the loop, as a CPU-bound handler would.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await lagging.inject({ url: '/items/1', headers: rw });
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers['retry-after'], '2');
    errorOf(response);
    await lagging.close();
  });
});

describe('options for proxies', () => {
  test('a route producing */* takes any Accept the client has not ruled out', async () => {
    const { acceptable } = await import('./accept.js');
    assert.equal(acceptable('application/xml', ['*/*']), true);
    assert.equal(acceptable('text/html;q=0', ['*/*']), false);
  });

  test('jobs: false registers no job route', async () => {
    const { app: bare } = await testApp({ jobs: false });
    assert.equal((await bare.inject({ url: '/jobs/x', headers: rw })).statusCode, 404);
    await bare.close();
  });

  test('a passThrough route keeps the status and body it sends', async () => {
    const Fastify = (await import('fastify')).default;
    const { serverOptions, statuskit } = await import('./index.js');
    const proxy = Fastify(serverOptions());
    await proxy.register(statuskit, {});
    proxy.get('/relayed', { config: { passThrough: true } }, async (_request, reply) =>
      reply.code(418).send({ kept: true }),
    );
    const response = await proxy.inject({ url: '/relayed' });
    assert.equal(response.statusCode, 418);
    assert.deepEqual(response.json(), { kept: true });
    await proxy.close();
  });
});
