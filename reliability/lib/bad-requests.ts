/**
 * fast-check arbitraries of bad HTTP requests, as bytes for a bare socket: broken JSON, wrong
 * types, huge and deep bodies, `__proto__`/`constructor` keys, invalid UTF-8, over-long headers
 * and URLs, odd methods, path traversal, duplicate and conflicting headers, odd versions, v3 list
 * queries (repeated keys, odd `page_reverse`, `limit` and `marker` values). Each
 * starts from a real request of the NAT Gateway API, so that it gets past what it does not break.
 */
import fc from 'fast-check';
import { demoNet, privateNet, tokenBody } from './api.js';
import { requestBytes } from './raw.js';

export interface BadRequest {
  kind: string;
  target: 'gateway' | 'natgw';
  method: string;
  bytes: Buffer;
}

export interface Known {
  token: string;
  project: string;
  /** An ACTIVE gateway of the project. */
  gateway: string;
  /** A private NAT gateway of the project. */
  privateGateway: string;
  /** A transit IP address of the project. */
  transitIp: string;
  /** An SNAT and a DNAT rule of the gateway. */
  snatRule: string;
  dnatRule: string;
}

const demoPrivate = privateNet('demo');

interface Endpoint {
  method: string;
  path: string;
  body: Record<string, unknown>;
  auth: boolean;
}

function endpoints(known: Known): Endpoint[] {
  const { project, gateway } = known;
  return [
    {
      method: 'POST',
      path: '/v2.0/nat_gateways',
      auth: true,
      body: {
        nat_gateway: {
          name: 'fz',
          description: 'fuzz',
          spec: '1',
          router_id: demoNet.router,
          internal_network_id: demoNet.internalNetwork,
        },
      },
    },
    {
      method: 'PUT',
      path: `/v2.0/nat_gateways/${gateway}`,
      auth: true,
      body: { nat_gateway: { name: 'fz', description: 'fuzz', spec: '1' } },
    },
    {
      method: 'POST',
      path: '/v2.0/snat_rules',
      auth: true,
      body: {
        snat_rule: {
          nat_gateway_id: gateway,
          network_id: demoNet.subnet(1),
          floating_ip_id: demoNet.eip(1),
          source_type: 0,
        },
      },
    },
    {
      method: 'POST',
      path: '/v2.0/dnat_rules',
      auth: true,
      body: {
        dnat_rule: {
          nat_gateway_id: gateway,
          port_id: demoNet.port(1),
          internal_service_port: 22,
          floating_ip_id: demoNet.eip(2),
          external_service_port: 2222,
          protocol: 'tcp',
        },
      },
    },
    {
      method: 'POST',
      path: `/v2.0/${project}/nat_gateways/${gateway}/tags`,
      auth: true,
      body: { tag: { key: 'k', value: 'v' } },
    },
    {
      method: 'POST',
      path: `/v2.0/${project}/nat_gateways/${gateway}/tags/action`,
      auth: true,
      body: { action: 'create', tags: [{ key: 'k1', value: 'v1' }] },
    },
    {
      method: 'POST',
      path: `/v2.0/${project}/nat_gateways/resource_instances/action`,
      auth: true,
      body: { action: 'filter', limit: '10', tags: [{ key: 'k', values: ['v'] }], matches: [] },
    },
    { method: 'POST', path: '/v3/auth/tokens', auth: false, body: tokenBody('demo') },
    ...privateEndpoints(known),
  ];
}

