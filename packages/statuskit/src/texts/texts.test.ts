import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { errorClasses, languages, placeholdersOf } from '../index.js';
import { messages, texts } from './index.js';

const chinese = /\p{Script=Han}/u;

describe('the messages statuskit writes', () => {
  for (const [key, templates] of Object.entries(texts)) {
    test(`${key} has a form in every language of the catalog, Chinese in Chinese, filling the same values`, () => {
      for (const lang of languages) assert.ok(templates[lang], `${key} has no ${lang} form`);
      assert.match(templates['zh-CN'], chinese, `${key}'s zh-CN form is not Chinese`);
      assert.doesNotMatch(templates.en, chinese);
      assert.deepEqual(placeholdersOf(templates['zh-CN']), placeholdersOf(templates.en), key);
    });
  }

  test('are filled in every language at once', () => {
    assert.deepEqual(messages.routeNotFound({ path: '/x' }), {
      en: 'The resource /x could not be found.',
      'zh-CN': '找不到资源 /x。',
    });
  });

  // A message written where an error is raised, instead of in the table, would have no Chinese form.
  test('are all taken from the table: no error of the plugin or the gateway is raised with a message of its own', () => {
    const raisers = [
      ...Object.values(errorClasses).map((errorClass) => errorClass.name),
      'createError',
      'errorFor',
    ];
    const raised = new RegExp(`\\b(?:${raisers.join('|')})\\((?:\\s*[\\w.]+,)?\\s*['"\`]`);
    const folders = ['../fastify/', '../gateway/'];
    let files = 0;
    for (const folder of folders) {
      const dir = new URL(folder, import.meta.url);
      for (const name of readdirSync(dir)) {
        if (!name.endsWith('.ts') || name.endsWith('.test.ts') || name.startsWith('test-')) continue;
        files++;
        const source = readFileSync(new URL(name, dir), 'utf8');
        assert.doesNotMatch(source, raised, `${folder}${name} raises an error with a literal message`);
      }
    }
    assert.ok(files >= 10, `looked at ${files} files`);
  });
});
