import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Handler, listen, send } from '../../test/servers.js';
import { isContractError, RequestTimeoutError, ServiceUnavailableError } from '../index.js';
import {
  type ClientOptions,
  createClient,
  type RetryEvent,
  responseOf,
  StatuskitNetworkError,
  StatuskitTimeoutError,
} from './index.js';

const bounded = { timeout: 8_000 };

/** A server answering its nth request with `answers[n]` (the last one over and over). */
function scripted(...answers: ((response: Parameters<Handler>[1]) => void)[]): Handler {
  return (_request, response, seen) => {
    const answer = answers[Math.min(seen.length, answers.length) - 1];
    answer?.(response);
  };
}
const ok = (response: Parameters<Handler>[1]) => send(response, 200, { ok: true });
const unavailable =
  (headers: Record<string, string> = {}) =>
  (response: Parameters<Handler>[1]) =>
    send(response, 503, { error: { code: 'SK.0503', message: 'Busy.' } }, headers);

/** Runs `body` with a server and a client on it, closing both after. */
async function withServer(
  handler: Handler,
  options: Partial<ClientOptions>,
  body: (
    client: ReturnType<typeof createClient>,
    server: Awaited<ReturnType<typeof listen>>,
    events: RetryEvent[],
  ) => Promise<void>,
): Promise<void> {
  const server = await listen(handler);
  const events: RetryEvent[] = [];
  const client = createClient({
    baseUrl: server.url,
    onRetry: (event) => events.push(event),
    ...options,
  });
  try {
    await body(client, server, events);
  } finally {
    await client.close();
    await server.close();
  }
}

const gaps = (seen: { at: number }[]) => seen.slice(1).map((one, i) => one.at - (seen[i]?.at ?? 0));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('no error was thrown');
}

