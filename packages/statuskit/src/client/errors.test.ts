import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listen, send, type TestServer } from '../../test/servers.js';
import {
  BadGatewayError,
  BadRequestError,
  type ContractError,
  dialectNames,
  errorClasses,
  getDialect,
  getProfile,
  InternalServerError,
  isContractError,
  NotFoundError,
  ServiceUnavailableError,
} from '../index.js';
import { type Client, createClient, responseOf } from './index.js';

const bounded = { timeout: 5_000 };
const nat = getProfile('nat');
const statuses = Object.keys(errorClasses).map(Number) as (keyof typeof errorClasses)[];

/** What a server answered, as the client threw it. */
async function thrown(promise: Promise<unknown>): Promise<ContractError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isContractError(error), `not a contract error: ${String(error)}`);
    return error;
  }
  assert.fail('no error was thrown');
}

describe('errors read by the client', () => {
  let server: TestServer;
  let client: Client;

  before(async () => {
    // /dialect/<name>/<status>: that status in that dialect; /raw/<status>?type=…&body=…: as told.
    server = await listen((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      const [, kind, name, code] = url.pathname.split('/');
      if (kind === 'dialect') {
        const status = Number(code);
        const dialect = getDialect(name);
        const headers: Record<string, string> = {
          'content-type': dialect.contentType,
          'x-request-id': 'header-id',
        };
        if (status === 401) headers['www-authenticate'] = 'Keystone uri="http://127.0.0.1/v3"';
        if (status === 405) headers.allow = 'GET, HEAD';
        if (status === 407) headers['proxy-authenticate'] = 'Basic realm="gw"';
        if (status === 503) headers['retry-after'] = '7';
        send(
          response,
          status,
          dialect.serialize({
            status,
            code: `T.${status}`,
            title: nat.text(status).phrase,
            message: `Message of ${status}.`,
            requestId: `body-id-${status}`,
            details: { status },
          }),
          headers,
        );
        return;
      }
      const status = Number(name);
      send(response, status, url.searchParams.get('body') ?? '', {
        ...(url.searchParams.has('type') ? { 'content-type': url.searchParams.get('type') ?? '' } : {}),
        ...(url.searchParams.has('location') ? { location: url.searchParams.get('location') ?? '' } : {}),
        'x-request-id': 'raw-id',
      });
    });
    client = createClient({ baseUrl: server.url, retry: false, timeout: 3_000 });
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  for (const name of dialectNames) {
    test(
      `each error status in the ${name} dialect throws its catalog class with code, message, details and request id`,
      bounded,
      async () => {
        for (const status of statuses) {
          const error = await thrown(client.get(`/dialect/${name}/${status}`));
          assert.ok(error instanceof errorClasses[status], `${status} → ${error.name}`);
          assert.equal(error.status, status);
          assert.equal(error.code, `T.${status}`);
          assert.equal(error.message, `Message of ${status}.`);
          assert.equal(error.requestId, `body-id-${status}`);
          assert.deepEqual(error.details, { status });
          assert.equal(responseOf(error)?.status, status);
        }
      },
    );
  }

  test(
    'a 407 keeps its Proxy-Authenticate challenge, though fetch itself never returns a 407',
    bounded,
    async () => {
      const error = await thrown(client.get('/dialect/error/407'));
      assert.equal(error.headers?.['proxy-authenticate'], 'Basic realm="gw"');
      assert.equal(error.message, 'Message of 407.');
    },
  );

  test('a 401 keeps WWW-Authenticate, a 405 keeps Allow and a 503 its Retry-After', bounded, async () => {
    assert.equal(
      (await thrown(client.get('/dialect/huawei/401'))).headers?.['www-authenticate'],
      'Keystone uri="http://127.0.0.1/v3"',
    );
    assert.equal((await thrown(client.get('/dialect/problem/405'))).headers?.allow, 'GET, HEAD');
    assert.equal((await thrown(client.get('/dialect/error/503'))).retryAfter, 7);
  });

  test(
    "a plain-text 503 throws ServiceUnavailableError with the catalog's text and the answer's request id",
    bounded,
    async () => {
      const error = await thrown(client.get('/raw/503?type=text/plain&body=Service%20Unavailable'));
      assert.ok(error instanceof ServiceUnavailableError);
      assert.equal(error.message, nat.text(503).description);
      assert.equal(error.code, 'SK.0503');
      assert.equal(error.requestId, 'raw-id');
      assert.equal(responseOf(error)?.body, 'Service Unavailable');
    },
  );

  test("an HTML 502 throws BadGatewayError with the catalog's text", bounded, async () => {
    const error = await thrown(
      client.get(
        '/raw/502?type=text/html&body=%3Chtml%3E%3Cbody%3E502%20Bad%20Gateway%3C%2Fbody%3E%3C%2Fhtml%3E',
      ),
    );
    assert.ok(error instanceof BadGatewayError);
    assert.equal(error.message, nat.text(502).description);
  });

  test("an empty 404 throws NotFoundError with the catalog's text", bounded, async () => {
    const error = await thrown(client.get('/raw/404'));
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.message, nat.text(404).description);
  });

  test('JSON in no dialect is read like plain text', bounded, async () => {
    const error = await thrown(client.get('/raw/409?type=application/json&body=%7B%22oops%22%3A1%7D'));
    assert.equal(error.status, 409);
    assert.equal(error.message, nat.text(409).description);
    assert.equal(error.details, undefined);
  });

  test(
    'a 429 throws the profile’s class for it, ServiceUnavailableError, and responseOf keeps the 429',
    bounded,
    async () => {
      const error = await thrown(client.get('/raw/429?type=text/plain&body=slow%20down'));
      assert.ok(error instanceof ServiceUnavailableError);
      assert.equal(error.status, 503);
      assert.equal(responseOf(error)?.status, 429);
      assert.equal(error.message, nat.text(429).description);
    },
  );

  test('a 418 throws BadRequestError, the class nat maps it to', bounded, async () => {
    const error = await thrown(client.get('/raw/418'));
    assert.ok(error instanceof BadRequestError);
    assert.equal(responseOf(error)?.status, 418);
  });

  test(
    'a redirect is not followed: it is an error of the profile, which has no redirection',
    bounded,
    async () => {
      const error = await thrown(client.get('/raw/302?location=/elsewhere'));
      assert.ok(error instanceof InternalServerError);
      assert.equal(responseOf(error)?.status, 302);
      assert.equal(responseOf(error)?.headers.location, '/elsewhere');
      assert.equal(server.seen.filter((seen) => seen.url === '/elsewhere').length, 0);
    },
  );

  test('a HEAD error has no body and still gets its class, text and request id', bounded, async () => {
    const error = await thrown(client.head('/dialect/error/404'));
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.message, nat.text(404).description);
    assert.equal(error.requestId, 'header-id');
  });

  test('errors speak the client’s language where the body gives no message', bounded, async () => {
    const zh = createClient({ baseUrl: server.url, retry: false, language: 'zh-CN' });
    try {
      const error = await thrown(zh.get('/raw/404'));
      assert.equal(error.message, nat.text(404, 'zh-CN').description);
      assert.equal(server.seen.at(-1)?.headers['accept-language'], 'zh-CN');
    } finally {
      await zh.close();
    }
  });
});
