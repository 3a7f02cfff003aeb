import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { type Locate, locator, prefixes, projectScoped } from '../src/forms.js';

describe('the two forms of the paths', () => {
  let app: FastifyInstance;
  const locates: Locate[] = [];

  before(async () => {
    app = Fastify();
    // Stands for authentication: the caller's project, as a token names it.
    app.addHook('onRequest', async (request) => {
      request.principal = { projectId: String(request.headers['x-project']) } as typeof request.principal;
    });
    for (const prefix of Object.values(prefixes)) {
      await app.register(
        async (scope) => {
          const locate = locator(scope, () => 'https://nat.example:8443');
          locates.push(locate);
          if (prefix.includes(':project_id')) projectScoped(scope);
          scope.post('/nat_gateways', async (request) => ({ location: locate(request, '/nat_gateways/g1') }));
        },
        { prefix },
      );
    }
    await app.ready();
  });
  after(() => app.close());

  const create = (url: string, project = 'p1') =>
    app.inject({ method: 'POST', url, headers: { 'x-project': project }, payload: { name: 'x' } });

  test('name a new resource under the prefix the request came by, its project filled in', async () => {
    assert.deepEqual((await create('/v2.0/nat_gateways')).json(), {
      location: 'https://nat.example:8443/v2.0/nat_gateways/g1',
    });
    assert.deepEqual((await create('/v2/p1/nat_gateways')).json(), {
      location: 'https://nat.example:8443/v2/p1/nat_gateways/g1',
    });
    assert.deepEqual((await create('/v3/a%20b/nat_gateways', 'a b')).json(), {
      location: 'https://nat.example:8443/v3/a%20b/nat_gateways/g1',
    });
    assert.equal(locates.length, 4);
  });

  test("refuse another project's path with VPC.0007 before reading the body", async () => {
    const reply = await app.inject({
      method: 'POST',
      url: '/v2/p2/nat_gateways',
      headers: { 'x-project': 'p1', 'content-type': 'application/json' },
      payload: '{not json',
    });
    assert.equal(reply.statusCode, 400);
    assert.match(reply.body, /VPC\.0007/);
    assert.equal((await create('/v2.0/p2/nat_gateways')).statusCode, 400);
    assert.equal((await create('/v2.0/p1/nat_gateways')).statusCode, 200);
    assert.equal((await create('/v2.0/nat_gateways', 'p2')).statusCode, 200, 'no project in the path');
  });
});
