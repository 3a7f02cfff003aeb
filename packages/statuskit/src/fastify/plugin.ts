import type { IncomingMessage } from 'node:http';
import { Server, type Socket } from 'node:net';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  preValidationHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import type { ErrorStatus } from '../catalog/index.js';
import { createError, type Messages } from '../errors/index.js';
import {
  isContractError,
  NotFoundError,
  negotiateLanguage,
  requestIdFrom,
  requestIdHeaders,
  ServiceUnavailableError,
} from '../index.js';
import { messages } from '../texts/index.js';
import { acceptable } from './accept.js';
import { isAsteriskForm } from './asterisk.js';
import { answerOnSocket } from './client-error.js';
import { connectionCap, descriptorLimit } from './connections.js';
import { Contract } from './contract.js';
import { hasBody } from './framing.js';
import { type Job, type JobHandle, jobIn, MemoryJobStore, startJob } from './jobs.js';
import { emptyBodyIsNoBody } from './json.js';
import { lingerOnClose } from './linger.js';
import { MethodTable } from './methods.js';
import { defaults, type StatuskitOptions } from './options.js';
import { inTurn } from './pipeline.js';
import { Pressure } from './pressure.js';
import { frameworkError } from './request-errors.js';
import { validationError } from './validation.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, as `auth.authenticate` found them. */
    principal: unknown;
  }
  interface FastifyReply {
    /** 201 with `Location` naming the new resource. */
    created(location: string): FastifyReply;
    /** 204: no body, no Content-Type. */
    noContent(): FastifyReply;
    /** 202: records a job that runs `work` after the answer; the body and `Location` name the job. */
    accepted(work: (job: JobHandle) => Promise<unknown>): Promise<FastifyReply>;
  }
  interface FastifyContextConfig {
    /** false: the route is open to anyone. */
    auth?: boolean;
    /** Media types the route can produce, for 406 (default JSON). */
    produces?: readonly string[];
    /** true: the route's replies are final as sent (a proxy relaying answers it has judged itself). */
    passThrough?: boolean;
  }
}

const answered = Symbol('statuskit.answered');
const passedThrough = Symbol('statuskit.passedThrough');
type Marked = FastifyReply & { [answered]?: boolean; [passedThrough]?: boolean };

/**
 * The first step of closing: stop accepting connections, but leave the open keep-alive ones be
 * for up to `ms` (until none is left). Closing an idle one at once, as Node's `server.close()`
 * does, loses the request a client (a proxy's pool) is sending on it at that moment: a reset,
 * no answer. Left open, each carries its next request to a 503 with `Connection: close`, and
 * the client learns the server is going while the port refuses new connections. Those still
 * idle after `ms` are closed by Fastify's own close.
 */
async function settle(server: FastifyInstance['server'], ms: number): Promise<void> {
  if (ms <= 0 || !server.listening) return;
  Server.prototype.close.call(server);
  const connections = () =>
    new Promise<number>((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));
  for (const until = Date.now() + ms; Date.now() < until && (await connections()) > 0; )
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, ms)));
}

function languageOf(request: FastifyRequest) {
  return negotiateLanguage(request.headers['accept-language']);
}