/** Private NAT (v3) and Huawei's rule updates and batch DNAT (`/v2/{project_id}`). */
function privateEndpoints({
  project,
  gateway,
  privateGateway,
  transitIp,
  snatRule,
  dnatRule,
}: Known): Endpoint[] {
  const dnat = {
    nat_gateway_id: gateway,
    port_id: demoNet.port(3),
    internal_service_port: 8080,
    floating_ip_id: demoNet.eip(4),
    external_service_port: 8080,
    protocol: 'tcp',
  };
  return [
    {
      method: 'POST',
      path: `/v3/${project}/private-nat/gateways`,
      auth: true,
      body: {
        gateway: {
          name: 'fz',
          description: 'fuzz',
          spec: 'Small',
          enterprise_project_id: '0',
          downlink_vpcs: [
            {
              virsubnet_id: demoPrivate.servedSubnet(5),
              ngport_ip_address: demoPrivate.servedAddress(5, 20),
            },
          ],
          tags: [{ key: 'k', value: 'v' }],
        },
      },
    },
    {
      method: 'PUT',
      path: `/v3/${project}/private-nat/gateways/${privateGateway}`,
      auth: true,
      body: { gateway: { name: 'fz', description: 'fuzz', spec: 'Medium' } },
    },
    {
      method: 'POST',
      path: `/v3/${project}/private-nat/transit-ips`,
      auth: true,
      body: {
        transit_ip: {
          virsubnet_id: demoPrivate.transitSubnet(5),
          ip_address: demoPrivate.transitAddress(5, 20),
          enterprise_project_id: '0',
          tags: [{ key: 'k', value: 'v' }],
        },
      },
    },
    {
      method: 'POST',
      path: `/v3/${project}/transit-ips/${transitIp}/tags/action`,
      auth: true,
      body: { action: 'create', tags: [{ key: 'k1', value: 'v1' }] },
    },
    {
      method: 'POST',
      path: `/v3/${project}/transit-ips/resource_instances/action`,
      auth: true,
      body: { action: 'filter', limit: '10', tags: [{ key: 'k', values: ['v'] }], matches: [] },
    },
    {
      method: 'PUT',
      path: `/v2/${project}/snat_rules/${snatRule}`,
      auth: true,
      body: { snat_rule: { nat_gateway_id: gateway, description: 'fuzz', public_ip_address: '80.0.0.9' } },
    },
    {
      method: 'PUT',
      path: `/v2/${project}/dnat_rules/${dnatRule}`,
      auth: true,
      body: { dnat_rule: { nat_gateway_id: gateway, description: 'fuzz', internal_service_port: 81 } },
    },
    { method: 'POST', path: `/v2/${project}/dnat_rules/batch`, auth: true, body: { dnat_rules: [dnat] } },
  ];
}

/** The v3 lists and the filters each takes, for queries with repeated keys. */
function v3Lists(project: string): [string, string[]][] {
  return [
    [
      `/v3/${project}/private-nat/gateways`,
      [
        'id',
        'name',
        'description',
        'spec',
        'project_id',
        'status',
        'vpc_id',
        'virsubnet_id',
        'enterprise_project_id',
      ],
    ],
    [
      `/v3/${project}/private-nat/transit-ips`,
      [
        'id',
        'project_id',
        'network_interface_id',
        'ip_address',
        'gateway_id',
        'enterprise_project_id',
        'virsubnet_id',
        'transit_subnet_id',
        'description',
      ],
    ],
  ];
}

function paths({ project, gateway, privateGateway, transitIp, dnatRule }: Known): string[] {
  return [
    `/v3/${project}/private-nat/gateways?name=a&name=b&page_reverse=true`,
    `/v3/${project}/private-nat/transit-ips?virsubnet_id=${demoPrivate.transitSubnet(1)}&virsubnet_id=x&limit=1`,
    `/v3/${project}/private-nat/gateways/${privateGateway}`,
    `/v3/${project}/private-nat/transit-ips/${transitIp}`,
    `/v3/${project}/transit-ips/${transitIp}/tags`,
    `/v3/${project}/transit-ips/tags`,
    `/v2/${project}/dnat_rules/${dnatRule}`,
    `/v2/${project}/dnat_rules/batch`,
    '/',
    '/v2.0',
    '/v2.0/nat_gateways',
    `/v2.0/nat_gateways/${gateway}`,
    '/v2.0/snat_rules',
    '/v2.0/dnat_rules',
    `/v2.0/${project}/nat_gateways/${gateway}/tags`,
    `/v2.0/${project}/nat_gateways/tags`,
    '/v3/auth/tokens',
    '/openapi.json',
    '/nothing/here',
  ];
}

/** Every path into a JSON value, objects and arrays included, the root as []. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) out.push(...pathsOf(item, [...prefix, index]));
  } else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) out.push(...pathsOf(item, [...prefix, key]));
  return out;
}

function replaceAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
  return copy;
}

interface Spec {
  method: string | Buffer;
  target: string | Buffer;
  headers: [string, string | Buffer][];
  body?: Buffer;
  version?: string;
}

/** Host, token, content type and length, Connection: close; `omit` leaves some out. */
function standard(
  known: Known,
  options: { auth: boolean; body?: Buffer; omit?: string[] },
): [string, string][] {
  const omit = new Set(options.omit ?? []);
  const headers: [string, string][] = [];
  if (!omit.has('host')) headers.push(['Host', '127.0.0.1']);
  if (options.auth && !omit.has('x-auth-token')) headers.push(['X-Auth-Token', known.token]);
  if (options.body !== undefined) {
    if (!omit.has('content-type')) headers.push(['Content-Type', 'application/json']);
    if (!omit.has('content-length')) headers.push(['Content-Length', String(options.body.length)]);
  }
  if (!omit.has('connection')) headers.push(['Connection', 'close']);
  return headers;
}

