import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { canonicalRequest, sdkDate, signature, signRequest } from 'statuskit/client';
import { defaultConfig, loadConfig } from '../src/config.js';
import { assertError, pageIds, project, startService, subnet, type TestService } from './harness.js';

const host = 'natgw.test';
const altProject = '27e25061336f4af590faeabeb7fcd9a3';
const keyOf = (user: string) => {
  const key = defaultConfig.accessKeys.find((candidate) => candidate.user === user);
  if (!key) throw new Error(`no access key for ${user}`);
  return { accessKey: key.access, secretKey: key.secret };
};

interface Signing {
  user?: string;
  body?: unknown;
  /** Headers signed with the request (host, content type and X-Project-Id are by default). */
  headers?: Record<string, string>;
  date?: Date;
  /** Changes what is sent after it was signed. */
  after?: (sent: { headers: Record<string, string>; body: string | undefined; url: string }) => void;
}

/** A gateway on a network of its own: the pages allow one gateway per network (NAT.0012). */
let networks = 0;
const gatewayBody = (name: string) => ({
  nat_gateway: { name, spec: '1', router_id: pageIds.router, internal_network_id: subnet(40 - networks++) },
});

describe('AK/SK (SDK-HMAC-SHA256) authentication', () => {
  let service: TestService;

  /** Injects a request signed with the user's access key, as Huawei Cloud's SDKs sign it. */
  async function signed(method: string, url: string, signing: Signing = {}): Promise<LightMyRequestResponse> {
    const body = signing.body === undefined ? undefined : JSON.stringify(signing.body);
    const headers: Record<string, string> = {
      host,
      'content-type': 'application/json',
      'x-project-id': project,
      ...signing.headers,
    };
    const key = keyOf(signing.user ?? 'demo');
    Object.assign(
      headers,
      signRequest({ method, url, headers, ...(body === undefined ? {} : { body }) }, key, signing.date),
    );
    const sent = { headers, body, url };
    signing.after?.(sent);
    return service.app.inject({
      method: method as 'GET',
      url: sent.url,
      headers: sent.headers,
      ...(sent.body === undefined ? {} : { payload: sent.body }),
    });
  }

  /** A 401 in the pages' code, with the message of the check that failed and the scheme to use. */
  function refused(response: LightMyRequestResponse, message: RegExp) {
    assertError(response, 401, 'VPC.0008');
    assert.match(response.json().error.message, message);
    assert.equal(response.headers['www-authenticate'], 'SDK-HMAC-SHA256');
  }

  before(async () => {
    service = await startService('sqlite');
  });
  after(() => service.close());

  test('a signed request acts as the key’s user in the project of X-Project-Id', async () => {
    const created = await signed('POST', `/v2/${project}/nat_gateways`, { body: gatewayBody('aksk_nat') });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().nat_gateway.id;
    assert.equal(created.headers.location, `http://127.0.0.1:8080/v2/${project}/nat_gateways/${id}`);
    const listed = await signed('GET', `/v2/${project}/nat_gateways?name=aksk_nat&limit=5`);
    assert.deepEqual(
      listed.json().nat_gateways.map((gateway: { id: string }) => gateway.id),
      [id],
    );
    // The same gateway by the Open Telekom Cloud path, with a token: one API, two forms.
    const byToken = await service.as('demo', { url: `/v2.0/nat_gateways/${id}` });
    assert.equal(byToken.json().nat_gateway.name, 'aksk_nat');
  });

  test('an unknown access key is 401 with the answer of a wrong signature', async () => {
    refused(
      await signed('GET', `/v2/${project}/nat_gateways`, {
        after: (sent) => {
          sent.headers.authorization = String(sent.headers.authorization).replace(
            /Access=\w+/,
            'Access=NOSUCHKEY',
          );
        },
      }),
      /^The signature does not match the request/,
    );
  });

  test('a signature made with another secret is 401: the signature does not match', async () => {
    const response = await service.app.inject({
      url: `/v2/${project}/nat_gateways`,
      headers: (() => {
        const headers: Record<string, string> = {
          host,
          'content-type': 'application/json',
          'x-project-id': project,
        };
        const forged = { ...keyOf('demo'), secretKey: 'guessed' };
        return {
          ...headers,
          ...signRequest({ method: 'GET', url: `/v2/${project}/nat_gateways`, headers }, forged),
        };
      })(),
    });
    refused(response, /^The signature does not match the request/);
  });

  for (const [what, change] of [
    [
      'the body',
      (sent: { body: string | undefined }) => {
        sent.body = JSON.stringify(gatewayBody('aksk_changed'));
      },
    ],
    [
      'the path',
      (sent: { url: string }) => {
        sent.url = sent.url.replace(project, altProject);
      },
    ],
    [
      'the query',
      (sent: { url: string }) => {
        sent.url = `${sent.url}?name=other`;
      },
    ],
    [
      'a signed header',
      (sent: { headers: Record<string, string> }) => {
        sent.headers['content-type'] = 'application/json; charset=utf-8';
      },
    ],
    [
      'the host',
      (sent: { headers: Record<string, string> }) => {
        sent.headers.host = 'elsewhere.test';
      },
    ],
  ] as const) {
    test(`${what} changed after signing is 401: the signature does not match`, async () => {
      const response = await signed('POST', `/v2/${project}/nat_gateways`, {
        body: gatewayBody('aksk_signed'),
        after: change as NonNullable<Signing['after']>,
      });
      refused(response, /^The signature does not match the request/);
    });
  }

  for (const [when, offset] of [
    ['16 minutes ago', -16 * 60_000],
    ['16 minutes ahead', 16 * 60_000],
  ] as const) {
    test(`a request signed ${when} is 401: more than 15 minutes from now`, async () => {
      const date = new Date(Date.now() + offset);
      refused(
        await signed('GET', `/v2/${project}/nat_gateways`, { date }),
        new RegExp(`signed at ${sdkDate(date)} \\(X-Sdk-Date\\), more than 15 minutes from now`),
      );
    });
  }

  test('a request signed 14 minutes ago is served', async () => {
    const response = await signed('GET', `/v2/${project}/nat_gateways`, {
      date: new Date(Date.now() - 14 * 60_000),
    });
    assert.equal(response.statusCode, 200, response.body);
  });

  test('an X-Sdk-Date not of the form YYYYMMDDTHHMMSSZ is 401 saying so', async () => {
    refused(
      await signed('GET', `/v2/${project}/nat_gateways`, {
        headers: { 'x-sdk-date': '2026-11-27T16:05:09Z' },
      }),
      /X-Sdk-Date is not a time of the form YYYYMMDDTHHMMSSZ/,
    );
  });

  for (const name of ['host', 'x-sdk-date', 'x-project-id']) {
    test(`a signature that does not cover ${name} is 401 naming it`, async () => {
      const response = await signed('GET', `/v2/${project}/nat_gateways`, {
        after: (sent) => {
          sent.headers.authorization = String(sent.headers.authorization).replace(
            /SignedHeaders=([^,]+)/,
            (_, names: string) =>
              `SignedHeaders=${names
                .split(';')
                .filter((one) => one !== name)
                .join(';')}`,
          );
        },
      });
      refused(response, new RegExp(`must include ${name}\\.`));
    });
  }

  test('a signed header missing from the request is 401 naming it', async () => {
    refused(
      await signed('GET', `/v2/${project}/nat_gateways`, {
        headers: { 'x-extra': 'signed' },
        after: (sent) => {
          delete sent.headers['x-extra'];
        },
      }),
      /signed header x-extra is not in the request/,
    );
  });

  test('a request without X-Project-Id is 401 saying it is needed', async () => {
    const headers: Record<string, string> = { host, 'content-type': 'application/json' };
    const url = `/v2/${project}/nat_gateways`;
    Object.assign(headers, signRequest({ method: 'GET', url, headers }, keyOf('demo')));
    refused(await service.app.inject({ url, headers }), /names its project in X-Project-Id/);
  });

  test("a project where the key's user has no role is 401, and another project in the path 400 VPC.0007", async () => {
    refused(
      await signed('GET', `/v2/${altProject}/nat_gateways`, { headers: { 'x-project-id': altProject } }),
      /no role in project 27e25061336f4af590faeabeb7fcd9a3/,
    );
    assertError(await signed('GET', `/v2/${altProject}/nat_gateways`), 400, 'VPC.0007');
    assertError(await signed('GET', `/v3/${altProject}/nat_gateways/tags`), 400, 'VPC.0007');
  });

  test('an Authorization of the scheme but not its form is 401 saying what the form is', async () => {
    const response = await service.app.inject({
      url: `/v2/${project}/nat_gateways`,
      headers: { host, 'x-project-id': project, authorization: 'SDK-HMAC-SHA256 Signature=abc' },
    });
    refused(response, /^The Authorization header is not an SDK-HMAC-SHA256 signature of the form/);
  });

  test('an X-Sdk-Content-Sha256 that is not the hash of the body is 401 saying so', async () => {
    const response = await signed('POST', `/v2/${project}/nat_gateways`, {
      body: gatewayBody('aksk_hash'),
      headers: { 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    refused(response, /X-Sdk-Content-Sha256 is not the SHA-256 of the body/);
  });

  test('UNSIGNED-PAYLOAD, signed over as the SDKs sign it, is served without a body and refused with one', async () => {
    /** A request whose signature covers UNSIGNED-PAYLOAD in place of the body's hash. */
    const unhashed = (method: 'GET' | 'POST', url: string, body?: string) => {
      const xDate = sdkDate(new Date());
      const headers: Record<string, string> = {
        host,
        'content-type': 'application/json',
        'x-project-id': project,
        'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD',
        'x-sdk-date': xDate,
      };
      const names = Object.keys(headers).sort();
      const canonical = canonicalRequest({ method, url, headers }, names, 'UNSIGNED-PAYLOAD') as string;
      const { accessKey, secretKey } = keyOf('demo');
      headers.authorization = `SDK-HMAC-SHA256 Access=${accessKey}, SignedHeaders=${names.join(';')}, Signature=${signature(secretKey, xDate, canonical)}`;
      return service.app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body }) });
    };
    const url = `/v2/${project}/nat_gateways`;
    const listed = await unhashed('GET', url);
    assert.equal(listed.statusCode, 200, listed.body);
    // The signature holds over what was sent: only the rule that every body is hashed refuses it.
    const created = await unhashed('POST', url, JSON.stringify(gatewayBody('aksk_unhashed')));
    refused(created, /X-Sdk-Content-Sha256 is not the SHA-256 of the body/);
    const names = await service.as('demo', { url: '/v2.0/nat_gateways?name=aksk_unhashed' });
    assert.deepEqual(names.json().nat_gateways, []);
  });

  test('X-Forwarded-Host stands for the signed host only when it is the public one', async () => {
    const url = `/v2/${project}/nat_gateways`;
    const forwarded = (signedHost: string) =>
      signed('GET', url, {
        headers: { host: signedHost },
        after: (sent) => {
          sent.headers.host = host;
          sent.headers['x-forwarded-host'] = signedHost;
        },
      });
    // What the gateway forwards: the client signed natgw's public host, the gateway sets its own.
    const publicHost = new URL(service.config.publicUrl as string).host;
    assert.equal((await forwarded(publicHost)).statusCode, 200);
    // Any other host a client names is no proof: a signature made for another service stays its own.
    refused(await forwarded('elsewhere.test'), /^The signature does not match the request/);
  });

  test('a forged signature over a body gets 401, not the 403 of a read-only user nor a JSON error', async () => {
    for (const body of [gatewayBody('aksk_viewer'), undefined]) {
      const response = await signed('POST', `/v2/${project}/nat_gateways`, {
        user: 'viewer',
        body,
        after: (sent) => {
          sent.body = body === undefined ? '{"nat_gateway": ' : `${sent.body} `;
          sent.headers['content-length'] = String(Buffer.byteLength(sent.body));
        },
      });
      refused(response, /^The signature does not match the request/);
    }
  });

  test("a read-only user's signed write is 403 VPC.2701 once the signature holds", async () => {
    const response = await signed('POST', `/v2/${project}/nat_gateways`, {
      user: 'viewer',
      body: gatewayBody('aksk_ro'),
    });
    assertError(response, 403, 'VPC.2701');
  });

  test('a signed body sent chunked, without Content-Length, is checked and served', async () => {
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = service.app.server.address() as AddressInfo;
    const url = `/v2/${project}/nat_gateways`;
    const body = JSON.stringify(gatewayBody('aksk_chunked'));
    const headers: Record<string, string> = {
      host: `127.0.0.1:${port}`,
      'content-type': 'application/json',
      'x-project-id': project,
    };
    Object.assign(headers, signRequest({ method: 'POST', url, headers, body }, keyOf('demo')));
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: url, headers },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      // Two writes and no length: Node sends it chunked.
      request.write(body.slice(0, 10));
      request.end(body.slice(10));
    });
    assert.equal(status, 201);
  });
});

