import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import { ConflictError, NotFoundError, parseErrorBody } from '../index.js';
import { type StatuskitOptions, serverOptions, statuskit, swaggerOptions } from './index.js';

interface Example {
  summary: string;
  value: unknown;
}
interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: { $ref?: string }; examples?: Record<string, Example> }>;
}
interface Operation {
  operationId: string;
  security?: unknown[];
  responses: Record<string, Response>;
}

/** An items API on the plugin and @fastify/swagger, documented with `swaggerOptions`. */
async function itemsApp(contract: Partial<StatuskitOptions> = {}) {
  const options: StatuskitOptions = {
    profile: 'nat',
    errorCodes: { 400: 'ITEM.0400', 401: 'ITEM.0401' },
    auth: {
      authenticate: (request) => (request.headers['x-auth-token'] === 'secret' ? { user: 'me' } : undefined),
      authorize: (_principal, request) => request.method === 'GET',
    },
    ...contract,
  };
  const app = Fastify(serverOptions());
  await app.register(statuskit, options);
  await app.register(
    swagger,
    swaggerOptions(options, {
      openapi: {
        info: { title: 'Items', version: '1' },
        components: { securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' } } },
        security: [{ token: [] }],
      },
    }),
  );
  app.get(
    '/items/:id',
    {
      schema: {
        summary: 'Show an item',
        params: { type: 'object', properties: { id: { type: 'string' } } },
        response: { 200: { type: 'object', properties: { item: { type: 'object' } } } },
        errors: [404, { status: 409, code: 'ITEM.0409', message: 'Item {id} is busy.' }],
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      if (id === 'busy') throw new ConflictError(`Item ${id} is busy.`, { code: 'ITEM.0409' });
      throw new NotFoundError();
    },
  );
  app.post(
    '/items',
    {
      schema: {
        summary: 'Create an item',
        body: { type: 'object' },
        response: { 201: { type: 'object', headers: { Location: { type: 'string' } } } },
      },
    },
    async (_request, reply) => reply.created('/items/1').send({}),
  );
  app.get('/health', { config: { auth: false }, schema: { summary: 'Health' } }, async () => ({ ok: true }));
  app.get('/openapi.json', { config: { auth: false }, schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  const document = (await app.inject({ url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  };
  return { app, document };
}

/** The examples of one documented response, by name. */
function examples(operation: Operation | undefined, status: number): Record<string, Example> {
  return Object.values(operation?.responses[status]?.content ?? {})[0]?.examples ?? {};
}

/** Whether a body on the wire is the documented example: the same but for the request id, and a message that fills the template. */
function fits(example: unknown, wire: string): boolean {
  const documented = parseErrorBody(example);
  const sent = parseErrorBody(wire);
  if (!documented || !sent) return false;
  const pattern = String(documented.message)
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\{\w+\}/g, '.+');
  return (
    documented.dialect === sent.dialect &&
    documented.code === sent.code &&
    documented.title === sent.title &&
    new RegExp(`^${pattern}$`).test(String(sent.message))
  );
}

describe('swaggerOptions for @fastify/swagger', () => {
  test("starts, and gives each operation the plugin's errors on that route and the route's own", async () => {
    const { app, document } = await itemsApp();
    const show = document.paths['/items/{id}']?.get;
    const create = document.paths['/items']?.post;
    const health = document.paths['/health']?.get;
    assert.deepEqual(Object.keys(show?.responses ?? {}), [
      '200',
      '400',
      '401',
      '403',
      '404',
      '406',
      '409',
      '500',
      '503',
    ]);
    // A body is read: 408 for a slow one; no params, but a body: 400.
    assert.deepEqual(Object.keys(create?.responses ?? {}), [
      '201',
      '400',
      '401',
      '403',
      '406',
      '408',
      '500',
      '503',
    ]);
    // Public: no 401 or 403, and no security requirement.
    assert.deepEqual(Object.keys(health?.responses ?? {}), ['200', '406', '500', '503']);
    assert.deepEqual(health?.security, []);
    assert.equal(show?.security, undefined, 'the document-wide token applies');
    assert.equal(show?.responses['404']?.description, 'The server could not find the requested page.');
    assert.equal(
      show?.responses['200']?.description,
      'Specifies the normal response code for the GET and PUT operations.',
    );
    assert.ok(create?.responses['201']?.headers?.Location);
    assert.ok(show?.responses['401']?.headers?.['WWW-Authenticate']);
    assert.deepEqual(show?.responses['409']?.content?.['application/json']?.schema, {
      $ref: '#/components/schemas/ErrorBody',
    });
    assert.ok(document.components.schemas.ErrorBody);
    assert.equal(show?.operationId, 'getItemsId');
    assert.equal(JSON.stringify(document).includes('x-statuskit'), false);
    await app.close();
  });

  test('names each example by its service code and gives the body the server sends for it', async () => {
    const { app, document } = await itemsApp();
    const show = document.paths['/items/{id}']?.get;
    assert.deepEqual(Object.keys(examples(show, 400)), ['ITEM.0400']);
    assert.deepEqual(examples(show, 409)['ITEM.0409']?.summary, 'Item {id} is busy.');
    const answers = [
      [404, { url: '/items/x', headers: { 'x-auth-token': 'secret' } }],
      [409, { url: '/items/busy', headers: { 'x-auth-token': 'secret' } }],
      [401, { url: '/items/x' }],
      [406, { url: '/items/x', headers: { accept: 'text/html' } }],
    ] as const;
    for (const [status, request] of answers) {
      const response = await app.inject(request);
      assert.equal(response.statusCode, status);
      const documented = Object.values(examples(show, status)).map((example) => example.value);
      assert.ok(
        documented.some((example) => fits(example, response.body)),
        `${status}: ${response.body} is among the documented bodies ${JSON.stringify(documented)}`,
      );
    }
    await app.close();
  });

  test("follows the plugin's dialect: problem details, with their media type and schema", async () => {
    const { app, document } = await itemsApp({ dialect: 'problem' });
    const response = document.paths['/items/{id}']?.get?.responses['404'];
    assert.deepEqual(response?.content?.['application/problem+json']?.schema, {
      $ref: '#/components/schemas/ProblemDetails',
    });
    assert.equal(
      (examples(document.paths['/items/{id}']?.get, 404)['SK.0404']?.value as { status?: number } | undefined)
        ?.status,
      404,
    );
    await app.close();
  });

  test("lists a prefix's path parameters and says propertyNames as OpenAPI 3.0 can, while the route still checks them", async () => {
    const options: StatuskitOptions = { profile: 'nat' };
    const app = Fastify(serverOptions());
    await app.register(statuskit, options);
    await app.register(
      swagger,
      swaggerOptions(options, { openapi: { info: { title: 'Items', version: '1' } } }),
    );
    await app.register(
      async (scope) => {
        scope.put(
          '/items/:id',
          {
            schema: {
              params: { type: 'object', properties: { id: { type: 'string' } } },
              body: {
                type: 'object',
                propertyNames: { enum: ['name'] },
                properties: { name: { type: 'string' } },
              },
            },
          },
          async () => ({}),
        );
      },
      { prefix: '/projects/:project_id' },
    );
    app.get('/openapi.json', { config: { auth: false }, schema: { hide: true } }, async () => app.swagger());
    await app.ready();
    const document = (await app.inject({ url: '/openapi.json' })).json();
    const operation = document.paths['/projects/{project_id}/items/{id}'].put;
    assert.deepEqual(
      operation.parameters.map(
        (parameter: { name: string; in: string }) => `${parameter.in} ${parameter.name}`,
      ),
      ['path project_id', 'path id'],
    );
    const body = operation.requestBody.content['application/json'].schema;
    assert.equal(body.propertyNames, undefined);
    assert.equal(body.additionalProperties, false);
    const refused = await app.inject({
      method: 'PUT',
      url: '/projects/p/items/1',
      payload: { colour: 'red' },
    });
    assert.equal(refused.statusCode, 400);
    await app.close();
  });

  test('a $ref to a response component in schema.response stops the app, the failure swaggerOptions avoids', async () => {
    const app = Fastify(serverOptions());
    await app.register(statuskit, {});
    app.get(
      '/items/:id',
      { schema: { response: { 404: { $ref: '#/components/responses/Status404' } } } },
      async () => ({}),
    );
    await assert.rejects(async () => app.ready(), { code: 'FST_ERR_SCH_SERIALIZATION_BUILD' });
  });
});
