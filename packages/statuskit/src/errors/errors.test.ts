import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getProfile, profileNames } from '../catalog/index.js';
import { errorDialect } from '../dialects/index.js';
import {
  BadRequestError,
  ConflictError,
  ContractError,
  createError,
  defaultErrorCode,
  defineMessages,
  errorAnswer,
  errorClasses,
  InternalServerError,
  isContractError,
  isErrorStatus,
  NotFoundError,
  ServiceUnavailableError,
} from './index.js';

describe('error classes', () => {
  test('exist for every error code of every profile, and for nothing else', () => {
    const errorCodes = new Set(
      profileNames.flatMap((name) => getProfile(name).errors.map((row) => row.code)),
    );
    assert.deepEqual(
      Object.keys(errorClasses).map(Number),
      [...errorCodes].sort((a, b) => a - b),
    );
  });

  test('carry status, error code, message, details, request id and cause', () => {
    const cause = new Error('disk full');
    const error = new ConflictError('NatGateway x is not ACTIVE.', {
      code: 'NAT.0103',
      details: { id: 'x' },
      requestId: 'req-1',
      cause,
    });
    assert.equal(error.status, 409);
    assert.equal(error.code, 'NAT.0103');
    assert.equal(error.message, 'NatGateway x is not ACTIVE.');
    assert.deepEqual(error.details, { id: 'x' });
    assert.equal(error.requestId, 'req-1');
    assert.equal(error.cause, cause);
    assert.equal(error.name, 'ConflictError');
    assert.ok(error instanceof ConflictError);
    assert.ok(error instanceof ContractError);
    assert.ok(error instanceof Error);
  });

  test('are named after their status, and createError picks the class', () => {
    for (const [status, Class] of Object.entries(errorClasses)) {
      const error = createError(Number(status) as keyof typeof errorClasses);
      assert.ok(error instanceof Class);
      assert.equal(error.status, Number(status));
      assert.equal(error.name, Class.name);
      assert.match(Class.name, /Error$/);
    }
    assert.equal(NotFoundError.status, 404);
  });

  test('default the error code to SK. and the status when the service names none', () => {
    assert.equal(new BadRequestError().code, 'SK.0400');
    assert.equal(defaultErrorCode(503), 'SK.0503');
  });

  test('capture no stack for a 4xx, and a stack for a 5xx', () => {
    const expected = new NotFoundError('gone');
    assert.equal(expected.stack?.split('\n').length, 1);
    const unexpected = new InternalServerError('boom');
    assert.ok((unexpected.stack?.split('\n').length ?? 0) > 1);
    assert.equal(Error.stackTraceLimit, 10, 'the global limit is restored');
  });

  test('expose 4xx messages and hide 5xx ones', () => {
    assert.equal(new BadRequestError().expose, true);
    assert.equal(new ServiceUnavailableError().expose, false);
  });

  test('are recognised by isContractError also when made by another copy of the package', async () => {
    const copy = (await import(
      `./contract-error.js?copy=${Date.now()}`
    )) as typeof import('./contract-error.js');
    assert.notEqual(copy.ContractError, ContractError, 'a second module instance');
    const foreign = new copy.ContractError(404, 'elsewhere');
    assert.equal(foreign instanceof ContractError, false);
    assert.equal(isContractError(foreign), true);
    assert.equal(copy.isContractError(new NotFoundError()), true);
  });

  test('are not confused with errors that merely look alike', () => {
    assert.equal(isContractError(new Error('x')), false);
    assert.equal(isContractError({ status: 404, code: 'SK.0404' }), false);
    assert.equal(isContractError(null), false);
  });

  test('tell error codes of the catalog apart from others', () => {
    assert.equal(isErrorStatus(409), true);
    assert.equal(isErrorStatus(429), false);
    assert.equal(isErrorStatus(200), false);
  });
});

describe('messages in several languages', () => {
  const nat = getProfile('nat');
  const answer = (error: unknown, lang: 'en' | 'zh-CN') => {
    const { headers, body } = errorAnswer(error, {
      profile: nat,
      dialect: errorDialect,
      lang,
      requestId: 'r',
    });
    return { language: headers['content-language'], message: JSON.parse(body).error.message };
  };
  const gone = defineMessages({ gone: { en: 'Item {id} is gone.', 'zh-CN': '条目 {id} 已不存在。' } }).gone;

  test('answer in the language asked for where the message is written in it', () => {
    const error = new NotFoundError(gone({ id: 7 }));
    assert.equal(error.message, 'Item 7 is gone.', 'the English form is the message, for logs');
    assert.deepEqual(answer(error, 'zh-CN'), { language: 'zh-CN', message: '条目 7 已不存在。' });
    assert.deepEqual(answer(error, 'en'), { language: 'en', message: 'Item 7 is gone.' });
  });

  test('fall back to English, labelled en, where the message has no form in the language asked for', () => {
    assert.deepEqual(answer(new NotFoundError('Item 7 is gone.'), 'zh-CN'), {
      language: 'en',
      message: 'Item 7 is gone.',
    });
    assert.deepEqual(answer(new NotFoundError({ en: 'Item 7 is gone.' }), 'zh-CN'), {
      language: 'en',
      message: 'Item 7 is gone.',
    });
  });

  test('keep a message written only in Chinese in Chinese, labelled zh-CN, whatever was asked', () => {
    assert.deepEqual(answer(new ConflictError({ 'zh-CN': '忙碌中。' }), 'en'), {
      language: 'zh-CN',
      message: '忙碌中。',
    });
  });

  test('give a 5xx the page’s text in the language asked for, never its own message', () => {
    const error = new ServiceUnavailableError(gone({ id: 7 }));
    assert.deepEqual(answer(error, 'zh-CN'), { language: 'zh-CN', message: '请求未完成，系统暂时异常。' });
  });
});
