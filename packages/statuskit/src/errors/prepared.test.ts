import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { getProfile, languages, profileNames } from '../catalog/index.js';
import { dialectNames, getDialect } from '../dialects/index.js';
import { errorAnswer } from './answer.js';
import { createError, errorClasses } from './classes.js';
import { jsonString, PreparedAnswers } from './prepared.js';

const statuses = Object.keys(errorClasses).map(Number) as (keyof typeof errorClasses)[];

/** Messages and ids that JSON must escape, or that look like the stand-ins themselves. */
const messages = [
  'The resource /nothing/here could not be found.',
  '找不到资源 /nothing/here。',
  'quotes " and \\ and\nnew lines\t',
  'line separators \u2028\u2029, a lone surrogate \ud800, a control \u0001',
  '@@statuskit:message@@ "@@statuskit:request-id@@"',
];
const requestIds = ['req-3f1c0b8e-5a4d-4c55-9a43-1c1f0b7e2d9a', 'a"b\\c', '@@statuskit:request-id@@'];

describe('prepared answers', () => {
  for (const profileName of profileNames) {
    for (const dialectName of dialectNames) {
      test(`are errorAnswer()'s answers byte for byte: profile ${profileName}, dialect ${dialectName}`, () => {
        const profile = getProfile(profileName);
        const dialect = getDialect(dialectName);
        for (const errorCodes of [undefined, { 404: 'APP.0404', 401: 'APP.0401', 500: 'APP.0500' }]) {
          const prepared = new PreparedAnswers({ profile, dialect, ...(errorCodes && { errorCodes }) });
          for (const status of statuses) {
            for (const lang of languages) {
              for (const message of messages) {
                for (const requestId of requestIds) {
                  const expected = errorAnswer(createError(status, { [lang]: message }), {
                    profile,
                    dialect,
                    lang,
                    requestId,
                    ...(errorCodes && { errorCodes }),
                  });
                  const answer = prepared.get(status, lang);
                  const where = `${status} ${lang} ${JSON.stringify(message)} ${requestId}`;
                  assert.equal(answer.status, expected.status, where);
                  assert.deepEqual({ ...answer.headers }, expected.headers, where);
                  assert.equal(answer.body(message, requestId), expected.body, where);
                }
              }
            }
          }
        }
      });
    }
  }

  test('are made once per status and language, and never changed by an answer', () => {
    const prepared = new PreparedAnswers({ profile: getProfile('nat'), dialect: getDialect('error') });
    const answer = prepared.get(404, 'zh-CN');
    assert.equal(prepared.get(404, 'zh-CN'), answer);
    assert.notEqual(prepared.get(404, 'en'), answer);
    assert.equal(Object.isFrozen(answer.headers), true);
    const first = answer.body('a', 'req-1');
    answer.body('b', 'req-2');
    assert.equal(answer.body('a', 'req-1'), first);
  });
});

describe('PreparedAnswers.answer', () => {
  /** Errors of every kind errorAnswer() tells apart: a prepared answer may stand for some of them only. */
  function errorsOf(status: keyof typeof errorClasses): unknown[] {
    return [
      createError(status),
      createError(status, ''),
      createError(status, 'English only "quoted".'),
      createError(status, { en: 'Both.', 'zh-CN': '两种。' }),
      createError(status, { 'zh-CN': '只有中文。' }),
      createError(status, { en: '', 'zh-CN': '中文，英文为空。' }),
      createError(status, 'Own code.', { code: 'APP.0001' }),
      createError(status, 'Default code named.', { code: `SK.${String(status).padStart(4, '0')}` }),
      createError(status, 'Details.', { details: { field: 'name' } }),
      createError(status, 'Null details.', { details: null }),
      createError(status, 'Headers.', { headers: { allow: 'GET, HEAD', 'content-type': 'text/plain' } }),
      createError(status, 'Retry.', { retryAfter: 1.5 }),
      new TypeError('not a contract error'),
      'a string thrown',
      undefined,
    ];
  }

  for (const profileName of profileNames) {
    test(`gives errorAnswer()'s answer to anything thrown: profile ${profileName}, every dialect`, () => {
      const profile = getProfile(profileName);
      for (const dialectName of dialectNames) {
        const dialect = getDialect(dialectName);
        for (const errorCodes of [undefined, { 404: 'APP.0404', 400: 'APP.0400' }]) {
          const prepared = new PreparedAnswers({ profile, dialect, ...(errorCodes && { errorCodes }) });
          for (const status of statuses) {
            for (const [index, error] of errorsOf(status).entries()) {
              for (const lang of languages) {
                const context = {
                  profile,
                  dialect,
                  lang,
                  requestId: 'req-"1"',
                  ...(errorCodes && { errorCodes }),
                };
                assert.deepEqual(
                  prepared.answer(error, lang, 'req-"1"'),
                  errorAnswer(error, context),
                  `${dialectName} ${status} error ${index} ${lang}`,
                );
              }
            }
          }
        }
      }
    });
  }

  test('hands out headers the caller may change', () => {
    const prepared = new PreparedAnswers({ profile: getProfile('nat'), dialect: getDialect('error') });
    const first = prepared.answer(createError(404, 'Gone.'), 'en', 'req-1');
    first.headers['x-extra'] = '1';
    assert.equal(prepared.answer(createError(404, 'Gone.'), 'en', 'req-2').headers['x-extra'], undefined);
  });
});

test('jsonString quotes a text as JSON.stringify does, whatever code units it has', () => {
  for (const text of [...messages, ...requestIds, '', '\u007f', '\ud83d\ude00', '\udfff', '\\'])
    assert.equal(jsonString(text), JSON.stringify(text));
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' }), (any, ascii) => {
      assert.equal(jsonString(any), JSON.stringify(any));
      assert.equal(jsonString(ascii), JSON.stringify(ascii));
    }),
    { numRuns: 2_000 },
  );
  // Any single code unit, each of the 65 536.
  for (let unit = 0; unit <= 0xffff; unit++) {
    const text = `a${String.fromCharCode(unit)}b`;
    assert.equal(jsonString(text), JSON.stringify(text));
  }
});
