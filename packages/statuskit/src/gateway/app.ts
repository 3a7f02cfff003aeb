import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import { type ContractErrorOptions, createError } from '../errors/index.js';
import { serverOptions, statuskit } from '../fastify/index.js';
import {
  BadGatewayError,
  BadRequestError,
  GatewayTimeoutError,
  getDialect,
  getProfile,
  negotiateLanguage,
  ProxyAuthenticationRequiredError,
  ServiceUnavailableError,
} from '../index.js';
import { messages } from '../texts/index.js';
import { BodyBudget } from './body-budget.js';
import { failureOf, mayRetry } from './failures.js';
import { clientReplyHeaders, upstreamRequestHeaders } from './headers.js';
import { checkOptions, type GatewayOptions } from './options.js';
import { upstreamPath } from './path.js';
import { ProxyAuth, parseCredentials } from './proxy-auth.js';
import { judgeBody, judgeStatus, readBounded } from './rewrite.js';
import { type Upstream, Upstreams } from './upstreams.js';

/** Why a request to an upstream was aborted. */
const timedOut = new Error('the upstream did not answer in time');
const clientGone = new Error('the client closed the connection');

/**
 * A contract-keeping reverse proxy: a Fastify app with the `statuskit` plugin (request ids, 408
 * for slow clients, 501 for unknown methods, 503 when overloaded or draining) and one catch-all
 * route that forwards every request, whatever its method or path, to the next healthy upstream.
 *
 * The gateway answers on its own only for its own conditions: 407 (proxy credentials), 408,
 * 501 (a method no server knows), 502 (an upstream refused, reset or spoke something that is not
 * HTTP), 503 (no upstream healthy, too many requests in flight, shutting down) and 504 (no answer
 * in time). 404 and 405 are the upstream's to give. Upstream replies inside the contract pass
 * unchanged; successes stream through; error replies outside it are rewritten into it.
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
  const { timeout, maxErrorBody, bodyLimit } = checked;
  const bodies = new BodyBudget(checked.bodyBudget);

  const app = Fastify(
    serverOptions({ logger: options.logger ?? false, bodyLimit: checked.bodyLimit, exposeHeadRoutes: false }),
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

  app.route({
    method: [...app.supportedMethods],
    url: '/*',
    exposeHeadRoute: false,
    // The relay judges every upstream answer itself (see relay()); the plugin leaves them as sent.
    config: { produces: ['*/*'], passThrough: true },
    handler: (request, reply) => forward(request, reply),
  });

  /** Sends the request to the healthy upstreams in turn until one answers, then relays the answer. */
  async function forward(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const method = request.method;
    const path = upstreamPath(request.raw.url ?? '/');
    if (path === undefined) throw new BadRequestError(messages.encodedSlash());
    const headers = upstreamRequestHeaders(request.headers, {
      requestId: request.id,
      clientIp: request.ip,
      protocol: request.protocol,
      httpVersion: request.raw.httpVersion,
    });
    const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : null;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timedOut), timeout);
    const onClose = () => {
      if (!reply.raw.writableFinished) controller.abort(clientGone);
    };
    reply.raw.once('close', onClose);

    const tried = new Set<number>();
    let failed: 502 | 504 | undefined;
    try {
      for (let upstream = upstreams.next(tried); upstream; upstream = upstreams.next(tried)) {
        tried.add(upstream.index);
        let response: Dispatcher.ResponseData;
        try {
          response = await upstream.pool.request({
            method,
            path: upstream.prefix + path,
            headers,
            body,
            signal: controller.signal,
            headersTimeout: timeout,
            bodyTimeout: timeout,
          });
        } catch (error) {
          if (error === timedOut) {
            request.log.warn({ upstream: upstream.url, timeout }, 'upstream did not answer in time');
            throw new GatewayTimeoutError(messages.upstreamTimedOut({ ms: timeout }));
          }
          if (error === clientGone) throw createError(400, messages.clientGone());
          const failure = failureOf(error);
          const downFor = failure.down ? upstreams.failed(upstream) : 0;
          request.log.warn(
            { upstream: upstream.url, err: error, failure: failure.kind, downFor },
            failure.down ? 'upstream failed and is taken out' : 'upstream failed',
          );
          failed = failure.status;
          if (mayRetry(failure, method)) continue;
          break;
        }
        upstreams.succeeded(upstream);
        // A 503 is a refusal before any work (RFC 9110 §15.6.4), as a draining or overloaded
        // upstream sends it: another upstream may take the request, whatever its method.
        if (response.statusCode === 503 && upstreams.hasUntried(tried)) {
          response.body.dump().catch(() => {});
          request.log.info({ upstream: upstream.url }, 'upstream unavailable (503), trying the next');
          continue;
        }
        clearTimeout(timer);
        return await relay(request, reply, upstream, response);
      }
    } finally {
      clearTimeout(timer);
      reply.raw.removeListener('close', onClose);
    }
    if (failed === 504) throw new GatewayTimeoutError(messages.upstreamLate());
    if (failed === 502) throw new BadGatewayError(messages.upstreamFailed());
    throw new ServiceUnavailableError(messages.noUpstream(), { retryAfter: upstreams.retryAfter() });
  }

  /** The upstream's body, up to `maxErrorBody` bytes (`undefined` past that); 502 or 504 when it fails. */
  async function readBody(
    request: FastifyRequest,
    upstream: Upstream,
    body: Dispatcher.ResponseData['body'],
  ): Promise<Buffer | undefined> {
    try {
      return await readBounded(body, maxErrorBody);
    } catch (error) {
      const failure = failureOf(error);
      if (failure.down) upstreams.failed(upstream);
      request.log.warn({ upstream: upstream.url, err: error }, 'upstream body could not be read');
      throw failure.status === 504
        ? new GatewayTimeoutError(messages.upstreamBodyLate())
        : new BadGatewayError(messages.upstreamBodyFailed());
    }
  }

  /** Sends the upstream's answer on: as it is when inside the contract, else rewritten into it. */
  async function relay(
    request: FastifyRequest,
    reply: FastifyReply,
    upstream: Upstream,
    response: Dispatcher.ResponseData,
  ): Promise<FastifyReply> {
    const { statusCode: status, headers, body } = response;
    const verdict = judgeStatus(status, profile, request.method);
    if (verdict.action !== 'inspect' && status < 400) {
      const sent = verdict.action === 'status' ? verdict.status : status;
      if (sent !== status) {
        request.log.warn(
          { upstream: upstream.url, from: status, to: sent },
          'upstream status outside the profile',
        );
      }
      reply.code(sent).headers(clientReplyHeaders(headers));
      if (sent === 204) {
        body.resume();
        return reply.send();
      }
      // A small body of known size is read whole and sent as one buffer: cheaper than piping a
      // stream, and an upstream failing halfway still gets a 502 rather than a cut answer.
      if (Number(headers['content-length']) <= maxErrorBody) {
        return reply.send(await readBody(request, upstream, body));
      }
      return reply.send(body);
    }

    const read = await readBody(request, upstream, body);
    const judged =
      verdict.action === 'pass'
        ? { action: 'pass' as const }
        : judgeBody(status, headers['content-type'], read, profile, dialect);
    if (judged.action === 'pass') {
      const passed = clientReplyHeaders(headers);
      if (request.method !== 'HEAD') delete passed['content-length'];
      return reply.code(status).headers(passed).send(read);
    }

    request.log.warn(
      {
        upstream: upstream.url,
        from: status,
        to: judged.status,
        contentType: headers['content-type'],
        tooLarge: read === undefined,
      },
      'upstream reply rewritten into the contract',
    );
    reply.headers(clientReplyHeaders(headers, 'replaced'));
    const errorOptions: ContractErrorOptions = {};
    if (judged.code !== undefined) errorOptions.code = judged.code;
    if (judged.details !== undefined) errorOptions.details = judged.details;
    const challenge = headers['www-authenticate'];
    if (typeof challenge === 'string') errorOptions.headers = { 'www-authenticate': challenge };
    if (judged.status === 503) errorOptions.retryAfter = retryAfterOf(headers['retry-after']);
    // The upstream's message is kept in the language its Content-Language names (English if none).
    const said =
      judged.message === undefined
        ? undefined
        : { [negotiateLanguage(String(headers['content-language'] ?? 'en'))]: judged.message };
    throw createError(judged.status, said, errorOptions);
  }

  return app;
}

/** Seconds from a `Retry-After` (seconds or an HTTP date); 1 when there is none. */
function retryAfterOf(value: string | string[] | undefined): number {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return 1;
  const seconds = /^\d+$/.test(text.trim()) ? Number(text) : (Date.parse(text) - Date.now()) / 1000;
  return Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : 1;
}
