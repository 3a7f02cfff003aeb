import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorDialect, getProfile, huaweiDialect, problemDialect } from '../index.js';
import {
  checkOptions,
  clientReplyHeaders,
  configFrom,
  connectionOptions,
  downTime,
  failureOf,
  type Health,
  judgeBody,
  judgeStatus,
  mayRetry,
  mediaType,
  nextUpstream,
  ProxyAuth,
  parseCredentials,
  retryAfterSeconds,
  upstreamRequestHeaders,
} from './index.js';
import { Upstreams } from './upstreams.js';

const nat = getProfile('nat');
const up: Health = { downUntil: 0, failures: 0 };
const out: Health = { downUntil: 10_000, failures: 1 };

describe('which upstream next', () => {
  test('goes round the upstreams from the cursor', () => {
    assert.equal(nextUpstream([up, up, up], 0, 0, new Set()), 0);
    assert.equal(nextUpstream([up, up, up], 2, 0, new Set()), 2);
    assert.equal(nextUpstream([up, up, up], 3, 0, new Set()), 0);
  });

  test('skips upstreams that are out and those the request already tried', () => {
    assert.equal(nextUpstream([out, up, up], 0, 5_000, new Set()), 1);
    assert.equal(nextUpstream([up, up, up], 0, 0, new Set([0, 1])), 2);
    assert.equal(nextUpstream([out, up], 0, 5_000, new Set([1])), undefined);
  });

  test('puts an upstream back once its time out is over', () => {
    assert.equal(nextUpstream([out], 0, 9_999, new Set()), undefined);
    assert.equal(nextUpstream([out], 0, 10_000, new Set()), 0);
  });

  test('keeps an upstream out longer with each failure in a row, up to the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 10].map((failures) => downTime(failures, 1_000, 5_000)),
      [1_000, 2_000, 4_000, 5_000, 5_000],
    );
  });

  test('starts the back-off over after a success: it clears the failure count, not only the time out', async () => {
    let now = 0;
    const upstreams = new Upstreams([new URL('http://127.0.0.1:1')], {
      downFor: 1_000,
      maxDownFor: 60_000,
      connectTimeout: 1_000,
      now: () => now,
    });
    const [only] = upstreams.list;
    assert.ok(only);
    try {
      // Two failures in a row: out for 1 s, then 2 s.
      assert.equal(upstreams.failed(only), 1_000);
      now += 1_000;
      assert.equal(upstreams.failed(only), 2_000);
      now += 2_000;
      upstreams.succeeded(only);
      assert.deepEqual(only.health, { downUntil: 0, failures: 0 });
      // A later, unrelated outage is a first failure again.
      now += 60_000;
      assert.equal(upstreams.failed(only), 1_000);
    } finally {
      await upstreams.close();
    }
  });

  test('tells a client to retry when the first upstream comes back, in whole seconds, at least 1', () => {
    assert.equal(retryAfterSeconds([{ downUntil: 4_500, failures: 1 }, out], 1_000), 4);
    assert.equal(retryAfterSeconds([{ downUntil: 1_001, failures: 1 }], 1_000), 1);
    assert.equal(retryAfterSeconds([{ downUntil: 0, failures: 0 }], 1_000), 1);
  });
});

