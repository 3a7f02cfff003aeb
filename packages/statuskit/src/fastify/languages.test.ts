import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import Fastify from 'fastify';
import { testApp } from '../../test/fastify-app.js';
import { ConflictError, parseErrorBody } from '../index.js';
import { serverOptions, statuskit } from './index.js';

const chinese = /\p{Script=Han}/u;
const zh = { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' };
const rw = { 'x-auth-token': 'rw' };
let app: FastifyInstance;

// A loaded test machine's lag says nothing of languages: no 503 for it here.
const steady = { overload: { maxEventLoopDelay: 0 } };

before(async () => {
  ({ app } = await testApp(steady));
});
after(() => app.close());

/** Every error the plugin writes itself, by the request that meets it. */
const conditions: Record<string, InjectOptions> = {
  'unknown route (404)': { url: '/nothing/here', headers: rw },
  'unknown job (404)': { url: '/jobs/job-x', headers: rw },
  'wrong method (405)': { method: 'PUT', url: '/items', headers: rw },
  'PATCH where the path has none (405)': { method: 'PATCH', url: '/items/1', headers: rw },
  'unacceptable Accept (406)': { url: '/items/1', headers: { ...rw, accept: 'application/xml' } },
  'no credentials (401)': { url: '/items/1' },
  'read-only caller writing (403)': {
    method: 'POST',
    url: '/items',
    headers: { 'x-auth-token': 'ro' },
    payload: { item: { name: 'x' } },
  },
  'malformed JSON (400)': {
    method: 'POST',
    url: '/items',
    headers: { ...rw, 'content-type': 'application/json' },
    payload: '{"item": {',
  },
  'empty JSON body (400)': {
    method: 'POST',
    url: '/items',
    headers: { ...rw, 'content-type': 'application/json' },
    payload: '',
  },
  'schema violation (400)': {
    method: 'POST',
    url: '/items',
    headers: rw,
    payload: { item: { name: 'far too long' } },
  },
  'bad query parameter (400)': { url: '/items?limit=0', headers: rw },
  'bad path parameter (400)': { url: '/items/abc', headers: rw },
  'body over the limit (413 as 400)': {
    method: 'POST',
    url: '/items',
    headers: rw,
    payload: { item: { name: 'x'.repeat(2000) } },
  },
  'unsupported media type (415 as 400)': {
    method: 'POST',
    url: '/items',
    headers: { ...rw, 'content-type': 'application/xml' },
    payload: '<item/>',
  },
  'malformed URL (400)': { url: '/items/%zz', headers: rw },
  'unknown method (501)': { method: 'PROPFIND' as 'GET', url: '/items', headers: rw },
  'crash (500)': { url: '/crash' },
};

function messageOf(response: LightMyRequestResponse): string {
  const parsed = parseErrorBody(response.body);
  assert.equal(parsed?.dialect, 'error', response.body);
  return parsed?.message ?? '';
}

describe('the languages of the answers the plugin writes', () => {
  for (const [condition, request] of Object.entries(conditions)) {
    test(`tells ${condition} in Chinese, labelled zh-CN, to a caller who asks for Chinese`, async () => {
      const response = await app.inject({ ...request, headers: { ...request.headers, ...zh } });
      assert.ok(response.statusCode >= 400, `${condition}: ${response.statusCode}`);
      assert.equal(response.headers['content-language'], 'zh-CN', response.body);
      assert.match(messageOf(response), chinese, response.body);
    });

    test(`tells ${condition} in English, labelled en, to anyone else`, async () => {
      const response = await app.inject(request);
      assert.equal(response.headers['content-language'], 'en', response.body);
      assert.doesNotMatch(response.body, chinese);
    });
  }

  test('keeps the field a schema violation names, and tells the rule in Chinese', async () => {
    const response = await app.inject({ ...conditions['schema violation (400)'], headers: { ...rw, ...zh } });
    const parsed = parseErrorBody(response.body);
    assert.equal(parsed?.message, 'item.name 的输入无效：不应多于 8 个字符（maxLength）。');
    assert.deepEqual(parsed?.details, [
      { field: 'item.name', rule: 'maxLength', message: '不应多于 8 个字符' },
    ]);
    const missing = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { ...rw, ...zh },
      payload: { item: {} },
    });
    assert.match(messageOf(missing), /^item\.name 的输入无效：.*name.*（required）。$/);
  });

  test("sends a service's message without a Chinese form in English, labelled en, even to a caller asking for Chinese", async () => {
    const response = await app.inject({
      method: 'PUT',
      url: '/items/1',
      headers: { ...rw, ...zh },
      payload: {},
    });
    assert.equal(response.statusCode, 409);
    assert.equal(response.headers['content-language'], 'en');
    assert.equal(messageOf(response), 'Item 1 is PENDING_UPDATE.');
  });

  test('tells a 503 in Chinese: the page’s text, never the reason written for the log', async () => {
    const { app: down } = await testApp(steady);
    down.statuskit.setMaintenance(true, 5);
    const response = await down.inject({ url: '/items/1', headers: { ...rw, ...zh } });
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers['content-language'], 'zh-CN');
    assert.equal(messageOf(response), '请求未完成，系统暂时异常。');
    await down.close();
  });
});

