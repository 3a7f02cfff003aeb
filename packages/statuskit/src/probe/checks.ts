import { randomBytes } from 'node:crypto';
import type { Language, Profile } from '../catalog/index.js';
import { parseErrorBody } from '../dialects/index.js';
import { requestIdHeaders } from '../http/request-id.js';
import { type Exchange, send, sendHead, sendRaw } from './exchange.js';
import { expectedStatuses, itemFromBody, schemaViolation, type Target, withUniqueNames } from './target.js';

export type Verdict = 'pass' | 'fail' | 'skip';

/** One check's outcome, with the evidence a person needs to believe it. */
export interface CheckResult {
  id: string;
  expected: string;
  observed: string;
  verdict: Verdict;
  reason?: string;
  evidence: Evidence[];
}

export interface Evidence {
  request: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ProbeContext {
  baseUrl: string;
  profile: Profile;
  lang: Language;
  target: Target;
  /** Whether `GET /` answered 2xx: a route to ask for another type when there is no resource. */
  rootServes: boolean;
  token?: string | undefined;
  readonlyToken?: string | undefined;
  authHeader: string;
  timeoutMs: number;
  slowBoundMs: number;
  settleMs: number;
  progress(message: string): void;
}

/** Headers that matter as evidence. */
const evidenceHeaders = [
  'content-type',
  'allow',
  'location',
  'www-authenticate',
  'retry-after',
  'content-language',
  'x-request-id',
  'x-openstack-request-id',
];

function evidence(exchange: Exchange): Evidence {
  return {
    request: `${exchange.method} ${exchange.url}`,
    status: exchange.status,
    headers: Object.fromEntries(
      evidenceHeaders
        .filter((name) => exchange.headers[name] !== undefined)
        .map((name) => [name, exchange.headers[name] as string]),
    ),
    body: exchange.body.slice(0, 300),
  };
}

const leak =
  /\bat [\w$.<>]+ \(|\.(?:js|ts|mjs|cjs|py):\d+|node_modules|\/(?:home|usr|srv|var|opt)\/|\b(?:TypeError|ReferenceError|SyntaxError|RangeError|Traceback)\b|Error: /;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The battery. Every exchange is kept, so that the checks over the whole run (request ids, one
 * dialect, codes inside the profile, nothing leaked) see every answer the API gave.
 */
export class Battery {
  readonly exchanges: Exchange[] = [];
  readonly results: CheckResult[] = [];
  readonly #suffix = randomBytes(4).toString('hex');

  constructor(readonly ctx: ProbeContext) {}

  async request(
    method: string,
    path: string,
    options: {
      auth?: 'rw' | 'ro' | 'none' | 'bad';
      headers?: Record<string, string>;
      body?: unknown;
      raw?: string;
      timeoutMs?: number;
    } = {},
  ) {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    const token = {
      rw: this.ctx.token,
      ro: this.ctx.readonlyToken,
      bad: 'statuskit-probe-invalid-token',
      none: undefined,
    }[options.auth ?? 'rw'];
    if (token !== undefined) headers[this.ctx.authHeader] = token;
    let body: string | undefined;
    if (options.raw !== undefined || options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = options.raw ?? JSON.stringify(options.body);
    }
    const url = /^https?:/.test(path) ? path : `${this.ctx.baseUrl}${path}`;
    const timeoutMs = options.timeoutMs ?? this.ctx.timeoutMs;
    // A body after a HEAD answer is a fault to see, and fetch would drop it: HEAD is read raw.
    const exchange =
      method === 'HEAD'
        ? await sendHead(url, headers, { timeoutMs })
        : await send({ method, url, headers, timeoutMs, ...(body === undefined ? {} : { body }) });
    this.exchanges.push(exchange);
    return exchange;
  }

  record(
    id: string,
    expected: string,
    exchanges: Exchange[],
    verdict: boolean | 'skip',
    observed?: string,
    reason?: string,
  ) {
    const last = exchanges.at(-1);
    this.results.push({
      id,
      expected,
      observed: observed ?? (last ? String(last.status || 'no answer') : '-'),
      verdict: verdict === 'skip' ? 'skip' : verdict ? 'pass' : 'fail',
      ...(reason === undefined ? {} : { reason }),
      evidence: exchanges.map(evidence),
    });
  }

  skip(id: string, expected: string, reason: string) {
    this.record(id, expected, [], 'skip', '-', reason);
  }

  /** A body in a dialect of the contract, for an error status. */
  contractBody(exchange: Exchange): boolean {
    return parseErrorBody(exchange.body) !== undefined && /json/.test(exchange.headers['content-type'] ?? '');
  }

  get #resource() {
    return this.ctx.target.resource;
  }

  async unknownRoute() {
    const response = await this.request('GET', `/statuskit-probe-${this.#suffix}`);
    this.record(
      'unknown-route',
      '404 + contract body',
      [response],
      response.status === 404 && this.contractBody(response),
      this.#describe(response),
    );
  }

  async wrongMethod() {
    if (!this.#resource)
      return this.skip('wrong-method', '405 + Allow', 'no resource (--resource or --openapi)');
    const response = await this.request('DELETE', this.#resource);
    const allow = (response.headers.allow ?? '').split(',').map((method) => method.trim().toUpperCase());
    const ok =
      response.status === 405 && allow.includes('GET') && allow.includes('POST') && !allow.includes('DELETE');
    this.record(
      'wrong-method',
      '405 + Allow with GET, POST',
      [response],
      ok,
      `${response.status}${response.headers.allow ? ` Allow: ${response.headers.allow}` : ' (no Allow)'}`,
    );
  }

  async unknownMethod() {
    const path = this.#resource ?? '/';
    const host = new URL(this.ctx.baseUrl).host;
    const response = await sendRaw(
      `${this.ctx.baseUrl}${path}`,
      `PROPFIND ${new URL(this.ctx.baseUrl).pathname.replace(/\/$/, '')}${path} HTTP/1.1\r\nHost: ${host}\r\n${this.ctx.token ? `${this.ctx.authHeader}: ${this.ctx.token}\r\n` : ''}Connection: close\r\n\r\n`,
      {
        timeoutMs: this.ctx.timeoutMs,
      },
    );
    this.exchanges.push(response);
    this.record(
      'unknown-method',
      '501 + contract body',
      [response],
      response.status === 501 && this.contractBody(response),
      this.#describe(response),
    );
  }

  /** A path known to answer GET: the resource, else `/` when it answered 2xx. */
  get #served() {
    return this.#resource ?? (this.ctx.rootServes ? '/' : undefined);
  }

  async notAcceptable() {
    const path = this.#served;
    // On a path with no route, 404 is the right answer whatever the Accept: nothing to learn there.
    if (path === undefined)
      return this.skip('not-acceptable', '406', 'no path known to answer GET (--resource or --openapi)');
    const response = await this.request('GET', path, { headers: { accept: 'application/xml' } });
    this.record(
      'not-acceptable',
      '406 + JSON contract body',
      [response],
      response.status === 406 && this.contractBody(response),
      this.#describe(response),
    );
  }

  async credentials() {
    if (!this.#resource) {
      this.skip('no-credentials', '401 + WWW-Authenticate', 'no resource (--resource or --openapi)');
      return this.skip('bad-credentials', '401', 'no resource (--resource or --openapi)');
    }
    const none = await this.request('GET', this.#resource, { auth: 'none' });
    this.record(
      'no-credentials',
      '401 + WWW-Authenticate',
      [none],
      none.status === 401 && none.headers['www-authenticate'] !== undefined && this.contractBody(none),
      `${this.#describe(none)}${none.status === 401 && none.headers['www-authenticate'] === undefined ? ' (no WWW-Authenticate)' : ''}`,
    );
    const bad = await this.request('GET', this.#resource, { auth: 'bad' });
    this.record(
      'bad-credentials',
      '401',
      [bad],
      bad.status === 401 && this.contractBody(bad),
      this.#describe(bad),
    );
  }

  async readonlyWrite() {
    const body = this.ctx.target.createBody;
    if (!this.#resource || body === undefined)
      return this.skip('read-only-write', '403', 'no resource with a create body');
    if (!this.ctx.readonlyToken)
      return this.skip('read-only-write', '403', 'no read-only credentials (--readonly-token)');
    const response = await this.request('POST', this.#resource, {
      auth: 'ro',
      body: withUniqueNames(body, this.ctx.target.names),
    });
    this.record(
      'read-only-write',
      '403',
      [response],
      response.status === 403 && this.contractBody(response),
      this.#describe(response),
    );
  }

  async malformedJson() {
    if (!this.#resource) return this.skip('malformed-json', '400', 'no resource (--resource or --openapi)');
    const response = await this.request('POST', this.#resource, { raw: '{"statuskit": ' });
    this.record(
      'malformed-json',
      '400 + contract body',
      [response],
      response.status === 400 && this.contractBody(response),
      this.#describe(response),
    );
  }

  async schemaViolation() {
    const violation = schemaViolation(this.ctx.target.createBody);
    if (!this.#resource || !violation)
      return this.skip('schema-violation', '400 naming the field', 'no resource with a create body');
    const response = await this.request('POST', this.#resource, {
      body: withUniqueNames(violation.body, this.ctx.target.names),
    });
    const parsed = parseErrorBody(response.body);
    const named = `${parsed?.message ?? ''} ${JSON.stringify(parsed?.details ?? '')}`.includes(
      violation.field,
    );
    this.record(
      'schema-violation',
      `400 naming "${violation.field}"`,
      [response],
      response.status === 400 && named,
      `${response.status}${named ? ` names "${violation.field}"` : ' without the field'}`,
    );
  }

  /** Create, read back, duplicate, update, delete and read after delete: one resource's life. */
  async lifecycle() {
    const body = this.ctx.target.createBody;
    const ids = ['create', 'read-back', 'duplicate', 'update', 'delete', 'read-after-delete'];
    if (!this.#resource || body === undefined) {
      for (const id of ids) this.skip(id, '-', 'no resource with a create body (--create-body or --openapi)');
      return;
    }
    const statuses = this.ctx.target.statuses ?? {};
    const unique = withUniqueNames(body, this.ctx.target.names);
    this.ctx.progress('creating a resource');
    const created = await this.request('POST', this.#resource, { body: unique });
    const collection = `${this.ctx.baseUrl}${this.#resource}`;
    const location = created.headers.location;
    // Without Location (RFC 9110 §15.3.2 says a 201 identifies the new resource there), carry on
    // with the resource the body names, so that one fault does not hide the checks after it.
    const fromBody = created.status === 201 && !location ? itemFromBody(created.body, collection) : undefined;
    this.record(
      'create',
      '201 + Location',
      [created],
      created.status === 201 && location !== undefined,
      created.status !== 201
        ? this.#describe(created)
        : location
          ? '201 + Location'
          : `201, no Location${fromBody ? ' (went on with the resource the body names)' : ''}`,
    );
    const found = location ? new URL(location, collection).toString() : fromBody;
    if (created.status !== 201 || !found) {
      for (const id of ids.slice(1))
        this.skip(id, '-', 'create gave no 201 with a Location or a body naming the new resource');
      return;
    }
    const item = found;
    const read = await this.request('GET', item);
    this.record('read-back', '200 at Location', [read], read.status === 200, this.#describe(read));
    const conflict = expectedStatuses(409, statuses.create);
    const duplicate = await this.request('POST', this.#resource, { body: unique });
    this.record(
      'duplicate',
      `${conflict.join(' or ')}${conflict.length === 1 && conflict[0] === 409 ? '' : ' (as documented)'}`,
      [duplicate],
      conflict.includes(duplicate.status) && this.contractBody(duplicate),
      this.#describe(duplicate),
    );

    // A new resource may be pending for a while (the pages' PENDING_* states): the conflict status
    // the operation documents means wait.
    const settled = async (method: string, busy: number[], payload?: unknown) => {
      const deadline = Date.now() + this.ctx.settleMs;
      let response = await this.request(method, item, payload === undefined ? {} : { body: payload });
      while (busy.includes(response.status) && Date.now() < deadline) {
        await sleep(250);
        response = await this.request(method, item, payload === undefined ? {} : { body: payload });
      }
      return response;
    };
    if (this.ctx.target.updateBody === undefined) {
      this.skip('update', '200', 'no update body (--update-body or a PUT example)');
    } else {
      this.ctx.progress('updating it');
      const payload = withUniqueNames(this.ctx.target.updateBody, this.ctx.target.names);
      const busy = expectedStatuses(409, statuses.update);
      let updated = await settled(this.ctx.target.updateMethod ?? 'PUT', busy, payload);
      // An API that updates with PATCH (RFC 5789) says so in Allow: update the way it does.
      if (updated.status === 405 && /\bPATCH\b/i.test(updated.headers.allow ?? ''))
        updated = await settled('PATCH', busy, payload);
      this.record(
        'update',
        '200',
        [updated],
        updated.status === 200,
        `${this.#describe(updated)}${updated.method === 'PUT' ? '' : ` (${updated.method})`}`,
      );
    }
    this.ctx.progress('deleting it');
    const deleted = await settled('DELETE', expectedStatuses(409, statuses.delete));
    const empty = deleted.body === '' && deleted.headers['content-type'] === undefined;
    this.record(
      'delete',
      '204, no body, no Content-Type',
      [deleted],
      deleted.status === 204 && empty,
      `${deleted.status}${deleted.status === 204 && !empty ? ' with a body or Content-Type' : ''}`,
    );
    // Deletion may take a while (PENDING_DELETE): the resource must be gone within the settle time.
    const deadline = Date.now() + this.ctx.settleMs;
    let after = await this.request('GET', item);
    while (after.status !== 404 && after.status < 400 && Date.now() < deadline) {
      await sleep(250);
      after = await this.request('GET', item);
    }
    this.record(
      'read-after-delete',
      '404',
      [after],
      after.status === 404 && this.contractBody(after),
      this.#describe(after),
    );
  }

  /**
   * A request whose head comes one byte at a time must get 408 (RFC 9110 §15.5.9) in time. It runs
   * alone, after every other check, so that a server that serves one request at a time does not
   * spoil their evidence; while it is open, one ordinary request tells whether the server still
   * serves others.
   */
  async slowRequest() {
    const path = this.#resource ?? '/';
    const url = `${this.ctx.baseUrl}${path}`;
    const target = new URL(url);
    const bound = Math.round(this.ctx.slowBoundMs / 1000);
    this.ctx.progress(`sending a request slowly (up to ${bound} s), and another beside it`);
    const slow = sendRaw(url, `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\n`, {
      drip: `X-Statuskit-Probe: ${'s'.repeat(200)}\r\n\r\n`,
      everyMs: 400,
      timeoutMs: this.ctx.slowBoundMs,
    });
    await sleep(Math.min(1_000, this.ctx.slowBoundMs / 4));
    const beside = await this.request('GET', `/statuskit-probe-${this.#suffix}-beside`, {
      timeoutMs: Math.min(this.ctx.timeoutMs, this.ctx.slowBoundMs / 2),
    });
    const response = await slow;
    this.exchanges.push(response);
    this.record(
      'slow-request',
      `408 within ${bound} s`,
      [response],
      response.status === 408 && this.contractBody(response),
      response.status === 0 ? `no answer in ${response.ms} ms` : `${response.status} after ${response.ms} ms`,
    );
    this.record(
      'serves-beside-slow',
      'another request answered meanwhile',
      [beside],
      beside.status > 0,
      beside.status > 0 ? `${beside.status} in ${beside.ms} ms` : `no answer in ${beside.ms} ms`,
    );
  }

  async headLikeGet() {
    const path = this.#resource ?? '/';
    const get = await this.request('GET', path);
    const head = await this.request('HEAD', path);
    const ok =
      head.status === get.status &&
      head.body === '' &&
      head.headers['content-type'] === get.headers['content-type'];
    this.record(
      'head-like-get',
      `HEAD = GET (${get.status}) without a body`,
      [get, head],
      ok,
      `${head.status}${head.body ? ` with a body (${Buffer.byteLength(head.body)} bytes)` : ''}`,
    );
  }

  /**
   * Asked for zh-CN, errors must say it in Chinese: the text in the body, not only a
   * `Content-Language` header. An unknown route, and with a resource a request without
   * credentials and one with broken JSON.
   */
  async chinese() {
    if (this.ctx.lang === 'en') return this.skip('zh-CN', 'Chinese texts', 'English only (--lang en)');
    if (!this.ctx.profile.rows.some((row) => row.texts['zh-CN']))
      return this.skip('zh-CN', 'Chinese texts', `profile ${this.ctx.profile.name} has no Chinese texts`);
    const headers = { 'accept-language': 'zh-CN' };
    const answers = [await this.request('GET', `/statuskit-probe-${this.#suffix}-zh`, { headers })];
    if (this.#resource) {
      answers.push(await this.request('GET', this.#resource, { headers, auth: 'none' }));
      answers.push(await this.request('POST', this.#resource, { headers, raw: '{"statuskit": ' }));
    }
    const errors = answers.filter((answer) => answer.status >= 400);
    const english = errors.filter((answer) => {
      const parsed = parseErrorBody(answer.body);
      return !/\p{Script=Han}/u.test(`${parsed?.message ?? ''} ${parsed?.title ?? ''}`);
    });
    const labelled = english.filter((answer) => /^zh/i.test(answer.headers['content-language'] ?? ''));
    this.record(
      'zh-CN',
      `Chinese text in the body (${this.ctx.profile.text(404, 'zh-CN').description})`,
      english.length > 0 ? english : errors,
      errors.length > 0 && english.length === 0,
      english.length === 0
        ? `Chinese in ${errors.length}/${errors.length}`
        : `not Chinese: ${english.map((answer) => answer.status || 'no answer').join(', ')}${labelled.length ? ` (${labelled.length} labelled zh-CN)` : ''}`,
    );
  }

  /** The checks over every answer of the run. */
  whole() {
    const answered = this.exchanges.filter((exchange) => exchange.status > 0);
    // Either of the contract's headers: OpenStack services send X-Openstack-Request-Id alone.
    const withoutId = answered.filter((exchange) => !requestIdHeaders.some((name) => exchange.headers[name]));
    this.record(
      'request-id',
      'a request id on every answer',
      withoutId.slice(0, 3),
      withoutId.length === 0,
      `${answered.length - withoutId.length}/${answered.length}`,
    );

    // An answer to HEAD has no body by definition (RFC 9110 §9.3.2): no dialect to judge.
    const errors = answered.filter((exchange) => exchange.status >= 400 && exchange.method !== 'HEAD');
    const dialects = new Set(errors.map((exchange) => parseErrorBody(exchange.body)?.dialect ?? 'none'));
    const offending = errors.filter(
      (exchange) => (parseErrorBody(exchange.body)?.dialect ?? 'none') === 'none',
    );
    this.record(
      'one-dialect',
      'one error dialect throughout',
      offending.slice(0, 3),
      dialects.size === 1 && !dialects.has('none'),
      [...dialects].join(', ') || 'no errors',
    );

    const outside = answered.filter((exchange) => !this.ctx.profile.has(exchange.status));
    this.record(
      'inside-profile',
      `only codes of ${this.ctx.profile.name}`,
      outside.slice(0, 3),
      outside.length === 0,
      outside.length ? [...new Set(outside.map((exchange) => exchange.status))].join(', ') : 'all inside',
    );

    const leaking = answered.filter((exchange) => leak.test(exchange.body));
    this.record(
      'no-leak',
      'no stack, path or exception name',
      leaking.slice(0, 3),
      leaking.length === 0,
      leaking.length ? `${leaking.length} bodies leak` : 'none',
    );
  }

  #describe(exchange: Exchange): string {
    if (exchange.status === 0) return 'no answer';
    return `${exchange.status}${exchange.status >= 400 && !this.contractBody(exchange) ? ' (not a contract body)' : ''}`;
  }
}