describe('Huawei Cloud’s project-scoped paths with a Keystone token', () => {
  let service: TestService;
  before(async () => {
    service = await startService('sqlite');
  });
  after(() => service.close());

  test('serve the same resources as the /v2.0 paths, named in the form they were asked in', async () => {
    const created = await service.as('demo', {
      method: 'POST',
      url: `/v2/${project}/nat_gateways`,
      payload: gatewayBody('token_nat'),
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().nat_gateway.id;
    assert.equal(created.headers.location, `http://127.0.0.1:8080/v2/${project}/nat_gateways/${id}`);
    const viaOtc = await service.as('demo', { url: `/v2.0/nat_gateways/${id}` });
    // Huawei Cloud's form shows three fields more: the enterprise project, the address, the billing.
    const { enterprise_project_id, ngport_ip_address, billing_info, ...shared } = (
      await service.as('demo', { url: `/v2/${project}/nat_gateways/${id}` })
    ).json().nat_gateway;
    assert.deepEqual(viaOtc.json().nat_gateway, shared);
    assert.deepEqual([enterprise_project_id, billing_info], ['0', '']);
    assert.match(ngport_ip_address, /^\d+\.\d+\.\d+\.\d+$/);
  });

  test('answers another project in the path with 400 VPC.0007 before looking at the body', async () => {
    for (const url of [
      `/v2/${altProject}/nat_gateways`,
      `/v2/${altProject}/snat_rules`,
      `/v3/${altProject}/nat_gateways/tags`,
    ]) {
      assertError(await service.as('demo', { url }), 400, 'VPC.0007');
    }
    const response = await service.as('demo', {
      method: 'POST',
      url: `/v2/${altProject}/nat_gateways`,
      headers: { 'content-type': 'application/json' },
      payload: '{"nat_gateway": ',
    });
    assertError(response, 400, 'VPC.0007');
  });

  test('answers a bodiless DELETE sent with Content-Type JSON, as the SDKs send it', async () => {
    const created = await service.as('demo', {
      method: 'POST',
      url: `/v2/${project}/nat_gateways`,
      payload: gatewayBody('token_del'),
    });
    const id = created.json().nat_gateway.id;
    const response = await service.as('demo', {
      method: 'DELETE',
      url: `/v2/${project}/nat_gateways/${id}`,
      headers: { 'content-type': 'application/json', 'content-length': '0' },
    });
    assert.equal(response.statusCode, 204, response.body);
  });
});

describe('secret keys in a configuration file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'natgw-config-'));
  const file = join(dir, 'natgw.json');
  writeFileSync(file, JSON.stringify({ accessKeys: [{ access: 'AK', secret: 'SK', user: 'demo' }] }));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('are refused when others may read the file', () => {
    chmodSync(file, 0o644);
    assert.throws(
      () => loadConfig({ NATGW_CONFIG: file }),
      /holds secret keys but its mode is 0644: chmod 600 it/,
    );
  });

  test('are taken from a file only its owner may read', () => {
    chmodSync(file, 0o600);
    assert.deepEqual(loadConfig({ NATGW_CONFIG: file }).accessKeys, [
      { access: 'AK', secret: 'SK', user: 'demo' },
    ]);
  });
});

describe('access keys in the configuration', () => {
  for (const [what, accessKeys, message] of [
    [
      'an unknown user',
      [{ access: 'AK1', secret: 'a-secret-of-16-chars', user: 'nobody' }],
      /unknown user nobody/,
    ],
    [
      'one key twice',
      [
        { access: 'AK1', secret: 'a-secret-of-16-chars', user: 'demo' },
        { access: 'AK1', secret: 'another-secret-key!!', user: 'alt' },
      ],
      /AK1 is configured twice/,
    ],
    ['a short secret', [{ access: 'AK1', secret: 'short', user: 'demo' }], /shorter than 16 characters/],
  ] as const) {
    test(`are refused at start when they name ${what}`, async () => {
      await assert.rejects(startService('sqlite', { accessKeys: [...accessKeys] }), message);
    });
  }
});
