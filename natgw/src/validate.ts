import type { FastifySchemaValidationError, preValidationHookHandler, RouteOptions } from 'fastify';
import { BadRequestError, type ContractError } from 'statuskit';
import type { NatCode } from './errors.js';
import { natError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The page's code for text no database stores (a NUL, a lone surrogate); NAT.0002 if unset. */
    illegalText?: NatCode;
  }
}

const uuidPattern = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const uuidRegExp = new RegExp(`^${uuidPattern}$`);

/**
 * A UUID as the pages compare them (lower case), or the page's error for that field: its
 * template filled with the value (a malformed value, or for a resource's own id, no such resource).
 */
export function uuid(value: string, code: NatCode): string {
  if (!uuidRegExp.test(value)) throw natError(code, value);
  return value.toLowerCase();
}

export function isUuid(value: string): boolean {
  return uuidRegExp.test(value);
}

/** JSON-schema pieces shared by the routes. */
export const schemas = {
  uuidPattern,
  name: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9_-]+$' },
  description: { type: 'string' },
  id: { type: 'string', maxLength: 64 },
  marker: { type: 'string', maxLength: 64 },
  /** A port number as the pages bound it (NAT.0303: 0 to 65535). */
  port: { type: 'integer', minimum: 0, maximum: 65535 },
  /** An SNAT rule's source: 0 a VPC, 1 Direct Connect. */
  sourceType: { type: 'integer', enum: [0, 1] },
} as const;

/** An empty or null value is an absent one. */
export function given(value: string | null | undefined): string | undefined {
  return value || undefined;
}

/** Text that may be null, of at most `maxLength` characters. */
export const optionalText = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;

/** The pages' lengths: a name of at most 64 characters (NAT.0015), a description of 255 (NAT.0014). */
export function checkLengths(input: { name?: string | undefined; description?: string | undefined }): void {
  if (input.name !== undefined) checkLength('NAT.0015', input.name, 64);
  if (input.description !== undefined) checkLength('NAT.0014', input.description, 255);
}

/**
 * A text of at most `maximum` characters, or the page's error with its template filled: the
 * reason where it has `.+` (as Neutron words it) and the field's own maximum where it writes 255
 * (a name's is 64): `Invalid input for name. Reason: 65 characters exceeds maximum length of 64.`
 */
function checkLength(code: NatCode, value: string, maximum: number): void {
  const length = [...value].length;
  if (length <= maximum) return;
  throw natError(
    code,
    {},
    {
      gaps: (template) =>
        template
          .replace('.+', `. Reason: ${length} characters `)
          .replace('maximum length of 255', `maximum length of ${maximum}`)
          .replace('最大长度 255', `最大长度 ${maximum}`),
    },
  );
}

/** `created_at` as the pages write it, `yyyy-mm-dd hh:mm:ss` with up to six decimals. */
const timestamp = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/;

function validTimestamp(text: string): boolean {
  const match = timestamp.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  // Date.UTC carries what overflows into the next field up (31 April is 1 May, 24:00 the next
  // day, a minute or second of 60 the next hour or minute): read back, the day, the month or the
  // minute is not what was written.
  const date = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0, hour, minute, second));
  return (
    date.getUTCDate() === day && date.getUTCMonth() === (month ?? 0) - 1 && date.getUTCMinutes() === minute
  );
}

/** A page's code and the text its message must contain, for one kind of bad paging parameter. */
type PageError = readonly [NatCode, string];

/**
 * A list request's paging (`limit` 1-2000, `marker` a resource id) and filters, or the page's
 * error: each list page has its own code for a bad limit or marker (NAT.0101, NAT.0201, NAT.0301;
 * where it has none, the generic NAT.0002), and a malformed `created_at` is NAT.0001.
 */
