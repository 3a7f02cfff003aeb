import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionCap, descriptorLimit } from './connections.js';

const limits = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 4096                 files
Max locked memory         8388608              8388608              bytes
`;

test('reads the soft descriptor limit from /proc/self/limits', () => {
  assert.equal(descriptorLimit(limits), 1024);
  assert.equal(descriptorLimit(limits.replace('1024  ', 'unlimited')), undefined);
  assert.equal(descriptorLimit(''), undefined);
});

test('reads this process’s own limit on Linux', { skip: process.platform !== 'linux' }, () => {
  assert.ok((descriptorLimit() ?? 0) > 0);
});

test('keeps an eighth of the descriptors, at least 64, for everything but client connections', () => {
  assert.equal(connectionCap(1024), 896);
  assert.equal(connectionCap(1024, 0.5), 448);
  assert.equal(connectionCap(256), 192);
  assert.equal(connectionCap(65_536), 57_344);
  assert.equal(connectionCap(undefined), 0);
  assert.equal(connectionCap(10), 1);
});
