import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getProfile, profileNames } from '../catalog/index.js';
import { createError, errorAnswer, errorClasses, ProxyAuthenticationRequiredError } from '../errors/index.js';
import { dialectNames, getDialect, parseErrorBody } from './index.js';

const nat = getProfile('nat');
const context = (dialect = 'error') => ({
  profile: nat,
  dialect: getDialect(dialect),
  lang: 'en' as const,
  requestId: 'req-7',
});

describe('dialects', () => {
  test('are named, each with its media type, error the default', () => {
    assert.deepEqual(
      dialectNames.map((name) => [getDialect(name).name, getDialect(name).contentType]),
      [
        ['error', 'application/json; charset=utf-8'],
        ['huawei', 'application/json; charset=utf-8'],
        ['problem', 'application/problem+json; charset=utf-8'],
      ],
    );
    assert.equal(getDialect(), getDialect('error'));
    assert.throws(
      () => getDialect('soap'),
      /^RangeError: unknown dialect "soap" \(known: error, huawei, problem\)$/,
    );
  });

  for (const name of dialectNames) {
    test(`round-trip every error code of the catalog through ${name}`, () => {
      const dialect = getDialect(name);
      for (const status of Object.keys(errorClasses).map(Number)) {
        const fields = {
          status,
          code: `X.${status}`,
          title: 'Title',
          message: 'Message.',
          requestId: 'req-1',
          details: { field: 'name' },
        };
        const parsed = parseErrorBody(dialect.serialize(fields));
        assert.equal(parsed?.dialect, name);
        assert.equal(parsed?.code, fields.code);
        assert.equal(parsed?.message, fields.message);
        assert.equal(parsed?.requestId, fields.requestId);
        assert.deepEqual(parsed?.details, fields.details);
        if (name !== 'huawei') assert.equal(parsed?.title, fields.title);
        if (name === 'problem') assert.equal(parsed?.status, status);
      }
    });
  }

  test('write the shapes the real clients read', () => {
    const fields = {
      status: 400,
      code: 'NAT.0002',
      title: 'Bad Request',
      message: 'Invalid parameters.',
      requestId: 'r',
    };
    assert.deepEqual(JSON.parse(getDialect('error').serialize(fields)), {
      error: { code: 'NAT.0002', title: 'Bad Request', message: 'Invalid parameters.', request_id: 'r' },
    });
    assert.deepEqual(JSON.parse(getDialect('huawei').serialize(fields)), {
      error_code: 'NAT.0002',
      error_msg: 'Invalid parameters.',
      request_id: 'r',
    });
    assert.deepEqual(JSON.parse(getDialect('problem').serialize(fields)), {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'Invalid parameters.',
      error_code: 'NAT.0002',
      request_id: 'r',
    });
    assert.equal(getDialect('problem').contentType, 'application/problem+json; charset=utf-8');
    assert.equal(getDialect('error').contentType, 'application/json; charset=utf-8');
  });

  test('read an error body that has only a message, or only a code, so the server’s words are kept', () => {
    assert.deepEqual(parseErrorBody('{"error":{"message":"Quota exceeded."}}'), {
      dialect: 'error',
      message: 'Quota exceeded.',
    });
    assert.deepEqual(parseErrorBody('{"error":{"code":"NAT.0103"}}'), { dialect: 'error', code: 'NAT.0103' });
  });

  test('read Huawei and problem bodies that have only one of their telling fields', () => {
    assert.deepEqual(parseErrorBody('{"error_msg":"Busy."}'), { dialect: 'huawei', message: 'Busy.' });
    assert.deepEqual(parseErrorBody('{"error_code":"NAT.0103"}'), { dialect: 'huawei', code: 'NAT.0103' });
    assert.deepEqual(parseErrorBody('{"status":409,"title":"Conflict"}'), {
      dialect: 'problem',
      status: 409,
      title: 'Conflict',
    });
    assert.deepEqual(parseErrorBody('{"status":409,"detail":"Busy."}'), {
      dialect: 'problem',
      status: 409,
      message: 'Busy.',
    });
  });

  test('read numeric codes and ids as text, and ignore fields of other types', () => {
    assert.deepEqual(parseErrorBody({ error: { code: 1234, message: 'x', request_id: 7, title: ['t'] } }), {
      dialect: 'error',
      code: '1234',
      message: 'x',
      requestId: '7',
    });
    assert.deepEqual(parseErrorBody({ error_code: 1234, error_msg: { text: 'x' } }), {
      dialect: 'huawei',
      code: '1234',
    });
  });

  test('take a body that is already parsed, and no array, status-less problem or non-object error', () => {
    assert.equal(parseErrorBody({ error_msg: 'x' })?.dialect, 'huawei');
    for (const body of [
      [{ error_msg: 'x' }],
      { title: 'Conflict', detail: 'x' },
      { status: '409', title: 'Conflict' },
      { status: 409 },
      { error: 'not found' },
      { error: ['x'] },
      { error: {} },
      null,
      42,
    ])
      assert.equal(parseErrorBody(body), undefined, JSON.stringify(body));
  });

  test('find nothing in bodies of no dialect', () => {
    for (const body of [
      '<html><body>500</body></html>',
      'Internal Server Error',
      '{"message":"x"}',
      '[]',
      'null',
      '',
    ]) {
      assert.equal(parseErrorBody(body), undefined, body);
    }
  });

  test('name the known dialects when asked for an unknown one', () => {
    assert.throws(() => getDialect('xml'), /unknown dialect "xml" \(known: error, huawei, problem\)/);
  });
});