describe('retries', () => {
  test(
    'a GET answered 503 with Retry-After in seconds is retried after that many seconds',
    bounded,
    async () => {
      await withServer(
        scripted(unavailable({ 'retry-after': '1' }), ok),
        {},
        async (client, server, events) => {
          const reply = await client.request('GET', '/thing');
          assert.deepEqual(reply.body, { ok: true });
          assert.equal(reply.attempts, 2);
          assert.equal(server.seen.length, 2);
          const [gap = 0] = gaps(server.seen);
          assert.ok(gap >= 950 && gap < 1_600, `waited ${gap} ms`);
          assert.equal(events.length, 1);
          assert.equal(events[0]?.delay, 1_000);
          assert.equal(events[0]?.basis, 'retry-after');
        },
      );
    },
  );

  test('a GET answered 503 with Retry-After as an HTTP date is retried at that date', bounded, async () => {
    let date = '';
    const handler: Handler = (_request, response, seen) => {
      if (seen.length > 1) return ok(response);
      // HTTP dates have whole seconds: 2 s ahead is between 1 and 2 s away.
      date = new Date(Date.now() + 2_000).toUTCString();
      unavailable({ 'retry-after': date })(response);
    };
    await withServer(handler, {}, async (client, server, events) => {
      await client.get('/thing');
      const [gap = 0] = gaps(server.seen);
      assert.ok(gap >= 950 && gap < 2_600, `waited ${gap} ms for ${date}`);
      assert.equal(events[0]?.basis, 'retry-after');
      assert.ok((events[0]?.delay ?? 0) > 900 && (events[0]?.delay ?? 0) <= 2_000);
    });
  });

  test('a Retry-After beyond maxRetryAfter is waited for only that long', bounded, async () => {
    await withServer(
      scripted(unavailable({ 'retry-after': '120' }), ok),
      { retry: { maxRetryAfter: 300 } },
      async (client, server, events) => {
        await client.get('/thing');
        const [gap = 0] = gaps(server.seen);
        assert.ok(gap >= 280 && gap < 900, `waited ${gap} ms`);
        assert.equal(events[0]?.delay, 300);
      },
    );
  });

  test('backoff waits are the full-jitter ones: random times a ceiling that doubles', bounded, async () => {
    await withServer(
      scripted(unavailable(), unavailable(), unavailable(), ok),
      { random: () => 0.999, retry: { baseDelay: 100, maxDelay: 10_000 } },
      async (client, server, events) => {
        await client.get('/thing');
        assert.deepEqual(
          events.map((event) => event.delay),
          [99, 199, 399],
        );
        assert.deepEqual(
          events.map((event) => event.basis),
          ['backoff', 'backoff', 'backoff'],
        );
        gaps(server.seen).forEach((gap, i) => {
          assert.ok(gap >= (events[i]?.delay ?? 0) - 5, `gap ${i}: ${gap} ms`);
        });
      },
    );
  });

  test('retries stop at the limit, and the last error is thrown', bounded, async () => {
    await withServer(
      scripted(unavailable()),
      { random: () => 0, retry: { limit: 2 } },
      async (client, server) => {
        const error = await rejection(client.get('/thing'));
        assert.ok(error instanceof ServiceUnavailableError);
        assert.equal(server.seen.length, 3);
        assert.equal(responseOf(error)?.attempts, 3);
      },
    );
  });

  test('a POST answered 503 is not retried', bounded, async () => {
    await withServer(scripted(unavailable()), { random: () => 0 }, async (client, server, events) => {
      const error = await rejection(client.post('/things', { name: 'x' }));
      assert.ok(error instanceof ServiceUnavailableError);
      assert.equal(server.seen.length, 1);
      assert.equal(events.length, 0);
    });
  });

  test('a PATCH answered 503 is not retried; with an idempotency key it is', bounded, async () => {
    await withServer(scripted(unavailable()), { random: () => 0 }, async (client, server) => {
      const error = await rejection(client.patch('/things/1', { name: 'x' }));
      assert.ok(error instanceof ServiceUnavailableError);
      assert.equal(server.seen.length, 1);
    });
    await withServer(
      scripted(unavailable(), (response) => send(response, 200, { id: 1 })),
      { random: () => 0 },
      async (client, server) => {
        const reply = await client.patch('/things/1', { name: 'x' }, { idempotencyKey: 'key-2' });
        assert.equal(reply.status, 200);
        assert.deepEqual(
          server.seen.map((seen) => seen.method),
          ['PATCH', 'PATCH'],
        );
      },
    );
  });

  test('a POST with an idempotency key is retried, with the same key on every attempt', bounded, async () => {
    await withServer(
      scripted(unavailable(), (response) => send(response, 201, { id: 1 }, { location: '/things/1' })),
      { random: () => 0 },
      async (client, server) => {
        const reply = await client.post('/things', { name: 'x' }, { idempotencyKey: 'key-1' });
        assert.equal(reply.status, 201);
        assert.equal(reply.location, `${server.url}/things/1`);
        assert.deepEqual(
          server.seen.map((seen) => seen.headers['idempotency-key']),
          ['key-1', 'key-1'],
        );
        assert.deepEqual(
          server.seen.map((seen) => seen.body),
          ['{"name":"x"}', '{"name":"x"}'],
        );
      },
    );
  });

  test('a 4xx other than 408 is not retried, Retry-After or not', bounded, async () => {
    await withServer(
      (_request, response) => send(response, 429, 'slow down', { 'retry-after': '0' }),
      { random: () => 0, retry: { statuses: [429, 503] } },
      async (client, server) => {
        await rejection(client.get('/thing'));
        assert.equal(server.seen.length, 1);
      },
    );
  });

  test('a 408 from the server is retried like a 503', bounded, async () => {
    await withServer(
      scripted((response) => send(response, 408, ''), ok),
      { random: () => 0 },
      async (client, server) => {
        await client.get('/thing');
        assert.equal(server.seen.length, 2);
      },
    );
  });

  test('a reset connection is retried', bounded, async () => {
    await withServer(
      (request, response, seen) => (seen.length === 1 ? request.socket.destroy() : ok(response)),
      { random: () => 0 },
      async (client, server, events) => {
        assert.deepEqual(await client.get('/thing'), { ok: true });
        assert.equal(server.seen.length, 2);
        assert.equal(events[0]?.failure.kind, 'network');
      },
    );
  });

  test('a refused connection throws StatuskitNetworkError after the retries', bounded, async () => {
    const server = await listen(scripted(ok));
    const url = server.url;
    await server.close();
    const events: RetryEvent[] = [];
    const client = createClient({
      baseUrl: url,
      random: () => 0,
      retry: { limit: 2 },
      onRetry: (e) => events.push(e),
    });
    try {
      const error = await rejection(client.get('/thing'));
      assert.ok(error instanceof StatuskitNetworkError, String(error));
      assert.equal(error.code, 'ECONNREFUSED');
      assert.equal(error.attempts, 3);
      assert.equal(isContractError(error), false);
      assert.equal(events.length, 2);
    } finally {
      await client.close();
    }
  });

  test('no retry is made whose wait would end past the budget', bounded, async () => {
    await withServer(
      scripted(unavailable({ 'retry-after': '5' }), ok),
      { retry: { budget: 1_000 } },
      async (client, server) => {
        const started = performance.now();
        const error = await rejection(client.get('/thing'));
        assert.ok(error instanceof ServiceUnavailableError);
        assert.equal(error.retryAfter, 5);
        assert.equal(server.seen.length, 1);
        assert.ok(performance.now() - started < 800);
      },
    );
  });

  test(
    'slow attempts spend the budget: no retry starts once the time already spent uses it up',
    bounded,
    async () => {
      const slowly = (response: Parameters<Handler>[1]) => setTimeout(() => unavailable()(response), 300);
      await withServer(
        scripted(slowly),
        { random: () => 0, retry: { budget: 1_000, limit: 10 } },
        async (client, server) => {
          const error = await rejection(client.get('/thing'));
          assert.ok(error instanceof ServiceUnavailableError);
          // Each attempt takes 300 ms at least: within 1 s at most 4 start, far short of the 11 the limit allows.
          assert.ok(server.seen.length <= 4, `${server.seen.length} attempts`);
        },
      );
    },
  );

  test('each retry is told to the logger', bounded, async () => {
    const lines: { details: Record<string, unknown>; message: string }[] = [];
    await withServer(
      scripted(unavailable(), unavailable(), ok),
      {
        random: () => 0,
        logger: { warn: (details, message) => lines.push({ details: details as never, message }) },
      },
      async (client) => {
        await client.get('/thing');
        assert.equal(lines.length, 2);
        assert.equal(lines[0]?.message, 'statuskit client: retrying');
        assert.equal(lines[1]?.details.attempt, 3);
        assert.match(String(lines[0]?.details.requestId), /^req-/);
      },
    );
  });

  test('every attempt of one request carries the same X-Request-Id', bounded, async () => {
    await withServer(scripted(unavailable(), ok), { random: () => 0 }, async (client, server) => {
      const reply = await client.request('GET', '/thing', { requestId: 'caller-id-1' });
      assert.deepEqual(
        server.seen.map((seen) => seen.headers['x-request-id']),
        ['caller-id-1', 'caller-id-1'],
      );
      assert.equal(reply.requestId, 'caller-id-1');
    });
  });

  test('aborting during a backoff wait rejects at once with the abort reason', bounded, async () => {
    await withServer(
      scripted(unavailable({ 'retry-after': '30' })),
      { retry: { maxRetryAfter: 60_000, budget: 120_000 } },
      async (client, server, events) => {
        const controller = new AbortController();
        const started = performance.now();
        setTimeout(() => controller.abort(new Error('stop')), 200);
        const error = await rejection(client.get('/thing', { signal: controller.signal }));
        assert.equal((error as Error).message, 'stop');
        assert.equal(events.length, 1, 'the client was waiting to retry');
        assert.equal(server.seen.length, 1);
        assert.ok(performance.now() - started < 1_000);
      },
    );
  });

  test('aborting while an answer is awaited cancels the attempt', bounded, async () => {
    await withServer(
      (_request, response) => setTimeout(() => ok(response), 3_000),
      {},
      async (client) => {
        const started = performance.now();
        const error = await rejection(client.get('/slow', { signal: AbortSignal.timeout(150) }));
        assert.equal((error as Error).name, 'TimeoutError', 'the caller’s own signal reason');
        assert.ok(!(error instanceof StatuskitTimeoutError));
        assert.ok(performance.now() - started < 1_000);
      },
    );
  });

  test('an attempt out of time throws StatuskitTimeoutError, not a 408', bounded, async () => {
    await withServer(
      (_request, response) => setTimeout(() => ok(response), 3_000),
      { timeout: 150 },
      async (client, server) => {
        const error = await rejection(client.get('/slow'));
        assert.ok(error instanceof StatuskitTimeoutError, String(error));
        assert.equal(isContractError(error), false);
        assert.ok(!(error instanceof RequestTimeoutError));
        assert.equal(error.timeout, 150);
        assert.equal(server.seen.length, 1, 'timeouts are not retried by default');
      },
    );
  });

  test('a 408 from the server throws RequestTimeoutError, not a client timeout', bounded, async () => {
    await withServer(
      (_request, response) => send(response, 408, ''),
      { retry: false },
      async (client) => {
        const error = await rejection(client.get('/thing'));
        assert.ok(error instanceof RequestTimeoutError);
        assert.ok(!(error instanceof StatuskitTimeoutError));
      },
    );
  });

  test('an attempt out of time is retried when retry.onTimeout is set', bounded, async () => {
    await withServer(
      (_request, response, seen) =>
        seen.length === 1 ? setTimeout(() => ok(response), 2_000) : ok(response),
      { timeout: 150, random: () => 0, retry: { onTimeout: true } },
      async (client, server, events) => {
        assert.deepEqual(await client.get('/slow'), { ok: true });
        assert.equal(server.seen.length, 2);
        assert.equal(events[0]?.failure.kind, 'timeout');
      },
    );
  });
});
