/**
 * Fastify 5 as it comes, with the same routes: its own 404 and 400 bodies, and 404 (not 405) for
 * a method the path lacks. The token is checked by a route hook answering 401 itself.
 */
import Fastify, { type onRequestHookHandler } from 'fastify';
import { addItem, announce, type ItemBody, itemBody, items, port, token } from './shared.js';

const app = Fastify();

const authenticate: onRequestHookHandler = async (request, reply) => {
  if (request.headers['x-auth-token'] !== token) {
    return reply.code(401).header('www-authenticate', 'Bearer').send({ message: 'Authentication required.' });
  }
};

app.get<{ Params: { id: string } }>('/items/:id', { onRequest: authenticate }, async (request, reply) => {
  const item = items.get(request.params.id);
  if (!item) return reply.code(404).send({ message: `Item ${request.params.id} could not be found.` });
  return { item };
});

app.post<{ Body: ItemBody }>(
  '/items',
  { onRequest: authenticate, schema: { body: itemBody } },
  async (request, reply) => {
    const item = addItem(request.body.item.name);
    reply.code(201).header('location', `/items/${item.id}`);
    return { item };
  },
);

await app.listen({ host: '127.0.0.1', port: port() });
announce(app.server.address());