describe('what a failure means', () => {
  const failure = (code: string, name = 'Error') => Object.assign(new Error(code), { code, name });

  test('a refused connection is a 502 that takes the upstream out and may go elsewhere, even for POST', () => {
    const refused = failureOf(failure('ECONNREFUSED'));
    assert.deepEqual(refused, { kind: 'refused', status: 502, down: true, retry: 'any' });
    assert.equal(mayRetry(refused, 'POST'), true);
  });

  test('a reset is a 502 that may go elsewhere only for idempotent methods', () => {
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET']) {
      const reset = failureOf(failure(code));
      assert.equal(reset.status, 502);
      assert.equal(reset.down, true);
      assert.equal(mayRetry(reset, 'GET'), true);
      assert.equal(mayRetry(reset, 'PUT'), true);
      assert.equal(mayRetry(reset, 'DELETE'), true);
      assert.equal(mayRetry(reset, 'POST'), false);
      assert.equal(mayRetry(reset, 'PATCH'), false);
    }
  });

  test('bytes that are not HTTP are a 502 that takes the upstream out', () => {
    const invalid = failureOf(failure('HPE_INVALID_CONSTANT', 'HTTPParserError'));
    assert.equal(invalid.kind, 'invalid');
    assert.equal(invalid.status, 502);
    assert.equal(invalid.down, true);
  });

  test('a timeout is a 504 that leaves the upstream in and is never sent again', () => {
    const timeout = failureOf(failure('UND_ERR_HEADERS_TIMEOUT'));
    assert.deepEqual(timeout, { kind: 'timeout', status: 504, down: false, retry: 'never' });
    assert.equal(mayRetry(timeout, 'GET'), false);
  });

  test('sorts every code undici and the system give, also from the error’s cause', () => {
    const kinds = (codes: string[]) => codes.map((code) => failureOf(failure(code)).kind);
    const refused = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN'];
    assert.deepEqual(kinds([...refused, 'UND_ERR_CONNECT_TIMEOUT']), Array(7).fill('refused'));
    const reset = ['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'];
    assert.deepEqual(kinds(reset), Array(5).fill('reset'));
    assert.deepEqual(kinds(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']), ['timeout', 'timeout']);
    assert.deepEqual(kinds(['HPE_HEADER_OVERFLOW', 'UND_ERR_INVALID_STATUS']), ['invalid', 'invalid']);
    const wrapped = new TypeError('fetch failed', { cause: failure('ECONNREFUSED') });
    assert.equal(failureOf(wrapped).kind, 'refused');
    assert.equal(failureOf(undefined).kind, 'other');
  });

  test('a parser error by name, or an unknown code, is sorted as such', () => {
    const invalid = failureOf(Object.assign(new Error('bad'), { name: 'HTTPParserError' }));
    assert.equal(invalid.kind, 'invalid');
    assert.equal(mayRetry(invalid, 'GET'), true);
    assert.equal(mayRetry(invalid, 'POST'), false);
    assert.deepEqual(failureOf(failure('EWHATEVER')), {
      kind: 'other',
      status: 502,
      down: false,
      retry: 'never',
    });
  });

  test('a body that stops coming in time is a 504, like headers that do not', () => {
    assert.deepEqual(failureOf(failure('UND_ERR_BODY_TIMEOUT')), {
      kind: 'timeout',
      status: 504,
      down: false,
      retry: 'never',
    });
  });

  test('a refused or reset request goes elsewhere for every idempotent method of RFC 9110', () => {
    const reset = failureOf(failure('ECONNRESET'));
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])
      assert.equal(mayRetry(reset, method), true, method);
  });

  test('anything else is a 502 that is not sent again', () => {
    const other = failureOf(new TypeError('boom'));
    assert.equal(other.status, 502);
    assert.equal(mayRetry(other, 'GET'), false);
  });
});

