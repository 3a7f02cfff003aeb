import assert from 'node:assert/strict';
import { stringify } from 'node:querystring';
import { describe, test } from 'node:test';
import { parse as parseUrl } from 'node:url';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import fc from 'fast-check';
import {
  ambiguousEscapes,
  canonicalQuery,
  canonicalUri,
  emptyBodyHash,
  parseAuthorization,
  parseSdkDate,
  sdkDate,
  sha256Hex,
  signRequest,
} from './signer.js';

const key = { accessKey: 'NATGWDEMOAK000000001', secretKey: 'natgw-demo-secret-key-000000000000000001' };
const project = '9ad601814ac94c80bf7bb9073ded66fc';
const date = '20261127T160509Z';

/** A request as the SDK builds it (path, query parameters, data) and as it goes on the wire. */
interface Case {
  name: string;
  method: string;
  host: string;
  path: string;
  query?: Record<string, string | number | string[]>;
  data?: unknown;
}

function wire(request: Case) {
  const query = stringify(request.query ?? {});
  return {
    method: request.method,
    url: query === '' ? request.path : `${request.path}?${query}`,
    headers: {
      host: request.host,
      'content-type': 'application/json',
      'x-project-id': project,
      'x-sdk-date': date,
    },
    ...(request.data === undefined ? {} : { body: JSON.stringify(request.data) }),
  };
}

/** What Huawei Cloud's own SDK signs for the request (its signer, from npm, run here). */
function sdkAuthorization(request: Case): string {
  const credential = new BasicCredentials().withAk(key.accessKey).withSk(key.secretKey);
  const headers = AKSKSigner.sign(
    {
      endpoint: `http://${request.host}${request.path}`,
      method: request.method,
      headers: { 'content-type': 'application/json', 'X-Project-Id': project, 'X-Sdk-Date': date },
      queryParams: request.query ?? {},
      data: request.data,
    },
    credential,
  ) as { Authorization: string };
  return headers.Authorization;
}

const cases: Case[] = [
  {
    name: 'a GET with a query',
    method: 'GET',
    host: '127.0.0.1:8080',
    path: `/v2/${project}/nat_gateways`,
    query: { limit: 10, name: 'nat 001' },
  },
  {
    name: 'a POST with a JSON body',
    method: 'POST',
    host: 'nat.example.com',
    path: `/v2/${project}/nat_gateways`,
    data: { nat_gateway: { name: 'nat_001', spec: '1', description: 'über 网关' } },
  },
  {
    name: 'a DELETE of a path with an escape in it',
    method: 'DELETE',
    host: '127.0.0.1:8080',
    path: `/v3/${project}/nat_gateways/5b4ba9a2-bcd4-4d1f-a1c1-2f8ee8a6c6a8/tags/key%20one`,
  },
  {
    name: 'a query with repeated names, reserved characters and non-ASCII',
    method: 'GET',
    host: '127.0.0.1:19500',
    path: `/v2/${project}/snat_rules`,
    query: { 'b~': ['z', 'a+b', "it's"], a: '/x?y=1&z', name: '网关 *(1)!' },
  },
  {
    name: 'a PUT with a body and a path with reserved characters',
    method: 'PUT',
    host: 'nat.example.com:443',
    path: `/v2/${project}/nat_gateways/(draft)!*`,
    data: { nat_gateway: { name: 'new_name' } },
  },
];

