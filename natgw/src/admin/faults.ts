import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { type ContractError, createError, type ErrorStatus } from 'statuskit';
import { type Backend, type Backends, backends, isBackend } from '../backends.js';
import type { ProjectConfig } from '../config.js';
import { errorCodes } from '../error-codes.js';
import { type NatCode, natError, pluginErrorCodes } from '../errors.js';
import { prefixes } from '../forms.js';
import type { TokenClaims } from '../identity/tokens.js';
import type { ResourceKind } from '../resources/kind.js';
import { integer, listOf, sent, success, text } from '../validate.js';
import { globMatcher, globMeetsRoute } from './globs.js';

/** Bounds of the fault list: faults at once, requests one fault answers, and the longest delay. */
export const faultLimits = { faults: 100, count: 10_000, delayMs: 120_000, retryAfter: 3_600 } as const;

/** The contract statuses a `status` fault answers with (each with the contract's body and code). */
const faultStatuses = [500, 502, 503, 504] as const;
const methods = ['*', 'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A fault as set and as listed: which requests, how many more, and what they get. */
export interface FaultView {
  id: string;
  project_id: string;
  method: string;
  path: string;
  count: number;
  remaining: number;
  code?: string;
  status?: number;
  retry_after?: number;
  delay_ms?: number;
  fails?: string;
}

/** What a fault does to a request it matches. */
type Action =
  | { kind: 'code'; code: NatCode }
  | { kind: 'status'; status: (typeof faultStatuses)[number]; retryAfter?: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'fails'; backend: Backend };

interface Fault {
  view: FaultView;
  matches(path: string): boolean;
  action: Action;
}

/** The fields of a fault's body; what it does is exactly one of the last four. */
const fields = [
  'project_id',
  'method',
  'path',
  'count',
  'code',
  'status',
  'retry_after',
  'delay_ms',
  'fails',
];
const actions = ['code', 'status', 'delay_ms', 'fails'] as const;

const invalid = (message: string) => createError(400, message);

/**
 * The faults set through the admin API, in this process's memory: each answers the next `count`
 * requests of its project (or of every project, `*`) whose method and path it matches, in the
 * order the faults were set, instead of serving them. Behind a gateway with several instances,
 * each instance has its own: set a fault on each (through its own port).
 */
export class Faults {
  readonly #faults: Fault[] = [];

  constructor(
    readonly backends: Backends,
    /** Where each backend is reached: the routes (method, Fastify path) of its operations. */
    readonly reached: ReadonlyMap<Backend, readonly { method: string; url: string }[]>,
    readonly projects: readonly ProjectConfig[],
  ) {}

  list(): FaultView[] {
    return this.#faults.map((fault) => ({ ...fault.view }));
  }

  get(id: string): FaultView | undefined {
    const fault = this.#faults.find((candidate) => candidate.view.id === id);
    return fault && { ...fault.view };
  }

  /** Adds a fault from a request's body, checked: a 400 saying what is wrong, else the fault. */
  add(body: Record<string, unknown>): FaultView {
    if (this.#faults.length >= faultLimits.faults)
      throw invalid(`At most ${faultLimits.faults} faults at once: delete some first.`);
    const fault = this.#checked(body);
    this.#faults.push(fault);
    return { ...fault.view };
  }

  clear(): void {
    this.#faults.length = 0;
  }

  remove(id: string): boolean {
    const at = this.#faults.findIndex((fault) => fault.view.id === id);
    if (at >= 0) this.#faults.splice(at, 1);
    return at >= 0;
  }

  /**
   * A preHandler hook: after authentication (so a request without credentials still gets 401),
   * the first fault matching the request answers it, delays it or arms its backend's failure,
   * and counts one down. The admin API and requests without a project are never matched; with
   * no fault set, a request costs one length check.
   */
  readonly hook = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const fault = this.#faults.length === 0 ? undefined : this.#match(request);
    if (fault === undefined) {
      done();
      return;
    }
    const { action, view } = fault;
    const log = (what: string) =>
      request.log.info(
        { fault: view.id, method: request.method, url: request.url, action: what },
        'fault answered',
      );
    switch (action.kind) {
      case 'code':
        log(`answered ${action.code}`);
        done(pageError(action.code, request.params as Record<string, string>));
        break;
      case 'status':
        log(`answered ${action.status}`);
        done(statusError(action.status, action.retryAfter));
        break;
      case 'delay':
        log(`delayed ${action.ms} ms`);
        setTimeout(done, action.ms);
        break;
      case 'fails':
        log(`set ${action.backend} to fail`);
        this.backends.failing({ backend: action.backend, fault: view.id, log: request.log }, done);
        break;
    }
  };

  /** The first fault that matches the request, counted one down (and gone at 0). */
  #match(request: FastifyRequest): Fault | undefined {
    const project = (request.principal as TokenClaims | undefined)?.projectId;
    if (project === undefined || request.routeOptions.config.admin) return undefined;
    const path = request.url.split('?', 1)[0] ?? '';
    const at = this.#faults.findIndex(({ view, matches }) => {
      if (view.project_id !== '*' && view.project_id !== project) return false;
      if (view.method !== '*' && view.method !== request.method) return false;
      return matches(path);
    });
    const fault = this.#faults[at];
    if (fault === undefined) return undefined;
    fault.view.remaining--;
    if (fault.view.remaining === 0) this.#faults.splice(at, 1);
    return fault;
  }

  #checked(body: Record<string, unknown>): Fault {
    const unknown = Object.keys(body).filter((key) => !fields.includes(key));
    if (unknown.length > 0)
      throw invalid(`Unknown field ${unknown.join(', ')}: a fault has ${fields.join(', ')}.`);
    const given = actions.filter((key) => body[key] !== undefined);
    if (given.length !== 1)
      throw invalid(
        `A fault does exactly one of code, status, delay_ms and fails: ${given.length === 0 ? 'none' : given.join(', ')} given.`,
      );
    const projectId = String(body.project_id ?? '');
    if (projectId !== '*' && !this.projects.some((project) => project.id === projectId))
      throw invalid(
        `project_id ${projectId} is no project: a configured project's id, or * for all of them.`,
      );
    const method = String(body.method ?? '*').toUpperCase();
    if (!(methods as readonly string[]).includes(method))
      throw invalid(`method ${method} is none of ${methods.join(', ')}.`);
    const path = String(body.path ?? '');
    if (!/^[/*]/.test(path)) throw invalid(`path ${path} must start with / or *.`);
    const count = body.count === undefined ? 1 : Number(body.count);
    if (!Number.isInteger(count) || count < 1 || count > faultLimits.count)
      throw invalid(`count must be an integer from 1 to ${faultLimits.count}.`);
    if (body.retry_after !== undefined && body.status !== 503)
      throw invalid('retry_after goes with status 503 only.');
    const action = this.#action(body, method, path);
    const view: FaultView = {
      id: randomUUID(),
      project_id: projectId,
      method,
      path,
      count,
      remaining: count,
      ...viewOf(action),
    };
    return { view, action, matches: globMatcher(path) };
  }

  #action(body: Record<string, unknown>, method: string, path: string): Action {
    if (body.code !== undefined) {
      const code = String(body.code);
      if (!Object.hasOwn(errorCodes, code)) throw invalid(`code ${code} is not on the error-code page.`);
      return { kind: 'code', code: code as NatCode };
    }
    if (body.status !== undefined) {
      const status = Number(body.status) as (typeof faultStatuses)[number];
      if (!faultStatuses.includes(status))
        throw invalid(`status must be one of ${faultStatuses.join(', ')}.`);
      if (status !== 503) return { kind: 'status', status };
      const retryAfter = body.retry_after === undefined ? 1 : Number(body.retry_after);
      if (!Number.isInteger(retryAfter) || retryAfter < 0 || retryAfter > faultLimits.retryAfter)
        throw invalid(
          `retry_after must be an integer number of seconds from 0 to ${faultLimits.retryAfter}.`,
        );
      return { kind: 'status', status, retryAfter };
    }
    if (body.delay_ms !== undefined) {
      const ms = Number(body.delay_ms);
      if (!Number.isInteger(ms) || ms < 1 || ms > faultLimits.delayMs)
        throw invalid(`delay_ms must be an integer from 1 to ${faultLimits.delayMs}.`);
      return { kind: 'delay', ms };
    }
    const backend = String(body.fails);
    if (!isBackend(backend))
      throw invalid(`fails ${backend} is no backend: one of ${Object.keys(backends).join(', ')}.`);
    const reachable = (this.reached.get(backend) ?? []).filter(
      (route) => (method === '*' || method === route.method) && globMeetsRoute(path, route.url),
    );
    if (reachable.length === 0)
      throw invalid(
        `${method} ${path} never reaches ${backend}: its operations are ${(this.reached.get(backend) ?? [])
          .map((route) => `${route.method} ${route.url}`)
          .join(', ')}.`,
      );
    return { kind: 'fails', backend };
  }
}

function viewOf(action: Action): Partial<FaultView> {
  switch (action.kind) {
    case 'code':
      return { code: action.code };
    case 'status':
      return {
        status: action.status,
        ...(action.retryAfter === undefined ? {} : { retry_after: action.retryAfter }),
      };
    case 'delay':
      return { delay_ms: action.ms };
    case 'fails':
      return { fails: action.backend };
  }
}

/**
 * The page's error for a code: its first status and message, the message's placeholders filled
 * from the request's path parameters of the same name (`nat_gateway_id`), the others left as the
 * page writes them.
 */
function pageError(code: NatCode, params: Record<string, string>): ContractError {
  const statuses: readonly number[] = errorCodes[code].statuses;
  return natError(code, params, { status: statuses[0] as number, keepUnfilled: true });
}

/** The contract's answer for a status: its body, with the service's code for it where it has one. */
function statusError(status: (typeof faultStatuses)[number], retryAfter?: number): ContractError {
  const code = (pluginErrorCodes as Partial<Record<number, string>>)[status];
  return createError(status as ErrorStatus, undefined, {
    ...(code === undefined ? {} : { code }),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  });
}

/**
 * The routes each backend is reached from: the Fastify paths of the operations that call it,
 * in every form their kind is served in.
 */
export function reachedRoutes(kinds: readonly ResourceKind[]) {
  const reached = new Map<Backend, { method: string; url: string }[]>();
  for (const [backend, { reached: operations }] of Object.entries(backends) as [
    Backend,
    (typeof backends)[Backend],
  ][]) {
    reached.set(
      backend,
      operations.flatMap(({ table, operation }) => {
        const kind = kinds.find((candidate) => candidate.table === table);
        if (!kind) throw new Error(`no kind has the table ${table}`);
        const declared = operation === 'delete' ? kind : kind[operation];
        const forms = (declared && 'forms' in declared ? declared.forms : undefined) ?? kind.forms;
        return forms.map((form) => {
          const collection = `${prefixes[form]}${kind.path}`;
          return operation === 'create'
            ? { method: 'POST', url: collection }
            : operation === 'batch'
              ? { method: 'POST', url: `${collection}/batch` }
              : { method: 'DELETE', url: `${collection}/:${kind.idParam}` };
        });
      }),
    );
  }
  return reached;
}

const faultSchema = {
  type: 'object',
  required: ['id', 'project_id', 'method', 'path', 'count', 'remaining'],
  properties: {
    id: text,
    project_id: text,
    method: text,
    path: text,
    count: integer,
    remaining: { type: 'integer', description: 'Requests it still answers; gone at 0.' },
    code: text,
    status: integer,
    retry_after: integer,
    delay_ms: integer,
    fails: text,
  },
} as const;

const faultBody = {
  type: 'object',
  required: ['project_id', 'path'],
  description: 'Exactly one of code, status, delay_ms and fails.',
  examples: [
    {
      project_id: '9ad601814ac94c80bf7bb9073ded66fc',
      method: 'GET',
      path: '/v2.0/nat_gateways*',
      status: 503,
      retry_after: 2,
    },
  ],
  properties: {
    project_id: {
      type: 'string',
      maxLength: 64,
      description: "The requests' project, or * for every project.",
    },
    method: {
      type: 'string',
      maxLength: 8,
      description: 'GET, POST, PUT, DELETE…, or * (the default) for any.',
    },
    path: {
      type: 'string',
      maxLength: 1024,
      description: 'A glob over the request path without its query: * is any run of characters, / included.',
    },
    count: {
      type: 'integer',
      description: `The next requests it answers: 1 (the default) to ${faultLimits.count}.`,
    },
    code: {
      type: 'string',
      maxLength: 16,
      description: 'A code of the error-code page: its status and message.',
    },
    status: { type: 'integer', description: `The contract's answer for ${faultStatuses.join(', ')}.` },
    retry_after: {
      type: 'integer',
      description: 'With status 503: the seconds of Retry-After (1 by default).',
    },
    delay_ms: {
      type: 'integer',
      description: `Served after this many milliseconds (at most ${faultLimits.delayMs}).`,
    },
    fails: {
      type: 'string',
      maxLength: 32,
      description: `A backend whose call fails with its page code, leaving nothing of the operation behind: ${Object.keys(backends).join(', ')}.`,
    },
  },
} as const;

const byId = {
  type: 'object',
  required: ['fault_id'],
  properties: { fault_id: { type: 'string', maxLength: 64 } },
} as const;

/**
 * `POST`, `GET` and `DELETE /_natgw/faults`, and `GET` and `DELETE /_natgw/faults/{fault_id}`:
 * the faults of this instance.
 */
export function faultRoutes(faults: Faults, publicUrl: () => string) {
  const missing = (id: string) => createError(404, `No fault ${id}.`);
  return (scope: FastifyInstance) => {
    scope.post<{ Body: Record<string, unknown> }>(
      '/faults',
      {
        schema: {
          summary: 'Set a fault',
          description:
            "The next `count` requests of the project that match `method` and `path` (after authentication; never the admin API's) are answered with a page's code, a contract status, delayed, or fail at a backend, instead of being served. Kept in this instance's memory.",
          body: faultBody,
          response: success.created(sent({ fault: faultSchema })),
        },
      },
      async (request, reply) => {
        const fault = faults.add(request.body);
        request.log.info({ fault }, 'fault set');
        reply.created(`${publicUrl()}/_natgw/faults/${fault.id}`);
        return { fault };
      },
    );
    scope.get(
      '/faults',
      {
        schema: {
          summary: 'List the faults',
          description: 'The faults still set, with the requests each still answers.',
          response: { 200: sent({ faults: listOf(faultSchema) }) },
        },
      },
      async () => ({ faults: faults.list() }),
    );
    scope.delete(
      '/faults',
      { schema: { summary: 'Delete every fault', response: success.noContent } },
      async (_request, reply) => {
        faults.clear();
        return reply.noContent();
      },
    );
    scope.get<{ Params: { fault_id: string } }>(
      '/faults/:fault_id',
      { schema: { summary: 'Show a fault', params: byId, response: { 200: sent({ fault: faultSchema }) } } },
      async (request) => {
        const fault = faults.get(request.params.fault_id);
        if (!fault) throw missing(request.params.fault_id);
        return { fault };
      },
    );
    scope.delete<{ Params: { fault_id: string } }>(
      '/faults/:fault_id',
      { schema: { summary: 'Delete a fault', params: byId, response: success.noContent } },
      async (request, reply) => {
        if (!faults.remove(request.params.fault_id)) throw missing(request.params.fault_id);
        return reply.noContent();
      },
    );
  };
}
