import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Language } from '../catalog/index.js';
import { defineMessages, type Messages, messageIn, placeholdersOf } from './messages.js';

describe('message tables', () => {
  const messages = defineMessages({
    gone: { en: 'Item {id} of {owner} is gone.', 'zh-CN': '{owner} 的条目 {id} 已不存在。' },
    busy: { en: 'Busy.', 'zh-CN': '忙。' },
    mixed: { en: 'Rule {id} is in use.', 'zh-CN': '规则正在使用。' },
    english: { en: 'Only {what}.' },
  });

  test('fill each language with the values, and an empty text for a value not given', () => {
    assert.deepEqual(messages.gone({ id: 7, owner: 'p1' }), {
      en: 'Item 7 of p1 is gone.',
      'zh-CN': 'p1 的条目 7 已不存在。',
    });
    // From JavaScript, values may be missing: each becomes empty text.
    const loose = messages.gone as (values?: Record<string, string>) => Messages;
    assert.deepEqual(loose({ id: 'x' }), { en: 'Item x of  is gone.', 'zh-CN': ' 的条目 x 已不存在。' });
    assert.deepEqual(loose(), { en: 'Item  of  is gone.', 'zh-CN': ' 的条目  已不存在。' });
    assert.deepEqual(messages.english({ what: 'this' }), { en: 'Only this.' });
  });

  test('keep a language without placeholders as it is beside one with them', () => {
    assert.deepEqual(messages.mixed({ id: 'r1' }), { en: 'Rule r1 is in use.', 'zh-CN': '规则正在使用。' });
  });

  test('make a message without values once, frozen', () => {
    const busy = messages.busy();
    assert.deepEqual(busy, { en: 'Busy.', 'zh-CN': '忙。' });
    assert.equal(messages.busy(), busy);
    assert.ok(Object.isFrozen(busy));
    assert.notEqual(messages.gone({ id: 1, owner: 'p' }), messages.gone({ id: 1, owner: 'p' }));
  });

  test('name the placeholders of a template, sorted', () => {
    assert.deepEqual(placeholdersOf('{owner} has {id}, {owner}'), ['id', 'owner', 'owner']);
    assert.deepEqual(placeholdersOf('{b}{a}'), ['a', 'b']);
    assert.deepEqual(placeholdersOf('{} { x } none'), []);
  });
});

describe('the message of a request', () => {
  test('is in its language, else in English, else in the language the message has', () => {
    const both: Messages = { en: 'Gone.', 'zh-CN': '已不存在。' };
    assert.deepEqual(messageIn(both, 'zh-CN'), { text: '已不存在。', lang: 'zh-CN' });
    assert.deepEqual(messageIn(both, 'en'), { text: 'Gone.', lang: 'en' });
    assert.deepEqual(messageIn({ en: 'Gone.' }, 'zh-CN'), { text: 'Gone.', lang: 'en' });
    assert.deepEqual(messageIn({ 'zh-CN': '已不存在。' }, 'en'), { text: '已不存在。', lang: 'zh-CN' });
    assert.deepEqual(messageIn({ en: '', 'zh-CN': '已不存在。' }, 'en'), {
      text: '已不存在。',
      lang: 'zh-CN',
    });
    assert.equal(messageIn({ en: '', 'zh-CN': '' }, 'en'), undefined);
    assert.equal(messageIn({}, 'en'), undefined);
  });

  test('prefers English to any other language it is not asked for', () => {
    // A message may come from JavaScript with a language the catalog has no pages in.
    const other = { fr: 'Disparu.', en: 'Gone.' } as Messages;
    assert.deepEqual(messageIn(other, 'zh-CN' as Language), { text: 'Gone.', lang: 'en' });
  });
});
