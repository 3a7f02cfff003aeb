import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ContractError, defaultErrorCode, isContractError } from './contract-error.js';

describe('contract errors', () => {
  test('take the English of a message in several languages, else any language it has', () => {
    const error = new ContractError(404, { 'zh-CN': '已不存在。', en: 'Gone.' });
    assert.equal(error.message, 'Gone.');
    assert.deepEqual(error.messages, { 'zh-CN': '已不存在。', en: 'Gone.' });
    assert.equal(new ContractError(404, { 'zh-CN': '已不存在。' }).message, '已不存在。');
    assert.equal(new ContractError(404, {}).message, '');
    assert.equal(new ContractError(404).message, '');
    assert.equal(new ContractError(404).messages, undefined);
  });

  test('carry a cause only when given one', () => {
    const cause = new Error('db down');
    assert.equal(new ContractError(503, 'x', { cause }).cause, cause);
    assert.equal('cause' in new ContractError(503, 'x'), false);
  });

  test('are named ContractError, with their status, code and a 4xx message shown', () => {
    const error = new ContractError(409, 'Busy.', { code: 'NAT.0103', requestId: 'r', retryAfter: 2 });
    assert.equal(error.name, 'ContractError');
    assert.deepEqual(
      [error.status, error.code, error.requestId, error.retryAfter],
      [409, 'NAT.0103', 'r', 2],
    );
    assert.equal(error.expose, true);
    assert.equal(new ContractError(500).expose, false);
    assert.equal(new ContractError(500).code, 'SK.0500');
    assert.equal(defaultErrorCode(42), 'SK.0042');
  });

  test('are known by their brand, status and code, whichever copy of the package made them', () => {
    const brand = Symbol.for('statuskit.ContractError');
    assert.equal(isContractError({ [brand]: true, status: 404, code: 'SK.0404' }), true);
    assert.equal(isContractError({ [brand]: true, status: '404', code: 'SK.0404' }), false);
    assert.equal(isContractError({ [brand]: true, status: 404, code: 404 }), false);
    assert.equal(isContractError({ [brand]: 'yes', status: 404, code: 'SK.0404' }), false);
    assert.equal(isContractError({ [Symbol.for('')]: true, status: 404, code: 'SK.0404' }), false);
    assert.equal(isContractError(undefined), false);
  });
});
