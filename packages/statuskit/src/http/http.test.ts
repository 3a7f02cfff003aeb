import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { negotiateLanguage } from './language.js';
import { isWellFormedRequestId, newRequestId, requestIdFrom, requestIdHeaders } from './request-id.js';

describe('request ids', () => {
  test('keep a well-formed id from the caller', () => {
    assert.equal(requestIdFrom('abc-123_x.y:z'), 'abc-123_x.y:z');
  });

  test('replace a missing, repeated, over-long or odd id with a new one', () => {
    for (const bad of [undefined, ['a', 'b'], 'x'.repeat(129), 'a b', '<script>', '']) {
      const id = requestIdFrom(bad);
      assert.notEqual(id, bad);
      assert.match(id, /^req-[0-9a-f-]{36}$/);
    }
  });

  test('keep an id of up to 128 letters, digits and ._:- and nothing else', () => {
    for (const good of ['x'.repeat(128), 'AZaz09._:-', '7']) assert.equal(requestIdFrom(good), good);
    for (const bad of ['abc\n', 'abc\r\nSet-Cookie: a=1', 'ab/c', 'ab;c', 'é', 'a+b'])
      assert.notEqual(requestIdFrom(bad), bad, JSON.stringify(bad));
    assert.equal(isWellFormedRequestId(42), false);
  });

  test('are new each time, in the form of a UUID v4', () => {
    const ids = Array.from({ length: 100_000 }, newRequestId);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of [ids[0], ids[99_999]]) {
      assert.match(id as string, /^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(isWellFormedRequestId(id), true);
    }
  });

  test('of one process share its random prefix and count up by one', () => {
    const [first, second] = [newRequestId(), newRequestId()] as [string, string];
    assert.equal(second.slice(0, 32), first.slice(0, 32));
    assert.equal((Number.parseInt(first.slice(32), 16) + 1) % 2 ** 32, Number.parseInt(second.slice(32), 16));
  });

  test('are new in each process, restarted or side by side', () => {
    const script = `import { newRequestId } from ${JSON.stringify(new URL('./request-id.js', import.meta.url).href)}; console.log(newRequestId())`;
    const run = () =>
      execFileSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
        encoding: 'utf8',
      }).trim();
    const first = run();
    const second = run();
    assert.match(first, /^req-/);
    // Not the same id, nor the same per-process prefix that the counter follows.
    assert.notEqual(first.slice(0, 32), second.slice(0, 32));
  });

  test('go in both headers the real clients read', () => {
    assert.deepEqual(requestIdHeaders, ['x-request-id', 'x-openstack-request-id']);
  });
});

describe('negotiateLanguage', () => {
  test('gives zh-CN for any Chinese range', () => {
    for (const header of ['zh-CN', 'zh', 'zh-Hans-CN', 'ZH-cn', 'fr, zh;q=0.5'])
      assert.equal(negotiateLanguage(header), 'zh-CN');
  });

  test('gives the range listed first where two weigh the same', () => {
    for (const [header, lang] of [
      ['en, zh', 'en'],
      ['zh, en', 'zh-CN'],
      ['en-US;q=0.8, zh-CN;q=0.8', 'en'],
      ['zh-TW;q=0.5, en;q=0.5', 'zh-CN'],
      ['*, zh', 'en'],
      ['fr, zh, en', 'zh-CN'],
    ] as const) {
      assert.equal(negotiateLanguage(header), lang, header);
    }
  });

  test('reads the weight with spaces around the parameters, and after other parameters', () => {
    assert.equal(negotiateLanguage('zh-CN ; q=0.5'), 'zh-CN');
    assert.equal(negotiateLanguage('zh-CN; q=0.1, en; q=0.9'), 'en');
    assert.equal(negotiateLanguage('en; q=0.1, zh-CN; q=0.9'), 'zh-CN');
    assert.equal(negotiateLanguage('zh-CN;level=1;q=0.1, en;q=0.9'), 'en');
    assert.equal(negotiateLanguage('en;q=0.1, zh-CN;level=1;q=0.9'), 'zh-CN');
  });

  test('gives English when nothing else matches or English weighs more', () => {
    for (const header of [undefined, '', 'fr', 'de-DE, fr;q=0.8', 'zh;q=0.4, en;q=0.9', '*', 'zh;q=0']) {
      assert.equal(negotiateLanguage(header), 'en', String(header));
    }
  });
});
