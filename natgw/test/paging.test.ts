import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isContractError } from 'statuskit';
import { pageInfo, pageInfoOf, reversed } from '../src/resources/paging.js';

describe('paging', () => {
  test("gives a page's first and last ids and its count, and an empty page only its count", () => {
    assert.deepEqual(pageInfoOf([{ id: 'a' }, { id: 'b' }, { id: 'c' }]), {
      previous_marker: 'a',
      next_marker: 'c',
      current_count: 3,
    });
    assert.deepEqual(pageInfoOf([{ id: 'a' }]), { previous_marker: 'a', next_marker: 'a', current_count: 1 });
    assert.deepEqual(pageInfoOf([]), { current_count: 0 });
  });

  test('documents page_info with the count always there', () => {
    assert.deepEqual(pageInfo, {
      type: 'object',
      required: ['current_count'],
      properties: {
        previous_marker: { type: 'string' },
        next_marker: { type: 'string' },
        current_count: { type: 'integer' },
      },
    });
  });

  test('reads page_reverse as the SDKs send it, and nothing else', () => {
    assert.equal(reversed(undefined), false);
    assert.equal(reversed('true'), true);
    assert.equal(reversed('True'), true);
    assert.equal(reversed('false'), false);
    assert.equal(reversed('FALSE'), false);
    for (const value of ['', '1', 'yes', 'truee']) {
      assert.throws(
        () => reversed(value),
        (error) => isContractError(error) && error.status === 400 && error.code === 'NAT.0002',
        value,
      );
    }
  });
});
