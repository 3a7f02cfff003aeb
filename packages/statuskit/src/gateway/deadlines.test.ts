import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deadlines, type Due } from './deadlines.js';

interface Item extends Due {
  name: string;
  addedAt: number;
  expiredAt?: number;
}

function item(name: string): Item {
  return { name, addedAt: 0, dueAt: 0, previousDue: undefined, nextDue: undefined };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('items expire in the order they were added, each no sooner than its deadline', {
  timeout: 5_000,
}, async () => {
  const expired: Item[] = [];
  const list = new Deadlines<Item>(60, (due) => {
    due.expiredAt = performance.now();
    expired.push(due);
  });
  const [a, b, c] = [item('a'), item('b'), item('c')];
  for (const due of [a, b, c]) {
    due.addedAt = performance.now();
    list.add(due);
    // Apart, so that the first firing finds the later ones not yet due and waits again.
    await sleep(25);
  }
  await sleep(150);
  assert.deepEqual(
    expired.map((due) => due.name),
    ['a', 'b', 'c'],
  );
  for (const due of expired) {
    assert.ok((due.expiredAt as number) - due.addedAt >= 59, `${due.name} expired early`);
    assert.equal(due.dueAt, 0, 'an expired item is no longer listed');
  }
});

test('a removed item never expires, and removing is idempotent', { timeout: 5_000 }, async () => {
  const expired: string[] = [];
  const list = new Deadlines<Item>(30, (due) => expired.push(due.name));
  const [a, b, c] = [item('a'), item('b'), item('c')];
  list.add(a);
  list.add(b);
  list.add(c);
  list.remove(b);
  list.remove(b);
  list.remove(item('never added'));
  list.remove(a);
  await sleep(100);
  assert.deepEqual(expired, ['c']);
  // Listed again after it expired: it expires again.
  list.add(c);
  await sleep(100);
  assert.deepEqual(expired, ['c', 'c']);
});