function bytesOf(spec: Spec): Buffer {
  return requestBytes(spec.method, spec.target, spec.headers, spec.body, spec.version);
}

const jsonish = '{}[]":,\\ \t\n0123456789eE-+.tfnul'.split('');
const tchar = "!#$%&'*+-.^_`|~ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".split('');
const oddMethods = [
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'LINK',
  'UNLINK',
  'PURGE',
  'SEARCH',
  'REPORT',
  'MKACTIVITY',
  'CHECKOUT',
  'MERGE',
  'M-SEARCH',
  'NOTIFY',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'PATCH',
  'QUERY',
  'TRACE',
  'CONNECT',
  'OPTIONS',
  'HEAD',
  'get',
  'Get',
  'pOST',
  'BREW',
  'FOO',
  'SOURCE',
  'BIND',
  'REBIND',
  'UNBIND',
  'ACL',
  'MKCALENDAR',
  'DELETE',
  'PUT',
];
const badUtf8 = [
  [0xff],
  [0xfe],
  [0x80],
  [0xc3, 0x28],
  [0xa0, 0xa1],
  [0xe2, 0x28, 0xa1],
  [0xe2, 0x82, 0x28],
  [0xf0, 0x28, 0x8c, 0xbc],
  [0xf0, 0x90, 0x28, 0xbc],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
].map((bytes) => Buffer.from(bytes));
const segments = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E',
  '..%2f',
  '..%2F',
  '%2f',
  '%5c',
  '\\',
  '..\\',
  '%00',
  '',
  ';',
  '%252e%252e',
  '~',
  'etc',
  'passwd',
  'nat_gateways',
  'v2.0',
  'v3',
  '%',
  '%zz',
  '%c0%af',
  '..;',
  '.%2e',
  '*',
  '9ad601814ac94c80bf7bb9073ded66fc',
  '27e25061336f4af590faeabeb7fcd9a3',
  'tags',
  'action',
];
const versions = [
  'HTTP/1.0',
  'HTTP/0.9',
  'HTTP/2.0',
  'HTTP/1.2',
  'HTTP/1.1x',
  'HTTP/11',
  'http/1.1',
  'HTTP/1',
  'HTTP/3.0',
  'ICE/1.0',
];
const contentTypes = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/xml',
  'application/json;;',
  'application/jsonx',
  '*/*',
  '',
  'application/json, text/plain',
  'APPLICATION/JSON',
  'application/problem+json',
  'application/octet-stream',
];