async function plugin(app: FastifyInstance, options: StatuskitOptions) {
  const contract = new Contract(options, app.log);
  const produces = options.produces ?? defaults.produces;
  const timeouts = { ...defaults.timeouts, ...options.timeouts };
  const overload = { ...defaults.overload, ...options.overload };
  const jobs =
    options.jobs === false ? undefined : { prefix: '/jobs', store: new MemoryJobStore(), ...options.jobs };
  const methods = new MethodTable(app.initialConfig);
  app.decorate('statuskit', contract);
  app.decorateRequest('principal', undefined);
  emptyBodyIsNoBody(app);

  // Node checks these only every `connectionsCheckingInterval` (30 s by default): a slow client
  // would hold its socket that long before the 408. The server reads them when it starts listening.
  app.server.headersTimeout = timeouts.headers;
  app.server.requestTimeout = timeouts.request;
  (app.server as typeof app.server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    timeouts.checkInterval;

  // CONNECT never reaches a route: Node hands the socket over, or drops it when nobody listens.
  app.server.on('connect', (request: IncomingMessage, socket: Socket) => {
    const requestId = requestIdFrom(request.headers[requestIdHeaders[0]]);
    answerOnSocket(contract, socket, 501, requestId, negotiateLanguage(request.headers['accept-language']));
  });
  // An `Expect` other than 100-continue: Node would send a bare 417 (outside the profile) on its own.
  app.server.on('checkExpectation', (request: IncomingMessage) =>
    answerOnSocket(
      contract,
      request.socket,
      417,
      requestIdFrom(request.headers[requestIdHeaders[0]]),
      negotiateLanguage(request.headers['accept-language']),
    ),
  );

  // Past this many open connections a new one is closed as soon as it is accepted: the process
  // keeps descriptors for its own work instead of dying of EMFILE.
  const maxConnections = overload.maxConnections ?? connectionCap(descriptorLimit());
  if (maxConnections > 0) app.server.maxConnections = maxConnections;

  const countOut = () => {
    contract.inFlight--;
  };
  const maxInFlight = overload.maxInFlight;
  const tooMany = () =>
    new ServiceUnavailableError(messages.tooManyInFlight(), { retryAfter: contract.retryAfter });
  /** Counts the request in flight (out again on 'close', which comes whether the answer was sent or the client went away); false past the limit. */
  function countIn(reply: FastifyReply): boolean {
    contract.inFlight++;
    // 'close' comes once: `on` spares the wrapper `once` makes for every request.
    reply.raw.on('close', countOut);
    return contract.inFlight <= maxInFlight;
  }

  const pressure =
    overload.maxEventLoopDelay > 0 || overload.maxHeapUsedBytes > 0
      ? new Pressure({
          maxEventLoopDelay: overload.maxEventLoopDelay,
          maxHeapUsedBytes: overload.maxHeapUsedBytes,
        })
      : undefined;
  contract.pressure = pressure;
  app.addHook('onClose', async () => pressure?.stop());

  /** Why this request is refused before any work, if it is. */
  function refusal(request: FastifyRequest, reply: FastifyReply): Error | undefined {
    const raw = request.raw;
    // A request still sending its body is counted once the body is in (its route's preValidation,
    // below): a client dribbling one takes a connection, not the capacity meant for work.
    if (maxInFlight > 0 && !hasBody(raw) && !countIn(reply)) return tooMany();
    return contract.turnedAway(raw);
  }

  // Every answer carries the request id; requests that cannot be served now get 503. A global
  // hook, so that it comes before the app's own hooks, global or of the route.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(requestIdHeaders[0], request.id);
    reply.header(requestIdHeaders[1], request.id);
    const socket = request.raw.socket;
    const waiting = inTurn(socket ?? request.raw, reply.raw, request.method, contract.perConnection);
    // A request whose connection went while it waited is not served: its client is gone.
    if (waiting)
      waiting.then(() => {
        if (!socket?.destroyed) done(refusal(request, reply));
      });
    else done(refusal(request, reply));
  });
  /**
   * Counts a request with a body once the body is in. A hook of each route rather than a global
   * one: the not-found handler's answers (404, 405, 501) do no work and take no capacity, and
   * every global hook is a step on their way (one costs them about 5 % of their CPU).
   */
  const countedWithBody: preValidationHookHandler | undefined =
    maxInFlight > 0
      ? (request, reply, done) => {
          if (hasBody(request.raw) && !countIn(reply)) return done(tooMany());
          done();
        }
      : undefined;
  app.addHook('preClose', async () => {
    contract.draining = true;
    // A closing Node server no longer times requests out: a client still sending when the
    // longest request may take has passed is cut off, or it would hold the close forever.
    setTimeout(() => app.server.closeAllConnections(), timeouts.request).unref();
    await settle(app.server, timeouts.drain);
  });

  // Authentication runs before the body is read: an unknown caller learns nothing of the route.
  const auth = options.auth;
  const challenge = contract.challenge;

  /**
   * Who is calling, and may they: the refusal (401, 403) or undefined; synchronous when the
   * service's checks are, a promise when not. A refusal is a status rather than a thrown error:
   * it is answered from the prepared answers.
   */
  function admit(request: FastifyRequest): Refusal | Promise<Refusal> {
    if (!auth) return undefined;
    const principal = auth.authenticate(request);
    return principal instanceof Promise
      ? principal.then((found) => authorize(request, found))
      : authorize(request, principal);
  }

  /** Whether the caller `authenticate` found may go on: 401 for nobody, 403 where `authorize` says no. */
  function authorize(request: FastifyRequest, principal: unknown): Refusal | Promise<Refusal> {
    if (principal === undefined || principal === null) return 401;
    request.principal = principal;
    if (!auth?.authorize) return undefined;
    const allowed = auth.authorize(principal, request);
    return allowed instanceof Promise ? allowed.then(forbidUnless) : forbidUnless(allowed);
  }

  /** Lets the request go on, or answers the refusal admit() decided. */
  function admitted(request: FastifyRequest, reply: FastifyReply, done: () => void, refusal: Refusal) {
    if (refusal === undefined) return done();
    const message = refusal === 401 ? messages.authenticationRequired() : messages.forbidden();
    refuse(request, reply, refusal, message);
  }

  /** What the service's own checks threw: a contract error is answered as it is, anything else is Fastify's. */
  function failed(
    request: FastifyRequest,
    reply: FastifyReply,
    done: (error: Error) => void,
    error: unknown,
  ) {
    if (isContractError(error)) respond(request, reply, error);
    else done(error as Error);
  }

  // What depends on the route is decided once, here, in one route-level hook: reading
  // `request.routeOptions` on every request, or awaiting a synchronous check, costs more than
  // the checks themselves.
  app.addHook('onRoute', (route) => {
    methods.add(route.method, route.url);
    const routeProduces = route.config?.produces ?? produces;
    const types = routeProduces.join(', ');
    // What the route answers to each Accept header seen: clients send the same few, every time
    // (axios: `application/json, text/plain, */*`). Bounded, so that odd headers cannot grow it.
    const verdicts = new Map<string, boolean>();
    const accepts = (accept: string) => {
      let verdict = verdicts.get(accept);
      if (verdict === undefined) {
        verdict = acceptable(accept, routeProduces);
        if (verdicts.size < 32) verdicts.set(accept, verdict);
      }
      return verdict;
    };
    const passThrough = route.config?.passThrough === true;
    const checked = auth !== undefined && route.config?.auth !== false;
    // A refusal is answered from the hook: the way through Fastify's error path costs more.
    const own: onRequestHookHandler = (request, reply, done) => {
      if (isAsteriskForm(request.raw.url)) return serverWide(request, reply);
      const accept = request.headers.accept;
      if (accept !== undefined && !accepts(accept)) {
        refuse(request, reply, 406, messages.notAcceptable({ types }));
        return;
      }
      if (passThrough) (reply as Marked)[passedThrough] = true;
      if (!checked) return done();
      try {
        const verdict = admit(request);
        if (verdict instanceof Promise)
          verdict.then(
            (refusal) => admitted(request, reply, done, refusal),
            (error) => failed(request, reply, done, error),
          );
        else admitted(request, reply, done, verdict);
      } catch (error) {
        failed(request, reply, done, error);
      }
    };
    route.onRequest = [...hooksOf(route.onRequest), own];
    if (countedWithBody) route.preValidation = [countedWithBody, ...hooksOf(route.preValidation)];
  });

  /** Sends the contract's answer for `error`, marked so that onSend leaves it as it is. */
  function respond(request: FastifyRequest, reply: FastifyReply, error: unknown) {
    const answer = contract.answer(error, languageOf(request), request.id);
    if (answer.status === 401 && !answer.headers['www-authenticate'])
      answer.headers['www-authenticate'] = challenge;
    (reply as Marked)[answered] = true;
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  }

  /**
   * Sends the plugin's own refusal: `status` with `message` in the request's language (and
   * `Allow`, for a 405), as respond() would send the error, but from the prepared answers: no
   * error object, no body object and no serialisation per answer (404, 405 and 401 are the
   * answers a server sends most, to scanners and clients without a token).
   */
  function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    status: ErrorStatus,
    message: Messages,
    allow?: string,
  ) {
    const lang = languageOf(request);
    const text = message[lang];
    // A message not written in the language asked for is answered in another one: respond() knows how.
    if (!text)
      return respond(
        request,
        reply,
        createError(status, message, allow === undefined ? undefined : { headers: { allow } }),
      );
    const answer = contract.prepared.get(status, lang);
    (reply as Marked)[answered] = true;
    // Header by header: `reply.headers()` makes a list of the names on every call.
    reply.code(answer.status);
    if (allow) reply.header('allow', allow);
    reply.header('content-type', answer.headers['content-type']);
    reply.header('content-language', answer.headers['content-language']);
    if (answer.status === 401) reply.header('www-authenticate', challenge);
    return reply.send(answer.body(text, request.id));
  }

  /**
   * Answers a request for the server as a whole (`OPTIONS *`): 204 with every method some route
   * serves in `Allow`, as OPTIONS on a path gets its own; any other method with `*` is a 400.
   */
  function serverWide(request: FastifyRequest, reply: FastifyReply) {
    if (request.method === 'OPTIONS') return reply.code(204).header('allow', methods.allowAll()).send();
    return refuse(request, reply, 400, messages.asteriskForm());
  }

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    const known = isContractError(error)
      ? error
      : error.validation
        ? validationError(error, languageOf(request))
        : status >= 400 && status < 500
          ? frameworkError(contract, error, request)
          : undefined;
    if (!known || known.status >= 500) {
      request.log.error({ err: error }, known ? 'server error' : 'unhandled error');
    }
    respond(request, reply, known ?? error);
  });

  // Answered here rather than thrown: a throw through Fastify's error path costs more than the answer.
  app.setNotFoundHandler((request, reply) => {
    const { method } = request;
    // A method the server does not recognise is 501 on any path (RFC 9110 §15.6.2); one it
    // knows, on a path that exists but does not serve it, is 405 with Allow (§15.5.6).
    if (!methods.knows(method))
      return respond(request, reply, contract.errorFor(501, messages.methodNotImplemented({ method })));
    if (isAsteriskForm(request.raw.url)) return serverWide(request, reply);
    const url = request.url;
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const allow = methods.allow(path);
    if (allow === undefined) return refuse(request, reply, 404, messages.routeNotFound({ path }));
    if (method === 'OPTIONS') return reply.code(204).header('allow', allow).send();
    // A route that serves this method sent the request here itself (`reply.callNotFound()`, as a
    // static file route does for a file it does not have): nothing by that name, not a wrong method.
    if (methods.serves(path, method)) return refuse(request, reply, 404, messages.routeNotFound({ path }));
    return refuse(request, reply, 405, messages.methodNotAllowed({ method, path }), allow);
  });

  // The last look at every answer: a 204 never has a body, a status the profile lacks is moved
  // to its fallback, and an error sent around the error handler gets a contract body.
  app.addHook('onSend', (request, reply, payload, done) => {
    // While closing, every answer ends its connection: an idle keep-alive one would hold the close.
    if (contract.draining) reply.header('connection', 'close');
    // A body still coming in meets a reset if the connection ends now. (A request without one is
    // incomplete only until Node's parser returns, which a synchronous answer comes before.)
    if (!request.raw.complete && hasBody(request.raw)) lingerOnClose(request.raw.socket, contract.linger);
    if ((reply as Marked)[passedThrough]) return done(null, payload);
    const status = reply.statusCode;
    if (status === 204) {
      if (payload !== undefined && payload !== null && payload !== '')
        request.log.warn('a body sent with 204 was dropped');
      reply.removeHeader('content-type');
      return done(null, null);
    }
    if (contract.profile.has(status) && (status < 400 || (reply as Marked)[answered]))
      return done(null, payload);
    const resolved = contract.profile.resolve(status);
    if (resolved !== status)
      request.log.warn({ from: status, to: resolved }, 'status outside the profile corrected');
    if (resolved < 400) {
      reply.code(resolved);
      return done(null, payload);
    }
    const answer = contract.answer(contract.errorFor(resolved), languageOf(request), request.id);
    reply.code(answer.status).headers(answer.headers);
    done(null, answer.body);
  });

  app.decorateReply('created', function created(this: FastifyReply, location: string) {
    return this.code(201).header('location', location);
  });
  app.decorateReply('noContent', function noContent(this: FastifyReply) {
    return this.code(204).send();
  });
  if (jobs) {
    const { prefix, store } = jobs;
    app.decorateReply(
      'accepted',
      async function accepted(this: FastifyReply, work: (job: JobHandle) => Promise<unknown>) {
        const log = this.log;
        const job = await startJob(store, work, (error) => log.error({ err: error }, 'job failed'));
        return this.code(202).header('location', `${prefix}/${job.job_id}`).send({ job_id: job.job_id });
      },
    );
    app.get<{ Params: { job_id: string } }>(
      `${prefix}/:job_id`,
      async (request, reply): Promise<{ job: Job }> => {
        const job = await store.get(request.params.job_id);
        if (!job) throw new NotFoundError(messages.jobNotFound({ id: request.params.job_id }));
        const shown = jobIn(job, languageOf(request));
        if (shown.lang) reply.header('content-language', shown.lang);
        return { job: shown.job };
      },
    );
  }
}

/** A route's own hooks of one kind, as a list. */
function hooksOf<Hook>(hooks: Hook | Hook[] | undefined): Hook[] {
  return hooks === undefined ? [] : ([hooks].flat() as Hook[]);
}

/** Why admission refuses a caller: 401 (who are you?), 403 (not you), or undefined to let them in. */
type Refusal = 401 | 403 | undefined;

function forbidUnless(allowed: boolean): Refusal {
  return allowed ? undefined : 403;
}

/**
 * The contract for any Fastify 5 app: every status from its real condition, in one profile and
 * one error dialect. Create the app with `serverOptions()` so that what happens before routing
 * is answered in the contract too.
 * @example
 * const app = Fastify(serverOptions());
 * await app.register(statuskit, { profile: 'nat', dialect: 'error' });
 */
export const statuskit = fp(plugin, { name: 'statuskit', fastify: '5.x' });
