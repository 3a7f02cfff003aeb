import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testApp } from '../../test/fastify-app.js';
import { listen, send, type TestServer } from '../../test/servers.js';
import { type Client, createClient, type JobReport, OperationFailedError } from './index.js';

const bounded = { timeout: 8_000 };

describe('202 operations', () => {
  // The plugin's test app under bms, the one page with 202: its jobs are served at /jobs/<id>.
  let app: FastifyInstance;
  let client: Client;

  before(async () => {
    ({ app } = await testApp({ profile: 'bms' }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    client = createClient({ baseUrl: url, token: 'rw', profile: 'bms' });
  });
  after(async () => {
    await client.close();
    await app.close();
  });

  test('a 202 gives an operation whose wait() resolves with the job result on SUCCESS', bounded, async () => {
    const reply = await client.post('/items/1/rebuild');
    assert.equal(reply.status, 202);
    assert.ok(reply.operation, 'an operation');
    assert.match(reply.operation.location, /\/jobs\/[0-9a-f-]{36}$/);
    assert.equal(reply.operation.jobId, (reply.body as { job_id: string }).job_id);
    assert.deepEqual(await reply.operation.wait({ poll: { initial: 20 } }), { rebuilt: true });
  });

  test(
    'wait() rejects with OperationFailedError carrying the job error when it ends FAILED',
    bounded,
    async () => {
      const reply = await client.post('/items/1/break');
      const operation = reply.operation;
      assert.ok(operation);
      await assert.rejects(operation.wait({ poll: { initial: 20 } }), (error: unknown) => {
        assert.ok(error instanceof OperationFailedError);
        assert.equal(error.code, 'NAT.0009');
        assert.equal(error.message, 'The item is in use.');
        assert.equal(error.jobId, operation.jobId);
        assert.equal(error.job.status, 'FAILED');
        return true;
      });
    },
  );
});

describe('waiting on a job', () => {
  // A job that runs for `looks` looks, then succeeds; every look is recorded.
  let server: TestServer;
  let client: Client;

  before(async () => {
    server = await listen((request, response, seen) => {
      if (request.method === 'POST') {
        const id = request.url === '/work-forever' ? 'forever' : 'j1';
        send(response, 202, { job_id: id }, { location: `/jobs/${id}` });
        return;
      }
      const looks = seen.filter((one) => one.url === '/jobs/j1').length;
      const slow = request.url === '/jobs/j1' && looks < 4;
      const job: JobReport = slow
        ? { job_id: 'j1', status: 'RUNNING', progress: looks * 25 }
        : { job_id: 'j1', status: 'SUCCESS', progress: 100, result: { done: looks } };
      if (request.url === '/jobs/forever') job.status = 'RUNNING';
      send(response, 200, { job });
    });
    client = createClient({ baseUrl: server.url });
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  test('wait() looks again after pauses that grow, and reports progress on the way', bounded, async () => {
    const reply = await client.post('/work', {}, { requestId: 'start-1' });
    const progress: (number | undefined)[] = [];
    const result = await reply.operation?.wait({
      poll: { initial: 40, factor: 2, max: 1_000 },
      onProgress: (job) => progress.push(job.progress),
    });
    assert.deepEqual(result, { done: 4 });
    assert.deepEqual(progress, [25, 50, 75]);
    const looks = server.seen.filter((one) => one.url === '/jobs/j1');
    const pauses = looks.slice(1).map((one, i) => one.at - (looks[i]?.at ?? 0));
    assert.deepEqual(
      pauses.map((pause, i) => pause >= 40 * 2 ** i - 5),
      [true, true, true],
      `pauses ${pauses.join(', ')}`,
    );
    assert.ok(
      looks.every((one) => one.headers['x-request-id'] === 'start-1'),
      'the looks carry the id of the request that started the work',
    );
  });

  test('aborting wait() during a pause between looks rejects at once', bounded, async () => {
    const operation = (await client.post('/work-forever')).operation;
    assert.ok(operation);
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('enough')), 150);
    await assert.rejects(operation.wait({ signal: controller.signal, poll: { initial: 5_000 } }), /enough/);
    assert.ok(performance.now() - started < 1_000);
    assert.equal(server.seen.filter((one) => one.url === '/jobs/forever').length, 1);
  });
});
