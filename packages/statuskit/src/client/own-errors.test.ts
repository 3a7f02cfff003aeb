import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isContractError } from '../index.js';
import {
  errorCodeOf,
  OperationFailedError,
  type ResponseInfo,
  recordResponse,
  responseOf,
  StatuskitNetworkError,
  StatuskitTimeoutError,
} from './errors.js';

const info = { method: 'GET', url: 'http://127.0.0.1:1/v2/snat_rules', requestId: 'req-1', attempts: 3 };

/** An error with `code`, caused by `cause`. */
function coded(message: string, code?: unknown, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), code === undefined ? {} : { code });
}

/** A chain of `length` errors, outermost first, with `code` on the last one only. */
function chain(length: number, code: string): Error {
  let error = coded(`level ${length - 1}`, code);
  for (let level = length - 2; level >= 0; level--) error = coded(`level ${level}`, undefined, error);
  return error;
}

describe("the client's own errors", () => {
  test('a timeout says what got no answer within how long, and is no contract error', () => {
    const cause = new Error('aborted');
    const error = new StatuskitTimeoutError({ ...info, timeout: 250 }, { cause });
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'StatuskitTimeoutError');
    assert.equal(error.message, 'GET http://127.0.0.1:1/v2/snat_rules got no answer within 250 ms');
    assert.deepEqual({ ...error, cause: error.cause }, { ...info, timeout: 250, cause });
    assert.equal(isContractError(error), false);
    assert.match(String(error), /^StatuskitTimeoutError: GET /);
  });

  test('a network error names the first code along the causes and the deepest message', () => {
    const cause = coded('fetch failed', undefined, coded('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'));
    const error = new StatuskitNetworkError(info, cause);
    assert.equal(error.name, 'StatuskitNetworkError');
    assert.equal(
      error.message,
      'GET http://127.0.0.1:1/v2/snat_rules failed (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:1',
    );
    assert.equal(error.code, 'ECONNREFUSED');
    assert.equal(error.cause, cause);
    assert.deepEqual({ ...error }, { ...info, code: 'ECONNREFUSED' });
    assert.equal(isContractError(error), false);
  });

  test('a network error without a code says only what failed, with the message of what was thrown', () => {
    const error = new StatuskitNetworkError(info, 'socket hang up');
    assert.equal(error.message, 'GET http://127.0.0.1:1/v2/snat_rules failed: socket hang up');
    assert.equal(error.code, undefined);
    assert.equal(error.cause, 'socket hang up');
  });

  test('the deepest message is the last one that is not empty, within eight causes', () => {
    const emptyAtTheBottom = coded('other side closed', 'UND_ERR_SOCKET', new Error(''));
    assert.equal(
      new StatuskitNetworkError(info, coded('fetch failed', undefined, emptyAtTheBottom)).message,
      'GET http://127.0.0.1:1/v2/snat_rules failed (UND_ERR_SOCKET): other side closed',
    );
    assert.match(new StatuskitNetworkError(info, chain(8, 'X')).message, /\(X\): level 7$/);
    assert.match(new StatuskitNetworkError(info, chain(9, 'X')).message, /failed: level 7$/);
  });

  test('the code is the first string code along at most eight causes', () => {
    assert.equal(errorCodeOf(coded('a', 'OUTER', coded('b', 'INNER'))), 'OUTER');
    assert.equal(errorCodeOf(coded('a', 42, coded('b', 'INNER'))), 'INNER');
    assert.equal(errorCodeOf(chain(8, 'DEEP')), 'DEEP');
    assert.equal(errorCodeOf(chain(9, 'DEEP')), undefined);
    assert.equal(errorCodeOf({ code: 'NOT_AN_ERROR' }), undefined);
    assert.equal(errorCodeOf(undefined), undefined);
  });

  test("a failed operation carries the job's error code and message", () => {
    const job = { job_id: 'j-1', status: 'FAILED', error: { code: 'NAT.0301', message: 'EIP in use.' } };
    const error = new OperationFailedError(job, 'req-2');
    assert.equal(error.name, 'OperationFailedError');
    assert.equal(error.message, 'EIP in use.');
    assert.deepEqual({ ...error }, { jobId: 'j-1', code: 'NAT.0301', job, requestId: 'req-2' });
  });

  test('a failed operation without an error says which job failed, under SK.0500', () => {
    const error = new OperationFailedError({ job_id: 'j-2', status: 'FAILED' });
    assert.equal(error.message, 'Job j-2 failed.');
    assert.equal(error.code, 'SK.0500');
    assert.equal(error.requestId, undefined);
    const partial = new OperationFailedError({ job_id: 'j-3', status: 'FAILED', error: {} });
    assert.equal(partial.message, 'Job j-3 failed.');
    assert.equal(partial.code, 'SK.0500');
  });

  test('the answer behind an error is there only for an error it was recorded for', () => {
    const answer: ResponseInfo = {
      ...info,
      status: 429,
      statusText: 'Too Many Requests',
      headers: { 'retry-after': '1' },
      body: '',
    };
    const error = new Error('slow down');
    assert.equal(recordResponse(error, answer), error);
    assert.equal(responseOf(error), answer);
    assert.equal(responseOf(new Error('slow down')), undefined);
    for (const value of [undefined, null, 'slow down', 429]) assert.equal(responseOf(value), undefined);
  });
});
