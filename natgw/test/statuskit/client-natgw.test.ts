import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  BadRequestError,
  MethodNotAllowedError,
  NotAcceptableError,
  NotFoundError,
  NotImplementedError,
  UnauthorizedError,
} from 'statuskit';
import { type Client, createClient } from 'statuskit/client';
import { pageIds, startService, subnet, type TestService, thrown } from '../harness.js';

const bounded = { timeout: 8_000 };

interface NatGateway {
  id: string;
  name: string;
  status: string;
}

/** A gateway on a network of its own: a network has one NAT gateway (NAT.0012). */
let networks = 0;
const gatewayBody = (name: string) => ({
  nat_gateway: { name, spec: '1', router_id: pageIds.router, internal_network_id: subnet(++networks) },
});

describe('the client against natgw', () => {
  let service: TestService;
  let natgw: string;
  let nat: Client;

  before(async () => {
    service = await startService('sqlite');
    natgw = await service.app.listen({ host: '127.0.0.1', port: 0 });
    service.config.publicUrl = natgw;
    nat = createClient({ baseUrl: natgw, token: await service.token('demo') });
  });
  after(async () => {
    await nat.close();
    await service.close();
  });

  test('a 201 gives the parsed body and the Location of the new resource', bounded, async () => {
    const reply = await nat.post<{ nat_gateway: NatGateway }>('/v2.0/nat_gateways', gatewayBody('created-1'));
    assert.equal(reply.status, 201);
    assert.equal(reply.body.nat_gateway.name, 'created-1');
    assert.equal(reply.location, `${natgw}/v2.0/nat_gateways/${reply.body.nat_gateway.id}`);
  });

  test('a 200 gives the parsed body, with the query sent', bounded, async () => {
    await nat.post('/v2.0/nat_gateways', gatewayBody('listed-1'));
    const { nat_gateways } = await nat.get<{ nat_gateways: NatGateway[] }>('/v2.0/nat_gateways', {
      query: { name: 'listed-1', limit: 5, marker: undefined },
    });
    assert.deepEqual(
      nat_gateways.map((gateway) => gateway.name),
      ['listed-1'],
    );
  });

  test('a 204 gives no body', bounded, async () => {
    const { body } = await nat.post<{ nat_gateway: NatGateway }>(
      '/v2.0/nat_gateways',
      gatewayBody('deleted-1'),
    );
    const reply = await nat.delete(`/v2.0/nat_gateways/${body.nat_gateway.id}`);
    assert.equal(reply.status, 204);
    assert.equal(reply.body, undefined);
  });

  test(
    'an access key signs every request instead of a token, bodies and queries included',
    bounded,
    async () => {
      const project = '9ad601814ac94c80bf7bb9073ded66fc';
      const key = service.config.accessKeys.find((one) => one.user === 'demo');
      assert.ok(key);
      const signed = createClient({
        baseUrl: natgw,
        accessKey: { accessKey: key.access, secretKey: key.secret, projectId: project },
      });
      try {
        const created = await signed.post<{ nat_gateway: NatGateway }>(
          `/v2/${project}/nat_gateways`,
          gatewayBody('signed-1'),
        );
        assert.equal(created.status, 201);
        const { nat_gateways } = await signed.get<{ nat_gateways: NatGateway[] }>(
          `/v2/${project}/nat_gateways`,
          {
            query: { name: 'signed-1', limit: 5 },
          },
        );
        assert.deepEqual(
          nat_gateways.map((gateway) => gateway.id),
          [created.body.nat_gateway.id],
        );
        assert.equal(
          (await signed.delete(`/v2/${project}/nat_gateways/${created.body.nat_gateway.id}`)).status,
          204,
        );
        const forged = createClient({
          baseUrl: natgw,
          accessKey: { accessKey: key.access, secretKey: 'not-it', projectId: project },
          retry: false,
        });
        const error = await thrown(forged.get(`/v2/${project}/nat_gateways`));
        assert.ok(error instanceof UnauthorizedError);
        assert.equal(error.code, 'VPC.0008');
        await forged.close();
      } finally {
        await signed.close();
      }
    },
  );

  test('HEAD gives the headers and no body', bounded, async () => {
    const reply = await nat.head('/v2.0/nat_gateways');
    assert.equal(reply.status, 200);
    assert.equal(reply.body, undefined);
    assert.match(reply.headers['content-type'] ?? '', /application\/json/);
  });

  test(
    'X-Request-Id is sent, a new req-<uuid> each request, and comes back on the reply',
    bounded,
    async () => {
      const first = await nat.request('GET', '/v2.0/nat_gateways');
      const second = await nat.request('GET', '/v2.0/nat_gateways');
      assert.match(first.requestId, /^req-[0-9a-f-]{36}$/);
      assert.notEqual(first.requestId, second.requestId);
    },
  );

  test(
    'an unknown gateway throws NotFoundError with natgw’s code, message and our request id',
    bounded,
    async () => {
      const id = '5b3e8cb8-5d32-4b59-9c9f-1f1e3c8b7a01';
      const error = await thrown(
        nat.request('GET', `/v2.0/nat_gateways/${id}`, { requestId: 'req-natgw-404' }),
      );
      assert.ok(error instanceof NotFoundError);
      assert.equal(error.code, 'NAT.0105');
      assert.equal(error.message, `NatGateway ${id} does not exist.`);
      assert.equal(error.requestId, 'req-natgw-404');
    },
  );

  test(
    "a conflict the page answers with 400 throws BadRequestError with the page's code",
    bounded,
    async () => {
      const name = `busy-${randomBytes(3).toString('hex')}`;
      const { body } = await nat.post<{ nat_gateway: NatGateway }>('/v2.0/nat_gateways', gatewayBody(name));
      const id = body.nat_gateway.id;
      await nat.post('/v2.0/snat_rules', {
        snat_rule: {
          nat_gateway_id: id,
          network_id: pageIds.snatNetwork,
          floating_ip_id: pageIds.floatingIps[0],
        },
      });
      const error = await thrown(nat.delete(`/v2.0/nat_gateways/${id}`));
      assert.ok(error instanceof BadRequestError);
      assert.equal(error.code, 'NAT.0006');
      assert.equal(error.message, 'Rule has not been deleted.');
    },
  );

  test('a schema violation throws BadRequestError', bounded, async () => {
    const error = await thrown(nat.post('/v2.0/nat_gateways', { nat_gateway: { name: 'x' } }));
    assert.ok(error instanceof BadRequestError);
    // The page's message; the fields left out are in the details.
    assert.equal(error.message, 'Invalid parameters.');
    assert.match(JSON.stringify(error.details), /spec|router_id|internal_network_id/);
  });

  test('a bad token throws UnauthorizedError with the WWW-Authenticate challenge', bounded, async () => {
    const stranger = createClient({ baseUrl: natgw, token: 'not-a-token' });
    try {
      const error = await thrown(stranger.get('/v2.0/nat_gateways'));
      assert.ok(error instanceof UnauthorizedError);
      assert.match(error.headers?.['www-authenticate'] ?? '', /^Keystone uri=/);
    } finally {
      await stranger.close();
    }
  });

  test('a method the route lacks throws MethodNotAllowedError with Allow', bounded, async () => {
    const error = await thrown(nat.post('/v2.0/nat_gateways/0f0f0f0f-0000-4000-8000-000000000000', {}));
    assert.ok(error instanceof MethodNotAllowedError);
    assert.equal(error.headers?.allow, 'GET, PUT, DELETE, HEAD, OPTIONS');
  });

  test('a method the server does not recognise throws NotImplementedError', bounded, async () => {
    assert.ok((await thrown(nat.request('PROPFIND', '/v2.0/nat_gateways'))) instanceof NotImplementedError);
  });

  test(
    'PATCH, which the API updates with PUT, throws MethodNotAllowedError with Allow',
    bounded,
    async () => {
      const error = await thrown(nat.request('PATCH', '/v2.0/nat_gateways', { body: {} }));
      assert.ok(error instanceof MethodNotAllowedError);
      assert.equal(error.headers?.allow, 'POST, GET, HEAD, OPTIONS');
    },
  );

  test('an Accept the route cannot produce throws NotAcceptableError', bounded, async () => {
    const error = await thrown(nat.get('/v2.0/nat_gateways', { headers: { accept: 'text/html' } }));
    assert.ok(error instanceof NotAcceptableError);
  });
});