describe('proxy credentials', () => {
  const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

  test('splits user:password at the first colon', () => {
    assert.deepEqual(parseCredentials('gw:s3:cret'), { user: 'gw', password: 's3:cret' });
    assert.deepEqual(parseCredentials('gw:'), { user: 'gw', password: '' });
    assert.throws(() => parseCredentials('nocolon'), RangeError);
    assert.throws(
      () => parseCredentials(':password'),
      /^RangeError: proxy credentials must be given as user:password$/,
    );
  });

  test('accepts only the right Basic credentials', () => {
    const auth = new ProxyAuth({ user: 'gw', password: 'pw' }, 'edge');
    assert.equal(auth.allows(basic('gw:pw')), true);
    assert.equal(auth.allows(`basic  ${Buffer.from('gw:pw').toString('base64')}`), true);
    for (const wrong of [
      undefined,
      '',
      basic('gw:PW'),
      basic('gw:pw '),
      'Bearer gw:pw',
      basic('gw'),
      ['a'],
      [basic('gw:pw')],
      [basic('gw:pw'), basic('gw:pw')],
    ]) {
      assert.equal(auth.allows(wrong), false, String(wrong));
    }
    assert.equal(auth.challenge, 'Basic realm="edge", charset="UTF-8"');
  });

  test('takes the scheme in any case and spaces around the credentials, nothing before or after', () => {
    const auth = new ProxyAuth({ user: 'gw', password: 'pw' }, 'edge');
    const token = Buffer.from('gw:pw').toString('base64');
    assert.equal(auth.allows(`BASIC ${token}  `), true);
    for (const wrong of [
      `XBasic ${token}`,
      `Basic ${token} x`,
      `Basic ${token},`,
      `Basic${token}`,
      `Basic ${token}\n`,
    ])
      assert.equal(auth.allows(wrong), false, wrong);
  });

  test('escapes quotes and backslashes in the realm of the challenge', () => {
    const auth = new ProxyAuth({ user: 'gw', password: 'pw' }, 'a"b\\c');
    assert.equal(auth.challenge, 'Basic realm="a\\"b\\\\c", charset="UTF-8"');
  });
});

describe('headers', () => {
  test('reads the field names Connection lists', () => {
    assert.deepEqual(connectionOptions('keep-alive, X-Foo ,,close'), ['keep-alive', 'x-foo', 'close']);
    assert.deepEqual(connectionOptions(undefined), []);
  });

  test('sends upstream the end-to-end fields, the request id and where the request came from', () => {
    const sent = upstreamRequestHeaders(
      {
        host: 'api.example',
        connection: 'x-hop',
        'x-hop': '1',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic eA==',
        'content-length': '2',
        'content-type': 'application/json',
        'x-request-id': 'bad id',
        via: '1.0 edge',
      },
      { requestId: 'req-1', clientIp: '192.0.2.7', protocol: 'https', httpVersion: '1.1' },
    );
    assert.deepEqual(sent, {
      'content-type': 'application/json',
      'x-request-id': 'req-1',
      'x-openstack-request-id': 'req-1',
      via: '1.0 edge, 1.1 statuskit',
      'x-forwarded-for': '192.0.2.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example',
    });
  });

  test('names the HTTP version in Via, and sends no field without a value', () => {
    const forwarding = { requestId: 'r', clientIp: '192.0.2.7', protocol: 'http' };
    assert.equal(upstreamRequestHeaders({}, { ...forwarding, httpVersion: '1.0' }).via, '1.0 statuskit');
    assert.equal(upstreamRequestHeaders({}, { ...forwarding, httpVersion: '2.0' }).via, '2.0 statuskit');
    const sent = upstreamRequestHeaders(
      { 'x-gone': undefined, 'x-kept': '' },
      { ...forwarding, httpVersion: '1.1' },
    );
    assert.equal('x-gone' in sent, false);
    assert.equal(sent['x-kept'], '');
  });

  test('appends the client to X-Forwarded-For, and passes none on without a client address', () => {
    const forwarding = { requestId: 'r', protocol: 'http', httpVersion: '1.1' };
    const relayed = { 'x-forwarded-for': '198.51.100.1' };
    assert.equal(
      upstreamRequestHeaders(relayed, { ...forwarding, clientIp: '192.0.2.7' })['x-forwarded-for'],
      '198.51.100.1, 192.0.2.7',
    );
    const unknown = upstreamRequestHeaders(relayed, { ...forwarding, clientIp: undefined });
    assert.equal('x-forwarded-for' in unknown, false);
  });

  test('gives the client the upstream’s end-to-end fields, less its request id', () => {
    const headers = {
      'content-type': 'text/html',
      'content-length': '9',
      connection: 'close',
      'transfer-encoding': 'chunked',
      'x-request-id': 'upstream',
      'www-authenticate': 'Bearer',
      'set-cookie': ['a=1', 'b=2'],
    };
    assert.deepEqual(clientReplyHeaders(headers), {
      'content-type': 'text/html',
      'content-length': '9',
      'www-authenticate': 'Bearer',
      'set-cookie': ['a=1', 'b=2'],
    });
    assert.deepEqual(clientReplyHeaders(headers, 'replaced'), {
      'www-authenticate': 'Bearer',
      'set-cookie': ['a=1', 'b=2'],
    });
  });
});