export function listPage<Q extends { limit?: string; marker?: string; created_at?: string | string[] }>(
  query: Q,
  errors: { limit?: PageError; marker?: PageError },
): { page: { limit?: number; marker?: string }; filters: Omit<Q, 'limit' | 'marker'> } {
  const { limit, marker, ...filters } = query;
  const fail = (error: PageError | undefined) =>
    error ? natError(error[0], {}, { variant: error[1] }) : natError('NAT.0002');
  const page: { limit?: number; marker?: string } = {};
  if (limit !== undefined) {
    if (!/^\s*\d{1,4}\s*$/.test(limit) || Number(limit) < 1 || Number(limit) > 2000) throw fail(errors.limit);
    page.limit = Number(limit);
  }
  if (marker !== undefined) {
    if (!isUuid(marker)) throw fail(errors.marker);
    page.marker = marker.toLowerCase();
  }
  for (const created of [filters.created_at ?? []].flat())
    if (!validTimestamp(created)) throw natError('NAT.0001', { timestamp: created });
  return { page, filters };
}

/**
 * The query string of a list operation: paging, the project, the filters every resource has
 * (id, description, status, admin_state_up, created_at) and the resource's own.
 */
export function listQuery<Own extends Record<string, object>>(own: Own) {
  // A number past its column's range is an error on PostgreSQL and nothing found on SQLite: each
  // integer filter is bounded where it is declared, so both engines answer it with the same 400.
  for (const [name, schema] of Object.entries(own)) {
    const { type, maximum, enum: values } = schema as { type?: unknown; maximum?: unknown; enum?: unknown };
    if (type === 'integer' && maximum === undefined && values === undefined)
      throw new Error(`the integer filter ${name} needs its range (minimum and maximum, or enum)`);
  }
  return {
    type: 'object',
    properties: {
      // Checked by the route, for each page's own code.
      limit: { type: 'string', maxLength: 16 },
      marker: schemas.marker,
      id: schemas.id,
      tenant_id: schemas.id,
      description: { type: 'string', maxLength: 255 },
      status: { type: 'string', maxLength: 32 },
      admin_state_up: { type: 'boolean' },
      created_at: { type: 'string', maxLength: 32 },
      ...own,
    },
  } as const;
}

/** A broken rule of a request's schema, as `details` names it: `nat_gateway.spec`, `querystring.limit`. */
interface Problem {
  field: string;
  rule: string;
  message: string;
}

/** The field a schema error is about, as a dotted path under its part of the request (none for the body). */
function fieldOf(error: FastifySchemaValidationError, context: string): string {
  // The path's leading empty segment and the parameters a rule does not have are dropped with
  // the other empty parts.
  const path = error.instancePath.split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const { missingProperty, additionalProperty } = error.params as {
    missingProperty?: string;
    additionalProperty?: string;
  };
  const part = context === 'body' ? undefined : context;
  return (
    [part, ...path, missingProperty, additionalProperty].filter(Boolean).join('.') || (part ?? 'request')
  );
}

/**
 * A request that breaks its route's schema: the page's NAT.0002 "Invalid parameters.", each
 * broken rule named in `details`; or, for a route with `missing`, a required field left out as
 * the page's error naming it (the DNAT pages' NAT.0301 "param xxx is null in request body.").
 */
export function schemaError(missing?: (field: string, path: string) => ContractError) {
  return (errors: FastifySchemaValidationError[], context: string): ContractError => {
    const problems: Problem[] = errors.map((error) => ({
      field: fieldOf(error, context),
      rule: error.keyword,
      message: error.message ?? 'is invalid',
    }));
    const absent = errors.find((error) => error.keyword === 'required');
    const property = (absent?.params as { missingProperty?: string } | undefined)?.missingProperty;
    if (missing && absent && property !== undefined) return missing(property, fieldOf(absent, context));
    return natError('NAT.0002', {}, { details: problems });
  };
}

/**
 * A request to natgw's own API (the admin API, which no page describes) that breaks its route's
 * schema: NAT.0002 with a message that names each broken rule, as a person fixing a document
 * needs it (`Invalid parameters: floating_ips must have required property 'floating_ips'`).
 */
