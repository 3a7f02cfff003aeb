import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { serverOptions, statuskit } from '../src/fastify/index.js';
import { BadRequestError, ConflictError, defineMessages, NotFoundError } from '../src/index.js';
import type { Running } from './plain-servers.js';

/** The app's own messages, in both languages, as a service on statuskit writes them. */
const messages = defineMessages({
  notFound: { en: 'Item {id} could not be found.', 'zh-CN': '找不到条目 {id}。' },
  duplicate: { en: 'An item named {name} exists.', 'zh-CN': '已有名为 {name} 的条目。' },
});

export interface ItemsAppOptions {
  /** Where the app serves its OpenAPI document (none when undefined). */
  openapiPath?: string;
  /** The status of a duplicate name, and the one the document gives for it. */
  conflictStatus?: 400 | 409;
  /** Whether a create answers with `Location` (else only the body names the item). */
  location?: boolean;
  /** The pattern names must match (default: lowercase letters only). */
  namePattern?: string;
}

const itemSchema = (pattern: string) => ({
  type: 'object',
  required: ['item'],
  additionalProperties: false,
  properties: {
    item: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string', minLength: 1, maxLength: 8, pattern } },
    },
  },
});

/**
 * A correct service on the plugin, as its README shows one: items behind `X-Auth-Token` (`rw`
 * writes, `ro` reads), names of at most 8 lowercase letters, no route at `/`. What the probe must pass.
 */
export async function itemsApp(options: ItemsAppOptions = {}): Promise<Running> {
  const conflict = options.conflictStatus ?? 409;
  const body = itemSchema(options.namePattern ?? '^[a-z]+$');
  const app = Fastify(serverOptions({ logger: false }));
  await app.register(statuskit, {
    auth: {
      authenticate(request) {
        const token = request.headers['x-auth-token'];
        return token === 'rw' || token === 'ro' ? { role: token } : undefined;
      },
      authorize: (principal, request) =>
        (principal as { role: string }).role === 'rw' ||
        request.method === 'GET' ||
        request.method === 'HEAD',
      challenge: 'Keystone uri="http://127.0.0.1/v3"',
    },
    timeouts: { headers: 1_000, checkInterval: 200 },
    // The machine running the tests may be busy: no 503 for a slow event loop here.
    overload: { maxEventLoopDelay: 0 },
  });
  const items = new Map<string, { id: string; name: string }>();
  const byId = { params: { type: 'object', properties: { id: { type: 'string' } } } } as const;
  const find = (id: string) => {
    const item = items.get(id);
    if (!item) throw new NotFoundError(messages.notFound({ id }));
    return item;
  };
  const refuseDuplicate = (name: string) => {
    if (![...items.values()].some((item) => item.name === name)) return;
    const message = messages.duplicate({ name });
    throw conflict === 409 ? new ConflictError(message) : new BadRequestError(message, { code: 'IT.0012' });
  };
  app.get('/items', async () => ({ items: [...items.values()] }));
  app.post<{ Body: { item: { name: string } } }>('/items', { schema: { body } }, async (request, reply) => {
    refuseDuplicate(request.body.item.name);
    const item = { id: randomUUID(), name: request.body.item.name };
    items.set(item.id, item);
    if (options.location === false) reply.code(201);
    else reply.created(`/items/${item.id}`);
    return { item: { ...item, links: { self: `/items/${item.id}` } } };
  });
  app.get<{ Params: { id: string } }>('/items/:id', { schema: byId }, async (request) => ({
    item: find(request.params.id),
  }));
  app.put<{ Params: { id: string }; Body: { item: { name: string } } }>(
    '/items/:id',
    { schema: { ...byId, body } },
    async (request) => {
      const item = find(request.params.id);
      refuseDuplicate(request.body.item.name);
      item.name = request.body.item.name;
      return { item };
    },
  );
  app.delete<{ Params: { id: string } }>('/items/:id', { schema: byId }, async (request, reply) => {
    find(request.params.id);
    items.delete(request.params.id);
    return reply.noContent();
  });
  if (options.openapiPath)
    app.get(options.openapiPath, { config: { auth: false } }, async () => document(conflict, body));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}

/** The app's OpenAPI document: the schemas by reference, the statuses each operation gives. */
function document(conflict: number, itemBody: unknown) {
  const errors = (...statuses: number[]) =>
    Object.fromEntries(statuses.map((status) => [String(status), { $ref: '#/components/responses/Error' }]));
  const request = (example: unknown) => ({
    required: true,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ItemBody' }, example } },
  });
  return {
    openapi: '3.0.3',
    info: { title: 'Items', version: '1' },
    paths: {
      '/items': {
        get: { responses: { 200: { description: 'The items' }, ...errors(401) } },
        post: {
          requestBody: request({ item: { name: 'first' } }),
          responses: { 201: { description: 'Created' }, ...errors(400, 401, 403, conflict) },
        },
      },
      '/items/{id}': {
        get: { responses: { 200: { description: 'The item' }, ...errors(401, 404) } },
        put: {
          requestBody: request({ item: { name: 'second' } }),
          responses: { 200: { description: 'Updated' }, ...errors(400, 401, 403, 404, conflict) },
        },
        delete: { responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) } },
      },
    },
    components: {
      schemas: { ItemBody: itemBody },
      responses: { Error: { description: 'An error in the contract body' } },
    },
  };
}
