import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import createHttpError from 'http-errors';

/**
 * Two servers with one small resource, built the usual way without statuskit: what the probe
 * must find fault with. Both check `X-Auth-Token` (`rw` writes, `ro` reads) and refuse duplicate
 * names with 409, as a careful hand-written API would.
 */
interface Item {
  id: string;
  name: string;
}

export interface Running {
  url: string;
  close(): Promise<void>;
}

/**
 * `typedNoContent`: DELETE answers 204 with `Content-Type: application/json`, as a server that
 * sets the type on every answer does.
 */
export async function plainFastify(options: { typedNoContent?: boolean } = {}): Promise<Running> {
  const app = Fastify();
  const items = new Map<string, Item>();
  app.addHook('onRequest', async (request, reply) => {
    const token = request.headers['x-auth-token'];
    if (token !== 'rw' && token !== 'ro') return reply.code(401).send({ error: 'Unauthorized' });
    if (token === 'ro' && request.method !== 'GET' && request.method !== 'HEAD')
      return reply.code(403).send({ error: 'Forbidden' });
  });
  const body = {
    type: 'object',
    required: ['item'],
    properties: { item: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
  };
  app.post<{ Body: { item: { name: string } } }>('/items', { schema: { body } }, async (request, reply) => {
    if ([...items.values()].some((item) => item.name === request.body.item.name))
      return reply.code(409).send({ error: 'Conflict' });
    const item = { id: randomUUID(), name: request.body.item.name };
    items.set(item.id, item);
    return reply.code(201).header('location', `/items/${item.id}`).send({ item });
  });
  app.get('/items', async () => ({ items: [...items.values()] }));
  app.get<{ Params: { id: string } }>('/items/:id', async (request, reply) => {
    const item = items.get(request.params.id);
    return item ? { item } : reply.code(404).send({ error: 'Not Found' });
  });
  app.put<{ Params: { id: string }; Body: { item: { name: string } } }>(
    '/items/:id',
    { schema: { body } },
    async (request, reply) => {
      const item = items.get(request.params.id);
      if (!item) return reply.code(404).send({ error: 'Not Found' });
      item.name = request.body.item.name;
      return { item };
    },
  );
  app.delete<{ Params: { id: string } }>('/items/:id', async (request, reply) => {
    if (!items.delete(request.params.id)) return reply.code(404).send({ error: 'Not Found' });
    if (!options.typedNoContent) return reply.code(204).send();
    // Fastify itself drops the type from a 204; Node's own response keeps it.
    reply.hijack();
    reply.raw.writeHead(204, { 'content-type': 'application/json' }).end();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}

export async function plainExpress(): Promise<Running> {
  const app = express();
  const items = new Map<string, Item>();
  app.use((request, _response, next) => {
    const token = request.get('x-auth-token');
    if (token !== 'rw' && token !== 'ro') return next(createHttpError(401));
    if (token === 'ro' && request.method !== 'GET' && request.method !== 'HEAD')
      return next(createHttpError(403));
    next();
  });
  app.use(express.json());
  const named = (body: unknown): string => {
    const name = (body as { item?: { name?: unknown } } | undefined)?.item?.name;
    if (typeof name !== 'string') throw createHttpError(400, 'item.name must be a string');
    return name;
  };
  app.post('/items', (request, response) => {
    const name = named(request.body);
    if ([...items.values()].some((item) => item.name === name)) throw createHttpError(409, 'name taken');
    const item = { id: randomUUID(), name };
    items.set(item.id, item);
    response.status(201).location(`/items/${item.id}`).json({ item });
  });
  app.get('/items', (_request, response) => {
    response.json({ items: [...items.values()] });
  });
  app.get('/items/:id', (request, response) => {
    const item = items.get(request.params.id);
    if (!item) throw createHttpError(404);
    response.json({ item });
  });
  app.put('/items/:id', (request, response) => {
    const item = items.get(request.params.id);
    if (!item) throw createHttpError(404);
    item.name = named(request.body);
    response.json({ item });
  });
  app.delete('/items/:id', (request, response) => {
    if (!items.delete(request.params.id)) throw createHttpError(404);
    response.status(204).end();
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