export function namedSchemaError(errors: FastifySchemaValidationError[], context: string): ContractError {
  const problems: Problem[] = errors.map((error) => ({
    field: fieldOf(error, context),
    rule: error.keyword,
    message: error.message ?? 'is invalid',
  }));
  const said = problems.map((problem) => `${problem.field} ${problem.message}`).join('; ');
  return new BadRequestError(
    { en: `Invalid parameters: ${said}`, 'zh-CN': `参数无效：${said}` },
    {
      code: 'NAT.0002',
      details: problems,
    },
  );
}

/** Plain decimal digits: what an integer query parameter's text may be. */
const decimal = /^\d+$/;

/**
 * Holds a route's integer query parameters to decimal digits before its schema coerces them.
 * The schema reads query text as JavaScript numbers: `0x10`, ` 1`, `1e1`, `+1` would pass as 16,
 * 1, 10 and 1. Anything else gets the 400 a value of the wrong type gets. Added to each route
 * with such parameters when it is declared (an `onRoute` hook).
 */
export function decimalQueryIntegers(route: RouteOptions): void {
  const querystring = route.schema?.querystring as
    | { properties?: Record<string, { type?: unknown; items?: { type?: unknown } }> }
    | undefined;
  // An integer, or integers (a filter that may be repeated).
  const names = Object.entries(querystring?.properties ?? {})
    .filter(([, schema]) => (schema.type === 'array' ? schema.items?.type : schema.type) === 'integer')
    .map(([name]) => name);
  if (names.length === 0) return;
  const check: preValidationHookHandler = (request, _reply, done) => {
    const query = request.query as Record<string, unknown>;
    for (const name of names) {
      const value = query[name];
      if (
        value === undefined ||
        [value].flat().every((text) => typeof text === 'string' && decimal.test(text))
      )
        continue;
      const problem = { field: `querystring.${name}`, rule: 'type', message: 'must be integer' };
      return done(natError('NAT.0002', {}, { details: [problem] }));
    }
    done();
  };
  route.preValidation = [...(route.preValidation === undefined ? [] : [route.preValidation].flat()), check];
}

/**
 * The schema of a body the API sends: an object whose properties are all always there. As a
 * response schema it is also what Fastify serializes with, so it must name every field sent.
 */
export function sent<Properties extends Record<string, object>>(
  properties: Properties,
  description?: string,
) {
  return {
    type: 'object',
    ...(description === undefined ? {} : { description }),
    required: Object.keys(properties),
    properties,
  } as const;
}

/** A list of `item`. */
export function listOf<Item extends object>(item: Item) {
  return { type: 'array', items: item } as const;
}

/** Response schemas of the usual successes: 201 with `Location`, 204 without a body. */
export const success = {
  created: <Body extends object>(body: Body) => ({
    201: {
      ...body,
      headers: { Location: { type: 'string', format: 'uri', description: 'The URL of the new resource.' } },
    },
  }),
  noContent: { 204: { type: 'null' } },
} as const;

export const text = { type: 'string' } as const;
export const integer = { type: 'integer' } as const;
export const boolean = { type: 'boolean' } as const;

/**
 * A NUL (PostgreSQL's text cannot hold it, and SQLite would store a different string) or a lone
 * UTF-16 surrogate (no Unicode character: each engine would store a replacement character in its
 * place, so the length the service checked is not what is kept).
 */
const unstorable = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses text no database stores as given, anywhere in a request's parsed path parameters,
 * query or body, with 400 naming the field as schema errors do: `nat_gateway.description`,
 * `query.marker`, `params.key`.
 */
export function storableText(
  request: { params: unknown; query: unknown; body: unknown },
  code: NatCode = 'NAT.0002',
): void {
  const pending: [string, unknown][] = [
    ['params', request.params],
    ['query', request.query],
    ['', request.body],
  ];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [field, value] = next;
    if (typeof value === 'string') {
      if (unstorable.test(value)) {
        const message = 'must not contain a NUL character or a lone UTF-16 surrogate';
        throw natError(code, {}, { details: [{ field, rule: 'text', message }] });
      }
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value))
        pending.push([field ? `${field}.${key}` : key, inner]);
    }
  }
}
