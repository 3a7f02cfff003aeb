import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  backoffDelay,
  decideRetry,
  isIdempotent,
  isRetryableStatus,
  parseRetryAfter,
  pollDelay,
  type RetryInput,
  retryDefaults,
} from './retry.js';

const bounded = { timeout: 2_000 };
const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
const get = (failure: RetryInput['failure'], more: Partial<RetryInput> = {}): RetryInput => ({
  method: 'GET',
  retries: 0,
  elapsed: 0,
  failure,
  ...more,
});

describe('retry timing', () => {
  test('GET, HEAD, PUT, DELETE and OPTIONS are idempotent, POST and PATCH are not', bounded, () => {
    for (const method of ['GET', 'head', 'PUT', 'DELETE', 'OPTIONS'])
      assert.equal(isIdempotent(method), true);
    assert.equal(isIdempotent('POST'), false);
    assert.equal(isIdempotent('PATCH'), false);
  });

  test('a POST marked idempotent counts as idempotent', bounded, () => {
    assert.equal(isIdempotent('POST', true), true);
  });

  test('408, 502, 503 and 504 are retryable, and no other 4xx ever is', bounded, () => {
    assert.deepEqual(
      [400, 401, 404, 408, 409, 429, 500, 501, 502, 503, 504].filter((status) => isRetryableStatus(status)),
      [408, 502, 503, 504],
    );
    assert.equal(isRetryableStatus(429, [429, 503]), false, 'a 4xx listed by the caller is still refused');
    assert.equal(isRetryableStatus(500, [500]), true, 'a 5xx may be added');
    assert.equal(isRetryableStatus(599, [599]), true, 'the last 5xx');
    assert.equal(isRetryableStatus(600, [600]), false, 'no status past 599');
  });

  test('Retry-After in seconds gives that many seconds', bounded, () => {
    assert.equal(parseRetryAfter('3', now), 3_000);
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
  });

  test('Retry-After as an HTTP date gives the time until it', bounded, () => {
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:02 GMT', now), 2_000);
  });

  test('Retry-After as a date already past gives no wait', bounded, () => {
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0);
  });

  test('Retry-After that is neither form is ignored', bounded, () => {
    for (const header of ['soon', '-1', '1.5', '', undefined, null]) {
      assert.equal(parseRetryAfter(header, now), undefined, String(header));
    }
  });

  test('backoff is full jitter between 0 and a ceiling that doubles each retry', bounded, () => {
    const options = { baseDelay: 100, maxDelay: 10_000 };
    assert.deepEqual(
      [0, 1, 2, 3].map((retry) => backoffDelay(retry, options, () => 0.999999)),
      [99, 199, 399, 799],
    );
    assert.equal(
      backoffDelay(3, options, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(3, options, () => 0.5),
      400,
    );
  });

  test('backoff never grows past maxDelay', bounded, () => {
    assert.equal(
      backoffDelay(30, { baseDelay: 100, maxDelay: 1_000 }, () => 0.5),
      500,
    );
  });

  test('a 503 with Retry-After is retried after it, without jitter', bounded, () => {
    assert.deepEqual(
      decideRetry(get({ kind: 'status', status: 503, retryAfter: 1_500 }), retryDefaults, () => 0),
      { retry: true, delay: 1_500, basis: 'retry-after' },
    );
  });

  test('Retry-After is honoured up to maxRetryAfter', bounded, () => {
    const decision = decideRetry(get({ kind: 'status', status: 503, retryAfter: 120_000 }), {
      ...retryDefaults,
      maxRetryAfter: 2_000,
    });
    assert.deepEqual(decision, { retry: true, delay: 2_000, basis: 'retry-after' });
  });

  test('a network failure is retried after the backoff', bounded, () => {
    assert.deepEqual(
      decideRetry(get({ kind: 'network' }, { retries: 2 }), retryDefaults, () => 0.5),
      {
        retry: true,
        delay: 400,
        basis: 'backoff',
      },
    );
  });

  test('a POST is not retried, even on a 503', bounded, () => {
    const input = { ...get({ kind: 'status', status: 503 }), method: 'POST' };
    assert.deepEqual(decideRetry(input, retryDefaults), { retry: false, why: 'not-idempotent' });
    assert.equal(decideRetry({ ...input, idempotent: true }, retryDefaults).retry, true);
  });

  test('a 4xx other than 408 is not retried', bounded, () => {
    for (const status of [400, 401, 404, 409, 429]) {
      assert.deepEqual(decideRetry(get({ kind: 'status', status }), retryDefaults), {
        retry: false,
        why: 'not-retryable',
      });
    }
    assert.equal(decideRetry(get({ kind: 'status', status: 408 }), retryDefaults).retry, true);
  });

  test('onTimeout makes only timeouts retryable, not a refused status', bounded, () => {
    assert.deepEqual(
      decideRetry(get({ kind: 'status', status: 404 }), { ...retryDefaults, onTimeout: true }),
      {
        retry: false,
        why: 'not-retryable',
      },
    );
  });

  test('a retry that ends exactly at the budget is made; one past it is not', bounded, () => {
    const at = (elapsed: number) =>
      decideRetry(get({ kind: 'status', status: 503, retryAfter: 1_000 }, { elapsed }), {
        ...retryDefaults,
        budget: 5_000,
      });
    assert.equal(at(4_000).retry, true);
    assert.deepEqual(at(4_001), { retry: false, why: 'budget' });
  });

  test('a timeout is retried only when onTimeout says so', bounded, () => {
    assert.equal(decideRetry(get({ kind: 'timeout' }), retryDefaults).retry, false);
    assert.equal(decideRetry(get({ kind: 'timeout' }), { ...retryDefaults, onTimeout: true }).retry, true);
  });

  test('no retry is made past the limit', bounded, () => {
    assert.deepEqual(decideRetry(get({ kind: 'network' }, { retries: 3 }), retryDefaults), {
      retry: false,
      why: 'limit',
    });
  });

  test('no retry is made whose wait would end past the budget', bounded, () => {
    const options = { ...retryDefaults, budget: 10_000 };
    const late = get({ kind: 'status', status: 503, retryAfter: 3_000 }, { elapsed: 8_000 });
    assert.deepEqual(decideRetry(late, options), { retry: false, why: 'budget' });
    assert.equal(decideRetry({ ...late, elapsed: 6_000 }, options).retry, true);
  });

  test('polls of a job pause longer each time, up to a cap, without jitter', bounded, () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6].map((poll) => pollDelay(poll)),
      [250, 500, 1_000, 2_000, 4_000, 5_000, 5_000],
    );
    assert.equal(pollDelay(2, { initial: 10, factor: 3, max: 1_000 }), 90);
  });
});
