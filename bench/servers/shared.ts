/** What every bench server shares: the token, the items, the body schema, ids and the port. */
import { randomUUID } from 'node:crypto';

export const token = 'secret';

export interface Item {
  id: string;
  name: string;
}
export interface ItemBody {
  item: { name: string };
}

export const items = new Map<string, Item>([['1', { id: '1', name: 'first' }]]);
let next = 0;

/** Stores a new item; ids cycle through 1000..1999 so that a long run keeps the map small. */
export function addItem(name: string): Item {
  const item = { id: String(1000 + (next++ % 1000)), name };
  items.set(item.id, item);
  return item;
}

/** The body of `POST /items`, as the Fastify apps validate it. */
export const itemBody = {
  type: 'object',
  required: ['item'],
  properties: {
    item: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1, maxLength: 64 } },
    },
  },
} as const;

/** The hand-written equivalent of `itemBody`: the item's name, or undefined when the body is invalid. */
export function itemName(body: unknown): string | undefined {
  const item = (body as { item?: unknown } | null | undefined)?.item;
  const name = typeof item === 'object' && item !== null ? (item as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name.length >= 1 && name.length <= 64 ? name : undefined;
}

const wellFormed = /^[A-Za-z0-9._:-]{1,128}$/;

/** The hand-written request id: the caller's when well-formed, else a new one (as statuskit does). */
export function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && wellFormed.test(header) ? header : `req-${randomUUID()}`;
}

/** The hand-written error body, in statuskit's default `error` dialect. */
export function errorBody(status: number, title: string, message: string, id: string): string {
  return JSON.stringify({
    error: { code: `SK.${String(status).padStart(4, '0')}`, title, message, request_id: id },
  });
}

/** The port to listen on: the first argument, else `PORT`, else 0 (any free port). */
export function port(): number {
  return Number(process.argv[2] ?? process.env.PORT ?? 0);
}

// The harness stops a server with SIGTERM: an exit of its own, so that `--cpu-prof` writes the profile.
process.once('SIGTERM', () => process.exit(0));

/** Tells the harness where the server listens: one line on stdout. */
export function announce(address: unknown): void {
  const { port } = address as { port: number };
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
}
