import type { FastifyReply, FastifyServerOptions } from 'fastify';
import { negotiateLanguage, requestIdFrom, requestIdHeaders } from '../index.js';
import { answerClientError } from './client-error.js';
import { Contract } from './contract.js';
import { frameworkError } from './request-errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    statuskit: Contract;
  }
}

/**
 * The Fastify constructor options the contract needs, for what happens before any plugin runs:
 * request ids from `X-Request-Id`, framework errors (a bad URL) and parser errors (an unknown
 * method, a slow client) answered in the contract, and no framework 503 while closing.
 * @example const app = Fastify(serverOptions({ logger: true })); await app.register(statuskit, { profile: 'nat' });
 */
export function serverOptions<O extends FastifyServerOptions>(options: O = {} as O): O {
  return {
    ...options,
    // A request without Host gets the contract's 400 from the plugin rather than Node's bare one.
    http: { ...(options as { http?: object }).http, requireHostHeader: false },
    requestIdHeader: false,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) =>
      requestIdFrom(request.headers[requestIdHeaders[0]]),
    return503OnClosing: false,
    // A bad URL is answered before routing, so no hook or error handler of the app runs for it.
    frameworkErrors(error, request, reply) {
      const contract = (reply.server.statuskit as Contract | undefined) ?? new Contract({}, reply.log);
      const answer = contract.answer(
        frameworkError(contract, error, request),
        negotiateLanguage(request.headers['accept-language']),
        request.id,
      );
      for (const name of requestIdHeaders) answer.headers[name] = request.id;
      (reply as unknown as FastifyReply).code(answer.status).headers(answer.headers).send(answer.body);
    },
    clientErrorHandler(this: { statuskit?: Contract; log: Contract['log'] }, error, socket) {
      answerClientError(this.statuskit ?? new Contract({}, this.log), error, socket);
    },
  };
}