describe('the language of a failed job', () => {
  test('tells why a job failed in the caller’s language where the message has it, labelled', async () => {
    const jobs = Fastify(serverOptions());
    await jobs.register(statuskit, steady);
    jobs.post('/crash', async (_request, reply) =>
      reply.accepted(async () => {
        throw new Error('the disk is full at /var/lib/x');
      }),
    );
    jobs.post('/conflict', async (_request, reply) =>
      reply.accepted(async () => {
        throw new ConflictError('The item is in use.', { code: 'NAT.0009' });
      }),
    );
    const failed = async (url: string, headers: Record<string, string>) => {
      const { job_id } = (await jobs.inject({ method: 'POST', url })).json();
      for (let attempt = 0; attempt < 100; attempt++) {
        const response = await jobs.inject({ url: `/jobs/${job_id}`, headers });
        if (response.json().job.status !== 'RUNNING') return response;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.fail(`job ${job_id} is still RUNNING`);
    };
    const crashed = await failed('/crash', zh);
    assert.deepEqual(crashed.json().job.error, { code: 'SK.0500', message: '操作失败。' });
    assert.equal(crashed.headers['content-language'], 'zh-CN');
    const english = await failed('/crash', {});
    assert.deepEqual(english.json().job.error, { code: 'SK.0500', message: 'The operation failed.' });
    assert.equal(english.headers['content-language'], 'en');
    const conflict = await failed('/conflict', zh);
    assert.deepEqual(conflict.json().job.error, { code: 'NAT.0009', message: 'The item is in use.' });
    assert.equal(conflict.headers['content-language'], 'en');
    await jobs.close();
  });
});

describe('the languages of the answers written on the socket', () => {
  let server: FastifyInstance;
  let port: number;
  before(async () => {
    ({ app: server } = await testApp({
      ...steady,
      timeouts: { headers: 1_000, request: 1_500, checkInterval: 100 },
    }));
    await server.listen({ host: '127.0.0.1', port: 0 });
    port = (server.server.address() as AddressInfo).port;
  });
  after(() => server.close());

  /** One raw request over TCP (sent whole, or left unfinished); the answer's headers and body. */
  function raw(request: string, unfinished = false): Promise<{ headers: string; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk;
      });
      socket.on('error', reject);
      socket.on('end', () => {
        const end = received.indexOf('\r\n\r\n');
        resolve({ headers: received.slice(0, end), body: received.slice(end + 4) });
      });
      if (unfinished) socket.write(request);
      else socket.end(request);
    });
  }

  for (const [condition, request] of [
    [
      'an HTTP/1.1 request without Host',
      'GET /items/1 HTTP/1.1\r\nAccept-Language: zh-CN\r\nConnection: close\r\n\r\n',
    ],
    [
      'a method token the parser rejects',
      'G@T /items/1 HTTP/1.1\r\nHost: x\r\nAccept-Language: zh-CN\r\n\r\n',
    ],
    [
      'a CONNECT request',
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nAccept-Language: zh-CN\r\n\r\n',
    ],
    [
      'a body that comes too slowly (408)',
      'POST /items HTTP/1.1\r\nHost: x\r\nAccept-Language: zh-CN\r\nX-Auth-Token: rw\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"it',
    ],
  ] as const) {
    test(`answers ${condition} in Chinese over a real connection`, async () => {
      const answer = await raw(request, condition.includes('408'));
      assert.match(answer.headers, /\r\ncontent-language: zh-CN\r\n/i);
      assert.match(String(parseErrorBody(answer.body)?.message), chinese, answer.body);
    });
  }
});