describe('SDK-HMAC-SHA256 signing', () => {
  // Computed once by Huawei Cloud's SDK for Node.js (huaweicloud-sdk-core 3.1.211), kept as they came.
  for (const [index, signature] of [
    '631eae901dc943976d9d37ff113a63868191b04152837d271c06f2d90598d3a4',
    'f28b85e26122e4a7c417a41b49b52bd07766d2f388f51989140acd2bec170462',
  ].entries()) {
    const request = cases[index] as Case;
    test(`signs ${request.name} as the fixed vector from the SDK says`, () => {
      const { authorization } = signRequest(wire(request), key);
      assert.equal(parseAuthorization(authorization)?.signature, signature);
    });
  }

  for (const request of cases) {
    test(`signs ${request.name} exactly as Huawei Cloud's SDK does`, () => {
      assert.equal(signRequest(wire(request), key).authorization, sdkAuthorization(request));
    });
  }

  test('adds an X-Sdk-Date of the given time when the request has none', () => {
    const { host, ...headers } = wire(cases[0] as Case).headers;
    const { 'x-sdk-date': _, ...undated } = headers;
    const signed = signRequest(
      { ...wire(cases[0] as Case), headers: { host, ...undated } },
      key,
      new Date('2026-11-27T16:05:09.987Z'),
    );
    assert.equal(signed['x-sdk-date'], date);
    assert.equal(signed.authorization, sdkAuthorization(cases[0] as Case));
  });

  test('refuses to sign a request without its host', () => {
    assert.throws(() => signRequest({ method: 'GET', url: '/', headers: {} }, key), /host/);
  });

  test('gives another signature for another secret, body, path or header', () => {
    const request = wire(cases[1] as Case);
    const base = signRequest(request, key).authorization;
    for (const changed of [
      signRequest(request, { ...key, secretKey: `${key.secretKey}x` }),
      signRequest({ ...request, body: `${request.body} ` }, key),
      signRequest({ ...request, url: request.url.replace('nat_gateways', 'snat_rules') }, key),
      signRequest({ ...request, headers: { ...request.headers, 'x-project-id': 'other' } }, key),
    ])
      assert.notEqual(changed.authorization, base);
  });
});

describe('the canonical parts', () => {
  test('encodes each path segment again, escapes included, and ends it with a slash', () => {
    assert.equal(canonicalUri('/v2/p/tags/a%20b'), '/v2/p/tags/a%2520b/');
    assert.equal(canonicalUri('/v2/p/x/'), '/v2/p/x/');
    // The SDK's URL parser escapes `'` before its signer encodes it: twice, as a space.
    assert.equal(canonicalUri("/a/(b)!*'~"), '/a/%28b%29%21%2A%2527~/');
  });

  test("keeps the HTTP client's escapes of non-ASCII bytes, or encodes them again when the caller made them", () => {
    assert.equal(canonicalUri('/t/%E9%94%AE%20a'), '/t/%E9%94%AE%2520a/');
    assert.equal(canonicalUri('/t/%E9%94%AE%20a', 'caller'), '/t/%25E9%2594%25AE%2520a/');
    // An escape no HTTP client makes (lower case, or of a printable byte) is the caller's either way.
    assert.equal(canonicalUri('/t/%e9%41'), '/t/%25e9%2541/');
    assert.equal(ambiguousEscapes('/t/%E9%94%AE'), true);
    assert.equal(ambiguousEscapes('/t/%e9%41%20'), false);
  });

  test('sorts the query by name then value, and encodes all but the unreserved characters', () => {
    assert.equal(canonicalQuery('b=2&a=x+y&a=w%20v&c'), 'a=w%20v&a=x%20y&b=2&c=');
    assert.equal(canonicalQuery('?name=%E7%BD%91*'), 'name=%E7%BD%91%2A');
    assert.equal(canonicalQuery(''), '');
  });

  test('finds no canonical query in a malformed escape', () => {
    assert.equal(canonicalQuery('a=%E7%BD'), undefined);
    assert.equal(canonicalQuery('a=%zz'), undefined);
  });

  test('writes and reads X-Sdk-Date as YYYYMMDDTHHMMSSZ, and nothing else', () => {
    assert.equal(sdkDate(new Date('2026-01-02T03:04:05.678Z')), '20260102T030405Z');
    assert.equal(parseSdkDate('20260102T030405Z')?.toISOString(), '2026-01-02T03:04:05.000Z');
    for (const bad of ['20261302T030405Z', '20260102T030405', '2026-01-02T03:04:05Z', '20260230T000000Z', ''])
      assert.equal(parseSdkDate(bad), undefined, bad);
  });

  test('hashes the empty body as the known constant', () => {
    assert.equal(sha256Hex(''), emptyBodyHash);
  });

  test('reads the three parts of an authorization, and nothing that lacks one', () => {
    assert.deepEqual(
      parseAuthorization('SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=ab12'),
      {
        accessKey: 'AK',
        signedHeaders: ['host', 'x-sdk-date'],
        signature: 'ab12',
      },
    );
    for (const bad of [
      'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host',
      'Bearer x',
      'SDK-HMAC-SHA256 Access=AK SignedHeaders=host Signature=ab',
      `SDK-HMAC-SHA256 Access=${'A'.repeat(9000)}, SignedHeaders=host, Signature=ab`,
    ])
      assert.equal(parseAuthorization(bad), undefined, bad);
  });
});