describe('fields that never cross the gateway', () => {
  const hopByHop = {
    connection: 'x-named, keep-alive',
    'x-named': '1',
    'keep-alive': 'timeout=5',
    'proxy-connection': 'keep-alive',
    te: 'trailers',
    trailer: 'x-sum',
    'transfer-encoding': 'chunked',
    upgrade: 'websocket',
    'proxy-authorization': 'Basic eA==',
    'proxy-authenticate': 'Basic realm="x"',
    'proxy-authentication-info': 'nextnonce="x"',
  };
  const forwarding = { requestId: 'req-1', clientIp: undefined, protocol: 'http', httpVersion: '1.1' };

  test('drops every hop-by-hop field and the proxy’s own, upstream and back', () => {
    const sent = upstreamRequestHeaders({ ...hopByHop, accept: 'application/json' }, forwarding);
    assert.deepEqual(Object.keys(sent).sort(), [
      'accept',
      'via',
      'x-forwarded-proto',
      'x-openstack-request-id',
      'x-request-id',
    ]);
    assert.deepEqual(clientReplyHeaders({ ...hopByHop, 'cache-control': 'no-store' }), {
      'cache-control': 'no-store',
    });
  });

  test('drops the fields a Connection header names, however it lists them', () => {
    const headers = { connection: ['close', 'X-One'], 'x-one': '1', 'x-two': '2' };
    assert.deepEqual(clientReplyHeaders(headers), { 'x-two': '2' });
    assert.deepEqual(clientReplyHeaders({ connection: 'close', 'x-two': '2' }), { 'x-two': '2' });
    assert.deepEqual(clientReplyHeaders({ 'x-none': undefined, 'x-two': '2' }), { 'x-two': '2' });
  });

  test('drops every field describing the body when the gateway writes its own', () => {
    const representation = {
      'content-type': 'text/html',
      'content-length': '9',
      'content-encoding': 'gzip',
      'content-language': 'de',
      'content-range': 'bytes 0-8/9',
      'content-location': '/error.html',
      'content-disposition': 'inline',
      'content-md5': 'x',
      digest: 'sha-256=x',
      'content-digest': 'sha-256=:x:',
      etag: '"1"',
      'last-modified': 'Tue, 01 Sep 2026 10:00:00 GMT',
    };
    assert.deepEqual(clientReplyHeaders({ ...representation, 'retry-after': '3' }, 'replaced'), {
      'retry-after': '3',
    });
    assert.deepEqual(clientReplyHeaders(representation), representation);
  });

  test('appends the client to an X-Forwarded-For and a Via it already has, and joins repeated fields', () => {
    const sent = upstreamRequestHeaders(
      {
        'x-forwarded-for': '198.51.100.1',
        via: '1.1 edge',
        accept: ['application/json', 'text/plain'],
        expect: '100-continue',
      },
      { requestId: 'req-2', clientIp: '192.0.2.7', protocol: 'http', httpVersion: '1.0' },
    );
    assert.deepEqual(sent, {
      'x-forwarded-for': '198.51.100.1, 192.0.2.7',
      via: '1.1 edge, 1.0 statuskit',
      accept: 'application/json, text/plain',
      'x-request-id': 'req-2',
      'x-openstack-request-id': 'req-2',
      'x-forwarded-proto': 'http',
    });
  });
});