describe('errorAnswer', () => {
  test("sends a 4xx error's own message, code and details", () => {
    const answer = errorAnswer(
      createError(409, 'Snat rule for network n exists.', { code: 'NAT.0208', details: { network_id: 'n' } }),
      context(),
    );
    assert.equal(answer.status, 409);
    assert.deepEqual(JSON.parse(answer.body), {
      error: {
        code: 'NAT.0208',
        title: 'Conflict',
        message: 'Snat rule for network n exists.',
        request_id: 'req-7',
        details: { network_id: 'n' },
      },
    });
  });

  test("sends the catalog's text for a 5xx, never its message or details", () => {
    const answer = errorAnswer(
      createError(503, 'pool exhausted at /srv/db.js:12', { details: { secret: 1 }, retryAfter: 2.5 }),
      context(),
    );
    const body = JSON.parse(answer.body);
    assert.equal(
      body.error.message,
      'Failed to complete the request because the system is currently unavailable.',
    );
    assert.equal(body.error.details, undefined);
    assert.equal(answer.headers['retry-after'], '3');
  });

  test('answers 500 with nothing of an exception that is not a contract error', () => {
    const answer = errorAnswer(
      new TypeError("Cannot read properties of undefined (reading 'id') at /app/x.js"),
      context('huawei'),
    );
    assert.equal(answer.status, 500);
    assert.deepEqual(JSON.parse(answer.body), {
      error_code: 'SK.0500',
      error_msg: 'Failed to complete the request because of an internal service error.',
      request_id: 'req-7',
    });
    assert.doesNotMatch(answer.body, /TypeError|x\.js|reading/);
  });

  test("moves a status outside the profile to its fallback, with the fallback's texts", () => {
    const basic = getProfile('basic');
    const answer = errorAnswer(new ProxyAuthenticationRequiredError(), { ...context(), profile: basic });
    assert.equal(answer.status, 401);
    assert.equal(JSON.parse(answer.body).error.title, 'Unauthorized');
    assert.equal(JSON.parse(answer.body).error.code, 'SK.0401');
  });

  test('speaks Chinese when asked, and says so in Content-Language', () => {
    const answer = errorAnswer(createError(404), { ...context(), lang: 'zh-CN' });
    assert.equal(JSON.parse(answer.body).error.message, '服务器无法找到被请求的页面。');
    assert.equal(answer.headers['content-language'], 'zh-CN');
    assert.equal(errorAnswer(createError(404), context()).headers['content-language'], 'en');
  });

  test('keeps the headers an error carries, such as Allow', () => {
    const answer = errorAnswer(
      createError(405, undefined, { headers: { allow: 'GET, HEAD' } }),
      context('problem'),
    );
    assert.equal(answer.headers.allow, 'GET, HEAD');
    assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8');
  });

  for (const name of profileNames) {
    test(`never answers outside profile ${name}`, () => {
      const profile = getProfile(name);
      for (const status of Object.keys(errorClasses).map(Number)) {
        const answer = errorAnswer(createError(status as keyof typeof errorClasses), {
          ...context(),
          profile,
        });
        assert.ok(profile.has(answer.status), `${status} → ${answer.status}`);
      }
    });
  }
});