/**
 * Tag keys in a path, as Huawei Cloud's SDK puts them there (`DELETE …/tags/{key}`, the key as
 * given) and sends them: its signer reads the URL with Node's legacy parser, its HTTP client
 * (axios) sends the path as a WHATWG URL encodes it.
 */
describe("the path as Huawei Cloud's SDK signs and sends it", () => {
  const origin = 'http://127.0.0.1:19500';
  const tagPath = (key: string) =>
    `/v3/${project}/nat_gateways/5b4ba9a2-bcd4-4d1f-a1c1-2f8ee8a6c6a8/tags/${key}`;
  // The signer's own canonical URI, of the path its parser reads (a static method it keeps protected).
  const signer = AKSKSigner as unknown as { CanonicalURI(path: string): string };
  const sdkCanonical = (path: string) => signer.CanonicalURI(parseUrl(`${origin}${path}`).pathname ?? '');
  const sent = (path: string) => new URL(`${origin}${path}`).pathname;

  const tagKeys = [
    '键 a',
    'key one',
    'a+b',
    '100%',
    '%41',
    ":@!&'()*,;=$",
    '[x]',
    '~tilde_-.',
    '😀',
    'é',
    'a|b^c`d{e}"f<g>',
    '%e9',
    '%2F',
  ];
  for (const tag of tagKeys) {
    test(`signs the tag key ${JSON.stringify(tag)} as the SDK does`, () => {
      const path = tagPath(tag);
      assert.equal(canonicalUri(sent(path)), sdkCanonical(path));
      const credential = new BasicCredentials().withAk(key.accessKey).withSk(key.secretKey);
      const headers = { 'content-type': 'application/json', 'X-Project-Id': project, 'X-Sdk-Date': date };
      const sdk = AKSKSigner.sign(
        { endpoint: `${origin}${path}`, method: 'DELETE', headers, queryParams: {} },
        credential,
      ) as { Authorization: string };
      const ours = signRequest(
        {
          method: 'DELETE',
          url: sent(path),
          headers: {
            host: '127.0.0.1:19500',
            'content-type': 'application/json',
            'x-project-id': project,
            'x-sdk-date': date,
          },
        },
        key,
      );
      assert.equal(ours.authorization, sdk.Authorization);
    });
  }

  test('a key the caller encoded beforehand is the "caller" reading of the same path', () => {
    for (const tag of tagKeys) {
      const path = tagPath(encodeURIComponent(tag));
      assert.equal(canonicalUri(sent(path), 'caller'), sdkCanonical(path));
    }
  });

  test('signs any tag key as the SDK does, but what the path cannot carry or reads two ways', () => {
    const stressed = fc.constantFrom(...'%AF9e +\'|^`{}"<>[]:@!$&()*,;=~é键😀\u0001\u007f'.split(/(?:)/u));
    const tag = fc
      .string({
        minLength: 1,
        maxLength: 12,
        unit: fc.oneof(stressed, fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })),
      })
      // Not in a path segment: a separator, or what the parser and the URL standard drop or trim.
      .filter((text) => !/[/\\?#\t\n\r]|[\s\p{Cc}]$/u.test(text))
      // An escape of a non-ASCII or control byte written by the caller reads as one the client made.
      .filter((text) => !ambiguousEscapes(text));
    fc.assert(
      fc.property(tag, (text) => {
        const path = tagPath(text);
        assert.equal(canonicalUri(sent(path)), sdkCanonical(path));
      }),
      { numRuns: 2000 },
    );
  });
});
