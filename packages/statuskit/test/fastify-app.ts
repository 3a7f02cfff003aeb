import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { type StatuskitOptions, serverOptions, statuskit } from '../src/fastify/index.js';
import { BadGatewayError, ConflictError, NotFoundError, UnauthorizedError } from '../src/index.js';

/** Log lines the app wrote, parsed. */
export type LogLines = Record<string, unknown>[];

const itemBody = {
  type: 'object',
  required: ['item'],
  additionalProperties: false,
  properties: {
    item: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 8 },
        size: { type: 'integer', minimum: 1 },
      },
    },
  },
} as const;

/**
 * A small service on the plugin: items behind a token (`rw` may write, `ro` may only read),
 * with routes that misbehave on purpose to show what the plugin corrects.
 */
export async function testApp(
  options: StatuskitOptions = {},
  fastify: Parameters<typeof serverOptions>[0] = {},
) {
  const logs: LogLines = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).trim().split('\n')) logs.push(JSON.parse(line));
      done();
    },
  });
  const app = Fastify(serverOptions({ logger: { level: 'info', stream }, bodyLimit: 1024, ...fastify }));
  await app.register(statuskit, {
    auth: {
      authenticate(request) {
        const token = request.headers['x-auth-token'];
        if (token === undefined) return undefined;
        if (token === 'rw' || token === 'ro') return { role: token };
        throw new UnauthorizedError('Invalid token in the header.', { code: 'VPC.0008' });
      },
      authorize: (principal, request) =>
        (principal as { role: string }).role === 'rw' ||
        request.method === 'GET' ||
        request.method === 'HEAD',
      challenge: 'Keystone uri="http://127.0.0.1/v3"',
    },
    ...options,
  });
  const items = new Map<number, { id: number; name: string }>([[1, { id: 1, name: 'one' }]]);
  const byId = { params: { type: 'object', properties: { id: { type: 'integer' } } } } as const;

  app.get<{ Params: { id: number } }>('/items/:id', { schema: byId }, async (request) => {
    const item = items.get(request.params.id);
    if (!item) throw new NotFoundError(`Item ${request.params.id} could not be found.`);
    return { item };
  });
  app.get<{ Querystring: { limit?: number } }>(
    '/items',
    {
      schema: {
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100 } } },
      },
    },
    async (request) => ({ items: [...items.values()].slice(0, request.query.limit ?? 100) }),
  );
  app.post<{ Body: { item: { name: string } } }>(
    '/items',
    { schema: { body: itemBody } },
    async (request, reply) => {
      const id = items.size + 1;
      items.set(id, { id, name: request.body.item.name });
      reply.created(`/items/${id}`);
      return { item: items.get(id) };
    },
  );
  app.put<{ Params: { id: number } }>('/items/:id', { schema: byId }, async (request) => {
    throw new ConflictError(`Item ${request.params.id} is PENDING_UPDATE.`, { code: 'NAT.0103' });
  });
  app.delete<{ Params: { id: number } }>('/items/:id', { schema: byId }, async (request, reply) => {
    items.delete(request.params.id);
    return reply.noContent();
  });
  app.post('/items/:id/rebuild', async (_request, reply) =>
    reply.accepted(async (job) => {
      await job.progress(50);
      return { rebuilt: true };
    }),
  );
  app.post('/items/:id/break', async (_request, reply) =>
    reply.accepted(async () => {
      throw new ConflictError('The item is in use.', { code: 'NAT.0009' });
    }),
  );
  app.post('/items/:id/fail-upstream', async (_request, reply) =>
    reply.accepted(async () => {
      throw new BadGatewayError('upstream db-7.internal (10.0.0.7:5432) refused the connection');
    }),
  );
  app.get('/crash', { config: { auth: false } }, async () => {
    throw new TypeError("Cannot read properties of undefined (reading 'x') at /srv/app/items.js:12");
  });
  app.get('/teapot', { config: { auth: false } }, async (_request, reply) =>
    reply.code(418).send({ short: 'and stout' }),
  );
  app.get('/accepted', { config: { auth: false } }, async (_request, reply) =>
    reply.code(202).send({ later: true }),
  );
  app.delete('/chatty', { config: { auth: false } }, async (_request, reply) =>
    reply.code(204).send({ not: 'allowed' }),
  );
  app.get('/raw-error', { config: { auth: false } }, async (_request, reply) =>
    reply.code(409).send({ oops: 1 }),
  );
  app.get('/slow', { config: { auth: false } }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { slow: true };
  });
  app.get('/page', { config: { auth: false, produces: ['text/html'] } }, async (_request, reply) =>
    reply.type('text/html').send('<p>hi</p>'),
  );
  await app.ready();
  return { app, logs };
}
