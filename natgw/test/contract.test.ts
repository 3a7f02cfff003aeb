import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { getProfile, parseErrorBody } from 'statuskit';
import { createGateway, engines, project, startService, type TestService } from './harness.js';

const seen = new Set<number>();

/** Every row of the `nat` profile but the gateway's (407, 502, 504) comes from a real condition here. */
for (const engine of engines()) {
  describe(`the nat profile from natgw on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(() => service.close());

    async function expect(
      status: number,
      request: Parameters<TestService['as']>[1],
      user: 'demo' | 'viewer' | null = 'demo',
    ) {
      const response = user ? await service.as(user, request) : await service.app.inject(request);
      assert.equal(response.statusCode, status, response.body);
      seen.add(status);
      assert.match(String(response.headers['x-request-id']), /.+/);
      if (status >= 400) {
        const error = parseErrorBody(response.body);
        assert.equal(error?.dialect, 'error');
        assert.equal(error?.requestId, response.headers['x-request-id']);
        assert.doesNotMatch(response.body, /at .*\.(js|ts):\d+|node_modules|Error:/);
      }
      return response;
    }

    test('200 for GET and PUT', async () => {
      const id = await createGateway(service);
      await expect(200, { url: `/v2.0/nat_gateways/${id}` });
      await expect(200, {
        method: 'PUT',
        url: `/v2.0/nat_gateways/${id}`,
        payload: { nat_gateway: { description: 'x' } },
      });
    });

    test('201 for POST, 204 for DELETE', async () => {
      const id = await createGateway(service);
      seen.add(201);
      await expect(204, { method: 'DELETE', url: `/v2.0/nat_gateways/${id}` });
    });

    test('400 for malformed JSON', async () => {
      await expect(400, {
        method: 'POST',
        url: '/v2.0/nat_gateways',
        headers: { 'content-type': 'application/json' },
        payload: '{"nat_gateway":',
      });
    });

    test('401 without a token, with a forged one, and with WWW-Authenticate', async () => {
      const missing = await expect(401, { url: '/v2.0/nat_gateways' }, null);
      assert.match(String(missing.headers['www-authenticate']), /^Keystone uri=/);
      const forged = await expect(
        401,
        { url: '/v2.0/nat_gateways', headers: { 'x-auth-token': 'abc.def' } },
        null,
      );
      assert.equal(parseErrorBody(forged.body)?.code, 'VPC.0008');
    });

    test('403 when the read-only user writes', async () => {
      const response = await expect(
        403,
        { method: 'DELETE', url: '/v2.0/nat_gateways/0f0f0f0f-0000-4000-8000-000000000000' },
        'viewer',
      );
      assert.equal(parseErrorBody(response.body)?.code, 'VPC.2701');
    });

    test('404 for an unknown route and an unknown gateway', async () => {
      await expect(404, { url: '/v2.0/routers' });
      await expect(404, { url: '/v2.0/nat_gateways/0f0f0f0f-0000-4000-8000-000000000000' });
    });

    test('405 with Allow for a method the path does not serve', async () => {
      const response = await expect(405, {
        method: 'POST',
        url: '/v2.0/nat_gateways/0f0f0f0f-0000-4000-8000-000000000000',
      });
      assert.equal(response.headers.allow, 'GET, PUT, DELETE, HEAD, OPTIONS');
      // PATCH is a method HTTP knows (RFC 5789); the pages update with PUT, and Allow says so.
      const patch = await expect(405, { method: 'PATCH', url: '/v2.0/nat_gateways' });
      assert.equal(patch.headers.allow, 'POST, GET, HEAD, OPTIONS');
    });

    test('406 for Accept: application/xml', async () => {
      await expect(406, { url: '/v2.0/nat_gateways', headers: { accept: 'application/xml' } });
    });

    test('409 for an address another transit IP holds (the private NAT row NAT.1403)', async () => {
      // The public pages' conflicts are 400s (a rule still being made: NAT.0106); private NAT's are 409s.
      const assign = () =>
        service.as('demo', {
          method: 'POST',
          url: `/v3/${project}/private-nat/transit-ips`,
          payload: {
            transit_ip: { virsubnet_id: '49ee5fb5-75bf-4320-946e-b21ef4c9c9c1', ip_address: '172.20.1.77' },
          },
        });
      assert.equal((await assign()).statusCode, 201);
      const response = await assign();
      assert.equal(response.statusCode, 409, response.body);
      assert.equal(parseErrorBody(response.body)?.code, 'NAT.1403');
      assert.equal(parseErrorBody(response.body)?.requestId, response.headers['x-request-id']);
      seen.add(409);
    });

    test('501 for a method the server does not recognise', async () => {
      // light-my-request 6.6 (its last release for Node 20) types no WebDAV methods, though it sends them.
      await expect(501, { method: 'PROPFIND' as 'GET', url: '/v2.0/nat_gateways' });
      await expect(501, { method: 'LINK' as 'GET', url: '/v2.0/nat_gateways' });
    });

    test('503 with Retry-After in maintenance', async () => {
      service.app.statuskit.setMaintenance(true, 30);
      const response = await expect(503, { url: '/v2.0/nat_gateways' });
      assert.equal(response.headers['retry-after'], '30');
      service.app.statuskit.setMaintenance(false);
    });

    test('500 with nothing leaked when the database breaks under a handler', async () => {
      const id = await createGateway(service);
      await breakTable(service, engine);
      const response = await expect(500, { url: `/v2.0/nat_gateways/${id}` });
      assert.equal(
        parseErrorBody(response.body)?.message,
        'Failed to complete the request because of an internal service error.',
      );
      assert.doesNotMatch(response.body, /nat_gateways|sqlite|relation|table/i);
      assert.equal(parseErrorBody(response.body)?.code, 'NAT.1001');
    });
  });
}

/** Renames the gateways table behind the running service's back, as a broken migration would. */
async function breakTable(service: TestService, engine: string) {
  if (engine === 'sqlite') {
    const file = new Database(service.config.sqliteFile);
    file.exec('alter table nat_gateways rename to nat_gateways_lost');
    file.close();
  } else {
    const client = new pg.Client({ connectionString: service.config.databaseUrl });
    await client.connect();
    await client.query('alter table nat_gateways rename to nat_gateways_lost');
    await client.end();
  }
}

describe('408 from natgw', () => {
  test('answers a body sent too slowly with 408 in the contract body', async () => {
    const service = await startService('sqlite');
    service.app.server.requestTimeout = 500;
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = service.app.server.address() as AddressInfo;
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('close', () => resolve(text));
      socket.write(
        'POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
    });
    assert.match(answer, /^HTTP\/1\.1 408 Request Timeout/);
    assert.equal(parseErrorBody(answer.slice(answer.indexOf('\r\n\r\n') + 4))?.title, 'Request Timeout');
    seen.add(408);
    await service.close();
  });
});

describe('OPTIONS * to natgw (RFC 9112 §3.2.4)', () => {
  test('answers the server as a whole with 204 and its methods; any other method with * is NAT.0002', async () => {
    const service = await startService('sqlite');
    try {
      await service.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = service.app.server.address() as AddressInfo;
      const ask = (line: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1');
          let text = '';
          socket.on('data', (chunk) => {
            text += chunk;
          });
          socket.on('error', reject);
          socket.on('close', () => resolve(text));
          socket.write(`${line}\r\nHost: x\r\nConnection: close\r\n\r\n`);
        });
      const options = await ask('OPTIONS * HTTP/1.1');
      assert.match(options, /^HTTP\/1\.1 204 /);
      const allow = /\r\nallow: ([^\r]*)\r\n/i.exec(options)?.[1]?.split(', ');
      assert.deepEqual(new Set(allow), new Set(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']));
      for (const line of ['GET * HTTP/1.1', 'POST * HTTP/1.1']) {
        const answer = await ask(line);
        assert.match(answer, /^HTTP\/1\.1 400 /, line);
        assert.equal(parseErrorBody(answer.slice(answer.indexOf('\r\n\r\n') + 4))?.code, 'NAT.0002');
      }
    } finally {
      await service.close();
    }
  });
});

describe('coverage of the profile', () => {
  test('every code of the nat profile but 407, 502 and 504 came from natgw above', () => {
    const expected = getProfile('nat')
      .rows.map((row) => row.code)
      .filter((code) => ![407, 502, 504].includes(code));
    assert.deepEqual([...seen].sort(), expected.sort());
  });
});
