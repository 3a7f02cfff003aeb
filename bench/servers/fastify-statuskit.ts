/** Fastify 5 with the statuskit plugin: the contract's 404, 405 (with Allow), 401 and 400. */
import Fastify from 'fastify';
import { NotFoundError } from 'statuskit';
import { serverOptions, statuskit } from 'statuskit/fastify';
import { addItem, announce, type ItemBody, itemBody, items, port, token } from './shared.js';

const app = Fastify(serverOptions());
await app.register(statuskit, {
  profile: 'nat',
  auth: {
    authenticate: (request) => (request.headers['x-auth-token'] === token ? { user: 'bench' } : undefined),
  },
});

app.get<{ Params: { id: string } }>('/items/:id', async (request) => {
  const item = items.get(request.params.id);
  if (!item) throw new NotFoundError(`Item ${request.params.id} could not be found.`);
  return { item };
});

app.post<{ Body: ItemBody }>('/items', { schema: { body: itemBody } }, async (request, reply) => {
  const item = addItem(request.body.item.name);
  reply.created(`/items/${item.id}`);
  return { item };
});

await app.listen({ host: '127.0.0.1', port: port() });
announce(app.server.address());
