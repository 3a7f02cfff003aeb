import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serverOptions, statuskit } from '../fastify/index.js';
import {
  BadRequestError,
  getDialect,
  getProfile,
  ProxyAuthenticationRequiredError,
  ServiceUnavailableError,
} from '../index.js';
import { messages } from '../texts/index.js';
import { BodyBudget } from './body-budget.js';
import { AwaitedTrip, Forwarder } from './forward.js';
import { forwardedHeaders } from './headers.js';
import { fastLane, GatewayResponse } from './lane.js';
import { checkOptions, type GatewayOptions } from './options.js';
import { upstreamPath } from './path.js';
import { ProxyAuth, parseCredentials } from './proxy-auth.js';
import { Upstreams } from './upstreams.js';

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * A contract-keeping reverse proxy: a Fastify app with the `statuskit` plugin (request ids, 408
 * for slow clients, 501 for unknown methods, 503 when overloaded or draining) and one catch-all
 * route that forwards every request, whatever its method or path, to the next healthy upstream.
 * A request without a body that nothing turns away takes a faster way to the same forwarder,
 * below Fastify's lifecycle (lane.ts).
 *
 * The gateway answers on its own only for its own conditions: 407 (proxy credentials), 408,
 * 501 (a method no server knows), 502 (an upstream refused, reset or spoke something that is not
 * HTTP), 503 (no upstream healthy, too many requests in flight, shutting down) and 504 (no answer
 * in time). 404 and 405 are the upstream's to give. Upstream replies inside the contract pass
 * unchanged (large successes stream through); error replies outside it are rewritten into it.
 * @example
 * const app = await createGateway({ upstreams: ['http://127.0.0.1:3000', 'http://127.0.0.1:3001'] });
 * await app.listen({ port: 8080 });
 */
export async function createGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const checked = checkOptions(options);
  const profile = typeof options.profile === 'object' ? options.profile : getProfile(options.profile);
  const dialect = getDialect(options.dialect);
  const proxyAuth =
    options.proxyAuth === undefined
      ? undefined
      : new ProxyAuth(parseCredentials(options.proxyAuth), checked.realm);
  const upstreams = new Upstreams(checked.upstreams, {
    downFor: checked.health.downFor,
    maxDownFor: checked.health.maxDownFor,
    connectTimeout: Math.min(checked.timeout, 10_000),
    connections: checked.maxConnections,
  });
  const { timeout, maxErrorBody, bodyLimit, upstreamHeaders } = checked;
  const bodies = new BodyBudget(checked.bodyBudget);
  const forwarder = new Forwarder({ upstreams, profile, dialect, timeout, maxErrorBody, upstreamHeaders });

  // The server hands each request to the fast lane first (see lane.ts), and to Fastify when the
  // lane does not take it; the lane exists once the plugin is registered.
  let lane: ((request: IncomingMessage, response: ServerResponse) => boolean) | undefined;
  const app = Fastify(
    serverOptions({
      logger: options.logger ?? false,
      bodyLimit: checked.bodyLimit,
      exposeHeadRoutes: false,
      serverFactory: (fastify: Listener, settings: FastifyServerOptions) =>
        serverOf(settings, (request, response) => {
          if (!lane?.(request, response)) fastify(request, response);
        }),
    }),
  );

  await app.register(statuskit, {
    profile,
    dialect: dialect.name,
    produces: ['*/*'],
    ...(options.clientTimeouts ? { timeouts: options.clientTimeouts } : {}),
    overload: { maxInFlight: checked.maxInFlight, maxConnections: checked.maxConnections },
    jobs: false,
  });

  app.addHook('onRequest', (request, _reply, done) => {
    if (proxyAuth && !proxyAuth.allows(request.headers['proxy-authorization'])) {
      return done(
        new ProxyAuthenticationRequiredError(messages.proxyAuthenticationRequired(), {
          headers: { 'proxy-authenticate': proxyAuth.challenge },
        }),
      );
    }
    done();
  });

  app.addHook('onClose', async () => {
    await upstreams.close();
  });

  // Bodies are held in memory until an upstream has them: within the budget, or 503 before the
  // body is read. A body over the limit is left to Fastify's own 413 (the profile's 400).
  app.addHook('preParsing', (request, reply, payload, done) => {
    const length = request.headers['content-length'];
    const chunked = request.headers['transfer-encoding'] !== undefined;
    const size = chunked ? bodyLimit : Number(length ?? 0);
    if (!(size > 0) || size > bodyLimit) return done(null, payload);
    if (!bodies.take(size)) {
      request.log.warn({ size, held: bodies.held }, 'request body over the body budget');
      return done(
        new ServiceUnavailableError(messages.bodyBudgetFull(), {
          retryAfter: 1,
        }),
      );
    }
    reply.raw.once('close', () => bodies.give(size));
    done(null, payload);
  });

  // Every body is taken as bytes, unparsed: it goes upstream as it came, and can be sent again
  // to another upstream when the first one fails.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const methods = [...app.supportedMethods];
  app.route({
    method: methods,
    url: '/*',
    exposeHeadRoute: false,
    // The relay judges every upstream answer itself; the plugin leaves them as sent.
    config: { produces: ['*/*'], passThrough: true },
    handler: async (request, reply) => {
      const path = upstreamPath(request.raw.url ?? '/');
      if (path === undefined) throw new BadRequestError(messages.encodedSlash());
      const trip = new AwaitedTrip(
        request.log,
        undefined,
        request.method,
        path,
        forwardedHeaders(request.headers, request.id, request.ip, request.protocol, request.raw.httpVersion),
        Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : null,
      );
      const onClose = () => {
        if (!reply.raw.writableFinished) trip.leave();
      };
      reply.raw.once('close', onClose);
      forwarder.send(trip);
      const outcome = await trip.outcome.finally(() => reply.raw.removeListener('close', onClose));
      if (outcome.error) {
        if (outcome.headers) reply.headers(outcome.headers);
        throw outcome.error;
      }
      return reply.code(outcome.status).headers(outcome.headers).send(outcome.body);
    },
  });
  lane = fastLane(app, { forwarder, proxyAuth, maxInFlight: checked.maxInFlight, methods: new Set(methods) });

  return app;
}

/** The HTTP/1 server as Fastify makes it from its options, with `listener` for its requests. */
function serverOf(settings: FastifyServerOptions, listener: Listener): http.Server {
  const given = (settings as { http?: http.ServerOptions }).http;
  // The fast lane's responses (lane.ts): room for the request each answers.
  const server = http.createServer({ ...given, ServerResponse: GatewayResponse }, listener);
  if (settings.keepAliveTimeout !== undefined) server.keepAliveTimeout = settings.keepAliveTimeout;
  if (settings.requestTimeout !== undefined) server.requestTimeout = settings.requestTimeout;
  server.setTimeout(settings.connectionTimeout ?? 0);
  if (settings.maxRequestsPerSocket) server.maxRequestsPerSocket = settings.maxRequestsPerSocket;
  return server;
}
