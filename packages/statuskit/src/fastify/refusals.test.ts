import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { testApp } from '../../test/fastify-app.js';
import { getProfile, languages } from '../catalog/index.js';
import { getDialect } from '../dialects/index.js';
import { createError, errorAnswer, type Messages } from '../errors/index.js';
import { messages } from '../texts/index.js';

/**
 * The plugin's own refusals are sent from prepared answers: each must be, header for header and
 * byte for byte, the answer errorAnswer() gives for the error it stands for.
 */
const refusals: {
  name: string;
  request: InjectOptions;
  status: 401 | 403 | 404 | 405 | 406;
  message: Messages;
  headers: Record<string, string>;
}[] = [
  {
    name: 'an unknown route (404)',
    request: { url: '/nothing/here?x=1', headers: { 'x-auth-token': 'rw' } },
    status: 404,
    message: messages.routeNotFound({ path: '/nothing/here' }),
    headers: {},
  },
  {
    name: 'a method the path lacks (405)',
    request: { method: 'POST', url: '/items/1', headers: { 'x-auth-token': 'rw' } },
    status: 405,
    message: messages.methodNotAllowed({ method: 'POST', path: '/items/1' }),
    headers: { allow: 'GET, PUT, DELETE, HEAD, OPTIONS' },
  },
  {
    name: 'an Accept the route cannot meet (406)',
    request: { url: '/items/1', headers: { 'x-auth-token': 'rw', accept: 'application/xml' } },
    status: 406,
    message: messages.notAcceptable({ types: 'application/json' }),
    headers: {},
  },
  {
    name: 'no credentials (401)',
    request: { url: '/items/1' },
    status: 401,
    message: messages.authenticationRequired(),
    headers: { 'www-authenticate': 'Keystone uri="http://127.0.0.1/v3"' },
  },
  {
    name: 'a read-only caller writing (403)',
    request: {
      method: 'POST',
      url: '/items',
      headers: { 'x-auth-token': 'ro' },
      payload: { item: { name: 'x' } },
    },
    status: 403,
    message: messages.forbidden(),
    headers: {},
  },
];

const acceptLanguage = { en: 'en-GB', 'zh-CN': 'zh-CN,zh;q=0.9,en;q=0.5' } as const;

for (const dialectName of ['error', 'problem'] as const) {
  describe(`the plugin's refusals in dialect ${dialectName}`, () => {
    let app: FastifyInstance;
    const errorCodes = { 404: 'APP.0404' };
    before(async () => {
      ({ app } = await testApp({ dialect: dialectName, errorCodes, overload: { maxEventLoopDelay: 0 } }));
    });
    after(() => app.close());

    for (const refusal of refusals) {
      for (const lang of languages) {
        test(`answer ${refusal.name} in ${lang} as errorAnswer() does, with the request id`, async () => {
          const requestId = `req-${refusal.status}-${lang}`;
          const response = await app.inject({
            ...refusal.request,
            headers: {
              ...refusal.request.headers,
              'x-request-id': requestId,
              'accept-language': acceptLanguage[lang],
            },
          });
          const expected = errorAnswer(createError(refusal.status, refusal.message), {
            profile: getProfile('nat'),
            dialect: getDialect(dialectName),
            lang,
            requestId,
            errorCodes,
          });
          assert.equal(response.statusCode, expected.status);
          assert.equal(response.body, expected.body);
          for (const [name, value] of Object.entries({ ...expected.headers, ...refusal.headers }))
            assert.equal(response.headers[name], value, name);
          assert.equal(response.headers['content-language'], lang);
          assert.equal(response.headers['x-request-id'], requestId);
          assert.equal(response.headers['x-openstack-request-id'], requestId);
          assert.match(response.body, new RegExp(`"request_id":"${requestId}"`));
          if (lang === 'zh-CN') assert.match(response.body, /\p{Script=Han}/u);
        });
      }
    }
  });
}