export function badRequests(known: Known): fc.Arbitrary<BadRequest> {
  const eps = endpoints(known);
  const somePath = fc.constantFrom(...paths(known));
  const endpoint = fc.constantFrom(...eps);
  const target = fc.constantFrom<'gateway' | 'natgw'>('gateway', 'natgw');
  const withBody = (ep: Endpoint, body: Buffer, extra: [string, string][] = []): Spec => ({
    method: ep.method,
    target: ep.path,
    headers: [...standard(known, { auth: ep.auth, body }), ...extra],
    body,
  });

  const brokenJson = fc
    .tuple(
      endpoint,
      fc.oneof(
        fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
        fc.record({
          op: fc.constant('insert' as const),
          at: fc.nat(),
          text: fc.string({ minLength: 1, maxLength: 4, unit: fc.constantFrom(...jsonish) }),
        }),
        fc.record({
          op: fc.constant('delete' as const),
          at: fc.nat(),
          count: fc.integer({ min: 1, max: 3 }),
        }),
        fc.record({
          op: fc.constant('garbage' as const),
          text: fc.string({ maxLength: 200, unit: 'binary' }),
        }),
        fc.record({
          op: fc.constant('junk' as const),
          text: fc.constantFrom(
            '{"a":}',
            '[',
            '{"a" 1}',
            '{"a":1,}',
            '[1,]',
            'NaN',
            '{"a":Infinity}',
            "{'a':1}",
            '{"a":1}/*c*/',
            '{"a":1}{"b":2}',
            '',
            ' ',
            'null',
            '"\\ud800"',
            '{"a":"\\x41"}',
            '{"a":01}',
            '{"a":1e999}',
            '{"a":-}',
            '\ufeff{}',
            '{"a":"\u0000"}',
            'true',
            '[]',
            '""',
          ),
        }),
      ),
    )
    .map(([ep, mutation]): Spec => {
      const text = JSON.stringify(ep.body);
      let broken: string;
      if (mutation.op === 'truncate') broken = text.slice(0, mutation.at % text.length);
      else if (mutation.op === 'insert') {
        const at = mutation.at % (text.length + 1);
        broken = text.slice(0, at) + mutation.text + text.slice(at);
      } else if (mutation.op === 'delete') {
        const at = mutation.at % text.length;
        broken = text.slice(0, at) + text.slice(at + mutation.count);
      } else broken = mutation.text;
      return withBody(ep, Buffer.from(broken, 'utf8'));
    });

  const wrongTypes = fc
    .tuple(
      endpoint,
      fc.nat(),
      fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.constantFrom(
          null,
          true,
          false,
          0,
          -1,
          1.5,
          1e308,
          -1e308,
          '',
          [],
          {},
          'x'.repeat(300),
          [[[]]],
          '1',
          'true',
        ),
      ),
    )
    .map(([ep, index, value]) => {
      const all = pathsOf(ep.body);
      const path = all[index % all.length] ?? [];
      return withBody(ep, Buffer.from(JSON.stringify(replaceAt(ep.body, path, value)) ?? 'null'));
    });

  const huge = fc
    .tuple(
      endpoint,
      fc.integer({ min: 100_000, max: 2_500_000 }),
      fc.constantFrom('string', 'array', 'keys', 'spaces'),
    )
    .map(([ep, size, shape]) => {
      let body: string;
      if (shape === 'string') body = `{"nat_gateway":{"name":"${'a'.repeat(size)}"}}`;
      else if (shape === 'array') body = `[${'1,'.repeat(Math.floor(size / 2))}1]`;
      else if (shape === 'keys')
        body = `{${Array.from({ length: Math.floor(size / 12) }, (_, i) => `"k${i}":1`).join(',')}}`;
      else body = `${' '.repeat(size)}${JSON.stringify(ep.body)}`;
      return withBody(ep, Buffer.from(body));
    });

  const deep = fc
    .tuple(
      endpoint,
      fc.integer({ min: 100, max: 200_000 }),
      fc.constantFrom('array', 'object', 'mixed'),
      fc.boolean(),
    )
    .map(([ep, depth, kind, inField]) => {
      const open = kind === 'array' ? '[' : kind === 'object' ? '{"a":' : '{"a":[';
      const close = kind === 'array' ? ']' : kind === 'object' ? '}' : ']}';
      const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
      const text = JSON.stringify(ep.body);
      // In a field: the first string value is replaced by the nested value.
      const body = inField ? text.replace(/:"[^"]*"/, `:${nested}`) : nested;
      return withBody(ep, Buffer.from(body));
    });

  const protoKeys = fc
    .tuple(
      endpoint,
      fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        '__defineGetter__',
        'hasOwnProperty',
        'toString',
        'valueOf',
      ),
      fc.nat(),
      fc.constantFrom('{}', '{"polluted":true}', '{"prototype":{"polluted":true}}', '1', '"x"', 'null', '[]'),
      fc.constantFrom('body', 'query', 'tag'),
      somePath,
    )
    .map(([ep, key, at, value, where, path]): Spec => {
      if (where === 'query') {
        return {
          method: 'GET',
          target: `${path}?${key}[polluted]=1&${key}.polluted=1&a[${key}][polluted]=1&${key}=${encodeURIComponent(value)}`,
          headers: standard(known, { auth: true }),
        };
      }
      if (where === 'tag') {
        const body = Buffer.from(`{"tag":{"key":"${key}","value":"v"},"${key}":${value}}`);
        return withBody(eps[4] ?? ep, body);
      }
      // After one of the opening braces of the body.
      const text = JSON.stringify(ep.body);
      const braces = [...text.matchAll(/\{/g)].map((match) => match.index ?? 0);
      const brace = braces[at % braces.length] ?? 0;
      const body = `${text.slice(0, brace + 1)}"${key}":${value},${text.slice(brace + 1)}`.replace(
        /,}/g,
        '}',
      );
      return withBody(ep, Buffer.from(body));
    });

  const invalidUtf8 = fc
    .tuple(
      endpoint,
      fc.oneof(
        fc.constantFrom(...badUtf8),
        fc.uint8Array({ minLength: 1, maxLength: 8 }).map((u) => Buffer.from(u)),
      ),
      fc.constantFrom(
        'path',
        'query',
        'header',
        'body',
        'token',
        'content-type',
        'accept-language',
        'request-id',
        'header-name',
      ),
    )
    .map(([ep, bad, place]): Spec => {
      const text = Buffer.from(JSON.stringify(ep.body));
      if (place === 'body') {
        const at = text.indexOf('"', text.indexOf(':') + 1) + 1;
        return withBody(ep, Buffer.concat([text.subarray(0, at), bad, text.subarray(at)]));
      }
      if (place === 'path' || place === 'query') {
        const target = Buffer.concat([
          Buffer.from(ep.path),
          Buffer.from(place === 'query' ? '?name=' : '/'),
          bad,
        ]);
        return { method: 'GET', target, headers: standard(known, { auth: true }) };
      }
      const headers: [string, string | Buffer][] = standard(known, {
        auth: place !== 'token',
        body: text,
      });
      if (place === 'token')
        headers.push(['X-Auth-Token', Buffer.concat([Buffer.from(known.token.slice(0, 10)), bad])]);
      if (place === 'header') headers.push(['X-Anything', bad]);
      if (place === 'content-type')
        headers.push(['Content-Type', Buffer.concat([Buffer.from('application/json; charset='), bad])]);
      if (place === 'accept-language')
        headers.push(['Accept-Language', Buffer.concat([Buffer.from('zh-'), bad])]);
      if (place === 'request-id') headers.push(['X-Request-Id', Buffer.concat([Buffer.from('req-'), bad])]);
      if (place === 'header-name')
        headers.push([Buffer.concat([Buffer.from('X-'), bad]).toString('latin1'), 'v']);
      return { method: ep.method, target: ep.path, headers, body: text };
    });

  const overLong = fc
    .tuple(
      somePath,
      fc.constantFrom(
        'header-value',
        'header-count',
        'url-path',
        'query',
        'header-name',
        'request-id',
        'method',
      ),
      fc.integer({ min: 4_000, max: 100_000 }),
    )
    .map(([path, what, size]): Spec => {
      const headers = standard(known, { auth: true });
      const filler = 'a'.repeat(size);
      if (what === 'header-value')
        return { method: 'GET', target: path, headers: [...headers, ['X-Long', filler]] };
      if (what === 'header-name')
        return { method: 'GET', target: path, headers: [...headers, [`X-${filler}`, 'v']] };
      if (what === 'request-id')
        return { method: 'GET', target: path, headers: [...headers, ['X-Request-Id', filler]] };
      if (what === 'header-count') {
        const many = Array.from({ length: Math.floor(size / 20) }, (_, i): [string, string] => [
          `X-H${i}`,
          'value',
        ]);
        return { method: 'GET', target: path, headers: [...headers, ...many] };
      }
      if (what === 'method') return { method: 'G'.repeat(size), target: path, headers };
      if (what === 'query') return { method: 'GET', target: `${path}?name=${filler}`, headers };
      return { method: 'GET', target: `${path}/${filler}`, headers };
    });

  const methods = fc
    .tuple(
      fc.oneof(
        fc.constantFrom(...oddMethods),
        fc.string({ minLength: 1, maxLength: 24, unit: fc.constantFrom(...tchar) }),
        fc.string({ minLength: 0, maxLength: 12, unit: 'binary-ascii' }),
      ),
      somePath,
      fc.boolean(),
      fc.boolean(),
    )
    .map(([method, path, body, auth]): Spec => {
      const payload = body ? Buffer.from('{"a":1}') : undefined;
      return {
        method,
        target: path,
        headers: standard(known, { auth, ...(payload ? { body: payload } : {}) }),
        ...(payload ? { body: payload } : {}),
      };
    });

  const traversal = fc
    .tuple(
      fc.constantFrom(
        '/',
        '/v2.0/',
        '/v2.0/nat_gateways/',
        `/v2.0/${known.project}/nat_gateways/`,
        `/v3/${known.project}/private-nat/`,
        `/v2/${known.project}/dnat_rules/`,
        '',
        'http://127.0.0.1',
        '//',
        '/v3/',
      ),
      fc.array(fc.constantFrom(...segments), { minLength: 1, maxLength: 8 }),
      fc.constantFrom('GET', 'PUT', 'DELETE', 'POST', 'HEAD'),
      fc.boolean(),
      fc.option(fc.constantFrom('?limit=1', '?marker=../../x', '?id=..%2f', '?a=%00', '#frag', '?name=%zz'), {
        nil: '',
      }),
    )
    .map(([prefix, parts, method, auth, suffix]): Spec => {
      const body = method === 'PUT' || method === 'POST' ? Buffer.from('{}') : undefined;
      return {
        method,
        target: `${prefix}${parts.join('/')}${suffix}`,
        headers: standard(known, { auth, ...(body ? { body } : {}) }),
        ...(body ? { body } : {}),
      };
    });

  const conflicting = fc
    .tuple(
      endpoint,
      fc.constantFrom(
        'two-lengths',
        'length-and-chunked',
        'transfer-encoding',
        'bad-chunks',
        'two-hosts',
        'no-host',
        'odd-host',
        'two-tokens',
        'two-content-types',
        'odd-content-type',
        'two-request-ids',
        'odd-accept',
        'odd-accept-language',
        'expect',
        'upgrade',
        'obs-fold',
        'bare-lf',
        'space-before-colon',
        'nul',
        'version',
        'lying-length',
        'negative-length',
      ),
      fc.nat(),
      fc.string({ maxLength: 40, unit: 'binary-ascii' }),
    )
    .map(([ep, how, n, junk]): Spec => {
      const body = Buffer.from(JSON.stringify(ep.body));
      const base = standard(known, { auth: ep.auth, body, omit: ['content-length'] });
      const spec = (
        headers: [string, string | Buffer][],
        payload: Buffer = body,
        version?: string,
      ): Spec => ({
        method: ep.method,
        target: ep.path,
        headers,
        body: payload,
        ...(version ? { version } : {}),
      });
      const length: [string, string] = ['Content-Length', String(body.length)];
      switch (how) {
        case 'two-lengths':
          return spec([...base, length, ['Content-Length', String(n % 2 === 0 ? body.length : n % 1000)]]);
        case 'length-and-chunked':
          return spec([...base, length, ['Transfer-Encoding', 'chunked']]);
        case 'transfer-encoding': {
          const te = [
            'chunked, chunked',
            'gzip, chunked',
            'chunked;q=1',
            'identity',
            'CHUNKED',
            ' chunked',
            'x',
            'gzip',
          ];
          const chunked = Buffer.from(`${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
          return spec([...base, ['Transfer-Encoding', te[n % te.length] ?? 'x']], chunked);
        }
        case 'bad-chunks': {
          const sizes = ['zz', '-1', 'fffffffffffffffffffff', '1;ext=\u0001', '', '0x10', '  5', '5 junk'];
          return spec(
            [...base, ['Transfer-Encoding', 'chunked']],
            Buffer.from(`${sizes[n % sizes.length]}\r\n${body}\r\n0\r\n\r\n`, 'latin1'),
          );
        }
        case 'two-hosts':
          return spec([...base, length, ['Host', n % 2 === 0 ? '127.0.0.1' : 'evil.example']]);
        case 'no-host':
          return spec([...standard(known, { auth: ep.auth, body, omit: ['host'] })]);
        case 'odd-host':
          return spec([...standard(known, { auth: ep.auth, body, omit: ['host'] }), ['Host', junk]]);
        case 'two-tokens':
          return spec([...base, length, ['X-Auth-Token', n % 2 === 0 ? known.token : junk]]);
        case 'two-content-types':
          return spec([...base, length, ['Content-Type', contentTypes[n % contentTypes.length] ?? '']]);
        case 'odd-content-type':
          return spec([
            ...standard(known, { auth: ep.auth, body, omit: ['content-type'] }),
            ['Content-Type', contentTypes[n % contentTypes.length] ?? ''],
          ]);
        case 'two-request-ids':
          return spec([...base, length, ['X-Request-Id', 'first'], ['X-Request-Id', junk]]);
        case 'odd-accept': {
          const accepts = [
            'text/html',
            '*/*;q=0',
            'application/json;q=0',
            'application/xml',
            '',
            ',,,',
            'application/*;q=abc',
            junk,
          ];
          return spec([...base, length, ['Accept', accepts[n % accepts.length] ?? '']]);
        }
        case 'odd-accept-language':
          return spec([...base, length, ['Accept-Language', n % 2 === 0 ? 'zh-CN;q=abc, *;q=-1' : junk]]);
        case 'expect': {
          const expects = ['100-continue', 'weird', '200-ok', '', '100-continue, x'];
          return spec([...base, length, ['Expect', expects[n % expects.length] ?? '']]);
        }
        case 'upgrade':
          return spec([
            ...standard(known, { auth: ep.auth, body, omit: ['connection'] }),
            ['Connection', 'Upgrade'],
            ['Upgrade', n % 2 === 0 ? 'websocket' : 'h2c'],
          ]);
        case 'obs-fold':
          return spec([...base, length, ['X-Folded', 'a\r\n b']]);
        case 'bare-lf': {
          const bytes = bytesOf(spec([...base, length]))
            .toString('latin1')
            .replace(/\r\n/g, '\n');
          return { method: Buffer.from(bytes, 'latin1'), target: '', headers: [], version: '' };
        }
        case 'space-before-colon':
          return spec([...base, length, ['X-Spaced ', 'v']]);
        case 'nul':
          return spec([...base, length, ['X-Nul', 'a\u0000b']]);
        case 'version':
          return spec([...base, length], body, versions[n % versions.length]);
        case 'lying-length':
          // Says less than it sends: the rest is a second, broken request on the same connection.
          return spec([...base, ['Content-Length', String(Math.max(0, body.length - 1 - (n % 5)))]]);
        default:
          return spec([...base, ['Content-Length', `-${n % 100}`]]);
      }
    });

  // v3 lists: repeated keys of their filters, with paging values good and bad.
  const oddValue = fc.oneof(
    fc.constantFrom(
      'true',
      'false',
      'True',
      'False',
      '1',
      '0',
      '',
      'yes',
      '-1',
      '2001',
      '1e3',
      'null',
      '%00',
      '%zz',
    ),
    fc.constantFrom(
      '00000000-0000-0000-0000-000000000000',
      known.privateGateway,
      known.transitIp,
      known.gateway,
    ),
    fc.string({ maxLength: 80 }).map(encodeURIComponent),
  );
  const v3Queries = fc
    .tuple(
      fc.constantFrom(...v3Lists(known.project)),
      fc.array(fc.tuple(fc.nat(), oddValue), { minLength: 1, maxLength: 12 }),
      fc.array(fc.tuple(fc.constantFrom('page_reverse', 'limit', 'marker'), oddValue), { maxLength: 4 }),
    )
    .map(([[path, keys], filters, paging]): Spec => {
      const params = [
        ...filters.map(([n, value]) => `${keys[n % keys.length]}=${value}`),
        ...paging.map(([key, value]) => `${key}=${value}`),
      ];
      return {
        method: 'GET',
        target: `${path}?${params.join('&')}`,
        headers: standard(known, { auth: true }),
      };
    });

  const kinds: [string, fc.Arbitrary<Spec>, number][] = [
    ['v3-queries', v3Queries, 8],
    ['broken-json', brokenJson, 14],
    ['wrong-types', wrongTypes, 14],
    ['huge', huge, 1],
    ['deep', deep, 3],
    ['proto-keys', protoKeys, 8],
    ['invalid-utf8', invalidUtf8, 10],
    ['over-long', overLong, 6],
    ['odd-method', methods, 10],
    ['traversal', traversal, 12],
    ['headers', conflicting, 16],
  ];
  return fc
    .tuple(
      fc.oneof(
        ...kinds.map(([kind, arbitrary, weight]) => ({
          arbitrary: arbitrary.map((spec) => ({ kind, spec })),
          weight,
        })),
      ),
      target,
    )
    .map(([{ kind, spec }, where]) => {
      // A request line made of raw bytes (`bare-lf`) has no method, target or version of its own.
      const raw = spec.target === '' && spec.version === '' && Buffer.isBuffer(spec.method);
      return {
        kind,
        target: where,
        method: Buffer.isBuffer(spec.method)
          ? (spec.method.toString('latin1').split(' ')[0] ?? '')
          : spec.method,
        bytes: raw ? (spec.method as Buffer) : bytesOf(spec),
      };
    });
}
