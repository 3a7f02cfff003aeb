import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { listen, type TestServer } from '../../test/servers.js';
import { Upstreams } from './upstreams.js';

/** A pool over `urls` whose clock is `clock.now`, for the rules that depend on time. */
function poolOf(urls: string[], clock: { now: number }): Upstreams {
  return new Upstreams(
    urls.map((url) => new URL(url)),
    { downFor: 1_000, maxDownFor: 8_000, connectTimeout: 1_000, now: () => clock.now },
  );
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const three = ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3'];

describe('the upstream pool', () => {
  test('keeps each URL, and its path without trailing slashes as the prefix', async () => {
    const upstreams = poolOf(['http://127.0.0.1:1/api/', 'http://127.0.0.1:2/', 'http://127.0.0.1:3/a/b//'], {
      now: 0,
    });
    try {
      assert.deepEqual(
        upstreams.list.map(({ index, url, prefix }) => ({ index, url, prefix })),
        [
          { index: 0, url: 'http://127.0.0.1:1/api/', prefix: '/api' },
          { index: 1, url: 'http://127.0.0.1:2/', prefix: '' },
          { index: 2, url: 'http://127.0.0.1:3/a/b//', prefix: '/a/b' },
        ],
      );
    } finally {
      await upstreams.close();
    }
  });

  test('goes round the upstreams, each request after the last one chosen', async () => {
    const upstreams = poolOf(three, { now: 0 });
    try {
      const chosen = [1, 2, 3, 4].map(() => upstreams.next(new Set())?.index);
      assert.deepEqual(chosen, [0, 1, 2, 0]);
      // The cursor follows what was chosen, not what was asked: skipping 1 makes 2 the last.
      assert.equal(upstreams.next(new Set([1]))?.index, 2);
      assert.equal(upstreams.next(new Set())?.index, 0);
      assert.equal(upstreams.next(new Set([0, 1, 2])), undefined);
    } finally {
      await upstreams.close();
    }
  });

  test('says whether an upstream is left for a request, and whether any is in', async () => {
    const clock = { now: 10_000 };
    const upstreams = poolOf(three.slice(0, 2), clock);
    const [first, second] = upstreams.list;
    assert.ok(first && second);
    try {
      assert.equal(upstreams.hasUntried(new Set([0])), true);
      assert.equal(upstreams.hasUntried(new Set([0, 1])), false);
      assert.equal(upstreams.anyHealthy, true);
      upstreams.failed(first);
      assert.equal(upstreams.anyHealthy, true);
      assert.equal(upstreams.hasUntried(new Set([1])), false);
      upstreams.failed(second);
      assert.equal(upstreams.anyHealthy, false);
      assert.equal(upstreams.next(new Set()), undefined);
      clock.now += 1_000;
      assert.equal(upstreams.anyHealthy, true);
      assert.equal(upstreams.next(new Set())?.index, 0);
    } finally {
      await upstreams.close();
    }
  });

  test('takes an upstream out from now on, and counts failures during one outage once', async () => {
    const clock = { now: 50_000 };
    const upstreams = poolOf(three.slice(0, 1), clock);
    const [only] = upstreams.list;
    assert.ok(only);
    try {
      assert.equal(upstreams.failed(only), 1_000);
      assert.deepEqual(only.health, { downUntil: 51_000, failures: 1 });
      // A request that was on its way fails 400 ms later: the same outage, 600 ms of it left.
      clock.now += 400;
      assert.equal(upstreams.failed(only), 600);
      assert.deepEqual(only.health, { downUntil: 51_000, failures: 1 });
      assert.equal(upstreams.retryAfter(), 1);
      // Once it is back, the next failure is the second in a row.
      clock.now = 51_000;
      assert.equal(upstreams.failed(only), 2_000);
      assert.deepEqual(only.health, { downUntil: 53_000, failures: 2 });
      assert.equal(upstreams.retryAfter(), 2);
    } finally {
      await upstreams.close();
    }
  });

  test('destroys its connection pools on close', async () => {
    const upstreams = poolOf(three.slice(0, 2), { now: 0 });
    await upstreams.close();
    assert.deepEqual(
      upstreams.list.map((upstream) => upstream.pool.destroyed),
      [true, true],
    );
  });
});

describe('connections to the upstreams', () => {
  let server: TestServer;
  let open = 0;
  let most = 0;
  const waiting: ServerResponse[] = [];

  before(async () => {
    // Holds each request until `release`, so concurrent requests each need a connection.
    server = await listen((_request, response) => {
      waiting.push(response);
    });
    server.server.on('connection', (socket) => {
      open++;
      most = Math.max(most, open);
      socket.on('close', () => open--);
    });
  });
  after(() => server.close());

  /**
   * Sends `count` requests at once to the first upstream, waits until `expected` of them are
   * held (and a little longer, for any connection beyond them), then answers them all: returns
   * the most connections open at once.
   */
  async function mostConnections(upstreams: Upstreams, count: number, expected: number): Promise<number> {
    most = 0;
    const [first] = upstreams.list;
    assert.ok(first);
    let done = false;
    const replies = Promise.all(
      Array.from({ length: count }, () =>
        first.pool.request({ path: '/', method: 'GET' }).then((reply) => reply.body.text()),
      ),
    ).finally(() => {
      done = true;
    });
    while (waiting.length < expected) await pause(5);
    await pause(50);
    const seen = most;
    while (!done) {
      for (const response of waiting.splice(0)) response.end('ok');
      await pause(5);
    }
    await replies;
    return seen;
  }

  test('share the limit evenly between the upstreams, rounding up', async () => {
    const upstreams = new Upstreams([new URL(server.url), new URL(server.url), new URL(server.url)], {
      downFor: 1_000,
      maxDownFor: 8_000,
      connectTimeout: 1_000,
      connections: 4,
    });
    try {
      assert.equal(await mostConnections(upstreams, 5, 2), 2);
    } finally {
      await upstreams.close();
    }
  });

  test('open as many as the requests need when there is no limit', async () => {
    const upstreams = new Upstreams([new URL(server.url)], {
      downFor: 1_000,
      maxDownFor: 8_000,
      connectTimeout: 1_000,
    });
    try {
      assert.equal(await mostConnections(upstreams, 4, 4), 4);
    } finally {
      await upstreams.close();
    }
  });
});