describe('is this reply inside the contract', () => {
  const body = (text: string) => Buffer.from(text);
  const contractBody = errorDialect.serialize({
    status: 404,
    code: 'NAT.0209',
    title: 'Not Found',
    message: 'No Snat Rule exist with id x',
    requestId: 'req-1',
  });

  test('streams successes the profile has without reading them', () => {
    assert.deepEqual(judgeStatus(200, nat, 'GET'), { action: 'pass' });
    assert.deepEqual(judgeStatus(201, nat, 'POST'), { action: 'pass' });
    assert.deepEqual(judgeStatus(204, nat, 'DELETE'), { action: 'pass' });
  });

  test('moves a success the profile lacks to the profile’s code, body unread', () => {
    assert.deepEqual(judgeStatus(206, nat, 'GET'), { action: 'status', status: 200 });
    assert.deepEqual(judgeStatus(203, nat, 'GET'), { action: 'status', status: 200 });
    assert.deepEqual(judgeStatus(205, nat, 'POST'), { action: 'status', status: 204 });
  });

  test('passes 201, 202 and 204 as they are even where the profile lacks them: their fallbacks mean something else', () => {
    const basic = getProfile('basic');
    for (const status of [201, 202, 204]) {
      assert.deepEqual(judgeStatus(status, basic, 'POST'), { action: 'pass' }, String(status));
      assert.deepEqual(judgeStatus(status, nat, 'POST'), { action: 'pass' }, String(status));
    }
    assert.equal(basic.has(201) || basic.has(202), false, 'the profile lacks them');
  });

  test('reads errors, codes that land on errors and redirections', () => {
    for (const status of [404, 500, 418, 302, 304]) {
      assert.deepEqual(judgeStatus(status, nat, 'GET'), { action: 'inspect' }, String(status));
    }
    assert.deepEqual(judgeStatus(404, nat, 'HEAD'), { action: 'pass' });
    assert.deepEqual(judgeStatus(400, nat, 'GET'), { action: 'inspect' });
  });

  test('passes an error body of the dialect under its media type, at a status the profile has', () => {
    assert.deepEqual(
      judgeBody(404, 'application/json; charset=utf-8', body(contractBody), nat, errorDialect),
      {
        action: 'pass',
      },
    );
    const problem = problemDialect.serialize({
      status: 409,
      code: 'NAT.0103',
      title: 'Conflict',
      message: 'busy',
      requestId: 'r',
    });
    assert.deepEqual(judgeBody(409, 'application/problem+json', body(problem), nat, problemDialect), {
      action: 'pass',
    });
  });

  test('rewrites HTML, plain text and unparsable bodies at their own status', () => {
    assert.deepEqual(judgeBody(500, 'text/html', body('<h1>oops</h1>'), nat, errorDialect), {
      action: 'rewrite',
      status: 500,
    });
    assert.deepEqual(judgeBody(409, 'text/plain', body(contractBody), nat, errorDialect), {
      action: 'rewrite',
      status: 409,
    });
    assert.deepEqual(judgeBody(404, 'application/json', body('{"oops":'), nat, errorDialect), {
      action: 'rewrite',
      status: 404,
    });
    assert.deepEqual(judgeBody(404, 'application/json', undefined, nat, errorDialect), {
      action: 'rewrite',
      status: 404,
    });
  });

  test('rewrites an error body of the dialect under another media type', () => {
    const problem = problemDialect.serialize({
      status: 409,
      code: 'NAT.0103',
      title: 'Conflict',
      message: 'busy',
      requestId: 'r',
    });
    assert.deepEqual(judgeBody(409, 'application/json', body(problem), nat, problemDialect), {
      action: 'rewrite',
      status: 409,
      message: 'busy',
      code: 'NAT.0103',
    });
  });

  test('rewrites a problem body whose status disagrees with the reply’s', () => {
    const problem = problemDialect.serialize({
      status: 404,
      code: 'NAT.0209',
      title: 'Not Found',
      message: 'gone',
      requestId: 'r',
    });
    assert.equal(
      judgeBody(400, 'application/problem+json', body(problem), nat, problemDialect).action,
      'rewrite',
    );
  });

  test('rewrites a code the profile lacks at its fallback, keeping a 4xx message but not the code', () => {
    assert.deepEqual(
      judgeBody(410, 'application/json', body(contractBody.replace('404', '410')), nat, errorDialect),
      {
        action: 'rewrite',
        status: 404,
        message: 'No Snat Rule exist with id x',
      },
    );
    assert.deepEqual(judgeBody(418, 'application/json', body('{}'), nat, errorDialect), {
      action: 'rewrite',
      status: 400,
    });
    assert.deepEqual(judgeBody(302, 'text/html', body('moved'), nat, errorDialect), {
      action: 'rewrite',
      status: 500,
    });
  });

  test('translates another dialect, keeping code and message', () => {
    const huawei = huaweiDialect.serialize({
      status: 409,
      code: 'NAT.0103',
      title: 'Conflict',
      message: 'busy',
      requestId: 'r',
    });
    assert.deepEqual(judgeBody(409, 'application/json', body(huawei), nat, errorDialect), {
      action: 'rewrite',
      status: 409,
      message: 'busy',
      code: 'NAT.0103',
    });
  });

  test('rewrites a body of the dialect at a code the profile lacks, though it tells the same status', () => {
    const teapot = problemDialect.serialize({
      status: 418,
      code: 'T.418',
      title: "I'm a teapot",
      message: 'short and stout',
      requestId: 'r',
    });
    assert.deepEqual(judgeBody(418, 'application/problem+json', body(teapot), nat, problemDialect), {
      action: 'rewrite',
      status: 400,
      message: 'short and stout',
    });
  });

  test('keeps the details of another dialect at the same status, and a 5xx message never', () => {
    const problem = problemDialect.serialize({
      status: 409,
      code: 'NAT.0103',
      title: 'Conflict',
      message: 'busy',
      requestId: 'r',
      details: { network_id: 'n' },
    });
    assert.deepEqual(judgeBody(409, 'application/problem+json', body(problem), nat, errorDialect), {
      action: 'rewrite',
      status: 409,
      message: 'busy',
      code: 'NAT.0103',
      details: { network_id: 'n' },
    });
    const failed = huaweiDialect.serialize({
      status: 500,
      code: 'NAT.0500',
      title: 'Internal Server Error',
      message: 'pool exhausted at /srv/db.js:12',
      requestId: 'r',
    });
    assert.deepEqual(judgeBody(500, 'application/json', body(failed), nat, errorDialect), {
      action: 'rewrite',
      status: 500,
      code: 'NAT.0500',
    });
  });

  test('reads media types without parameters or case', () => {
    assert.equal(mediaType('Application/JSON; charset=utf-8'), 'application/json');
    assert.equal(mediaType(' text/html ;charset=utf-8'), 'text/html');
    assert.equal(mediaType(['text/plain', 'text/html']), 'text/plain');
    assert.equal(mediaType(undefined), '');
  });
});

