import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import { after } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { ConflictError, NotFoundError } from '../src/errors/index.js';
import { serverOptions, statuskit } from '../src/fastify/index.js';
import { createGateway, type GatewayOptions } from '../src/gateway/index.js';

/** Upstreams for the gateway's tests: real servers on 127.0.0.1 that misbehave on purpose. */

export interface Running {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Log lines a gateway wrote, parsed. */
export type LogLines = Record<string, unknown>[];

/** A port nothing listens on: connections to it are refused. */
export async function closedPort(): Promise<Running> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return { url: `http://127.0.0.1:${port}`, port, close: async () => {} };
}

/** A TCP server whose every connection gets `onConnection`; it keeps track to close them all. */
export async function tcpUpstream(onConnection: (socket: net.Socket) => void, port = 0): Promise<Running> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Answers every request with bytes that are not HTTP. */
export const garbageUpstream = () =>
  tcpUpstream((socket) =>
    socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n\x00\x01garbage\r\n\r\n')),
  );

/** Takes every request and never answers. */
export const silentUpstream = () => tcpUpstream(() => {});

/** Resets every connection as soon as a request arrives. */
export const resettingUpstream = () =>
  tcpUpstream((socket) => socket.once('data', () => socket.resetAndDestroy()));

/** What an `httpUpstream` saw of one request. */
export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A node:http server; `seen` lists the requests it got, body included. */
export async function httpUpstream(
  handler: (request: http.IncomingMessage, response: http.ServerResponse, seen: Seen) => void,
  port = 0,
): Promise<Running & { seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(entry);
      handler(request, response, entry);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Answers every request with `status`, these headers and this body. */
export function fixedUpstream(status: number, headers: http.OutgoingHttpHeaders, body: string, port = 0) {
  return httpUpstream((_request, response) => {
    response.writeHead(status, headers);
    response.end(body);
  }, port);
}

/** A service that keeps the contract: Fastify with the statuskit plugin. */
export async function contractUpstream(): Promise<Running & { app: FastifyInstance }> {
  const app = Fastify(serverOptions());
  await app.register(statuskit, { profile: 'nat' });
  app.get('/things/1', async () => ({ thing: { id: 1 } }));
  app.get('/things/:id', async (request) => {
    throw new NotFoundError(`No thing exists with id ${(request.params as { id: string }).id}.`, {
      code: 'NAT.0209',
    });
  });
  app.post('/things', async (_request, reply) => {
    reply.created('/things/2');
    return { thing: { id: 2 } };
  });
  app.put('/things/1', async () => {
    throw new ConflictError('The thing is PENDING_UPDATE.', { code: 'NAT.0103' });
  });
  app.get('/page', { config: { produces: ['text/html'] } }, async (_request, reply) =>
    reply.type('text/html').send('<p>a page</p>'),
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, port: Number(new URL(url).port), app, close: () => app.close() };
}

/** A gateway listening on 127.0.0.1, its log lines collected. */
export async function startGateway(options: GatewayOptions) {
  const logs: LogLines = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).trim().split('\n')) logs.push(JSON.parse(line));
      done();
    },
  });
  const app = await createGateway({ logger: { level: 'info', stream }, ...options });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, port: Number(new URL(url).port), logs };
}

/**
 * What a test file starts, closed when the file is done: `track` an upstream (anything with
 * `close()`), or start a gateway with `gateway`.
 */
export function closedAfterwards() {
  const closing: (() => Promise<unknown>)[] = [];
  after(async () => {
    await Promise.all(closing.map((close) => close()));
  });
  return {
    track<T extends { close(): Promise<unknown> }>(thing: T): T {
      closing.push(() => thing.close());
      return thing;
    },
    async gateway(options: GatewayOptions) {
      const started = await startGateway(options);
      closing.push(() => started.app.close());
      return started;
    },
  };
}