describe('options and config files', () => {
  test('fills in the defaults and checks the upstreams', () => {
    const checked = checkOptions({ upstreams: ['http://127.0.0.1:3000/api'] });
    assert.equal(checked.timeout, 30_000);
    assert.equal(checked.upstreams[0]?.pathname, '/api');
    assert.throws(() => checkOptions({ upstreams: [] }), /at least one upstream/);
    assert.throws(() => checkOptions({ upstreams: ['ftp://x'] }), /must be http: or https:/);
    assert.throws(() => checkOptions({ upstreams: ['http://u:p@x'] }), /credentials/);
    assert.throws(() => checkOptions({ upstreams: ['nope'] }), /is not a URL/);
    assert.throws(() => checkOptions({ upstreams: ['http://x'], timeout: 0 }), /timeout must be a positive/);
  });

  test('reads a config file’s keys, one upstream or several', () => {
    assert.deepEqual(configFrom({ upstream: 'http://a', port: 8080, proxyAuth: 'u:p' }), {
      upstreams: ['http://a'],
      port: 8080,
      proxyAuth: 'u:p',
    });
    assert.deepEqual(configFrom({ upstreams: ['http://a', 'http://b'] }).upstreams, ['http://a', 'http://b']);
    assert.throws(() => configFrom({ upstreem: 'http://a' }), /unknown config key "upstreem"/);
    assert.throws(() => configFrom({ port: '80' }), /"port" must be a number/);
    assert.throws(() => configFrom([]), /JSON object/);
  });
});
