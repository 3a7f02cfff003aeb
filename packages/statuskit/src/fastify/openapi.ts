import type { FastifySchema, RouteOptions } from 'fastify';
import { getProfile } from '../catalog/index.js';
import { getDialect, parseErrorBody } from '../dialects/index.js';
import { openApiDocument, openApiSchemaNames } from '../docs/openapi.js';
import { createError, errorAnswer } from '../errors/index.js';
import type { ErrorStatus } from '../index.js';
import { messages, texts } from '../texts/index.js';
import { defaults, type StatuskitOptions } from './options.js';

declare module 'fastify' {
  interface FastifySchema {
    /**
     * The errors the route's own code gives, for the OpenAPI document (see `swaggerOptions`): a
     * status, or an error with its service code and message (a `ContractError` will do). Those
     * the plugin gives itself (400, 401, 403, 406, 408, 500, 503) are added for you.
     */
    errors?: readonly DocumentedError[];
  }
}

/** An error response to document: a status, or what an error of the route carries. */
export type DocumentedError =
  | number
  | { readonly status: number; readonly code?: string; readonly message?: string };

/** A security scheme of OpenAPI 3.0 (§4.7.27). */
export type OpenApiSecurityScheme =
  | { type: 'apiKey'; name: string; in: 'header' | 'query' | 'cookie'; description?: string }
  | { type: 'http'; scheme: string; bearerFormat?: string; description?: string };

/** The parts of an OpenAPI 3.0 document an app writes itself: info, servers, tags, security. */
export interface OpenApiBase {
  info: {
    title: string;
    version: string;
    description?: string;
    license?: { name: string; url?: string };
    contact?: { name?: string; url?: string; email?: string };
  };
  servers?: { url: string; description?: string }[];
  tags?: { name: string; description?: string }[];
  externalDocs?: { url: string; description?: string };
  /** Who may call: alternatives, each a set of `components.securitySchemes` names. */
  security?: Record<string, string[]>[];
  components?: {
    schemas?: Record<string, object>;
    securitySchemes?: Record<string, OpenApiSecurityScheme>;
  };
}

export interface SwaggerContractOptions {
  /** The document's own parts; the error body's schema is added to `components.schemas`. */
  openapi: OpenApiBase;
  /** Errors the app's hooks give on a route, beyond its schema's `errors` (an expired token, say). */
  errors?(route: RouteOptions): readonly DocumentedError[];
  /** Whether `auth.authorize` can refuse the route with 403 (default: every route that needs auth). */
  mayForbid?(route: RouteOptions): boolean;
}

/** What `@fastify/swagger` takes: register it with these options (spread, and add your own). */
export interface SwaggerRegistration {
  openapi: OpenApiBase & { openapi: '3.0.3' };
  transform(input: { schema: FastifySchema; url: string; route: RouteOptions }): {
    schema: FastifySchema;
    url: string;
  };
  transformObject<O>(documentObject: { openapiObject: O } | { swaggerObject: unknown }): O;
}

interface Example {
  summary: string;
  body: string;
}

/** The operation's error responses, carried from `transform` to `transformObject` by swagger. */
const carried = 'x-statuskit-responses';
const exampleRequestId = 'req-6f1c2a9e-3b4d-4c5e-8f70-91a2b3c4d5e6';

/**
 * The schema as OpenAPI 3.0 can say it: it has no `propertyNames` (§4.7.24 lists the keywords it
 * takes), and a `propertyNames: { enum }` over the object's own properties is the same rule as
 * `additionalProperties: false`. (Fastify's validator keeps `propertyNames`: with its default
 * `removeAdditional`, `additionalProperties: false` would drop unknown names, not refuse them.)
 */
function openApiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openApiSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'propertyNames') out.additionalProperties = false;
    else out[key] = openApiSchema(value);
  }
  return out;
}

/** The route's `params` schema with every parameter of its path, the prefix's included (a string where the route does not say). */
function withPathParams(params: unknown, url: string): unknown {
  const names = [...url.matchAll(/:(\w+)/g)].map((match) => match[1] as string);
  const own = (params ?? { type: 'object', properties: {} }) as { properties?: Record<string, unknown> };
  const missing = names.filter((name) => own.properties?.[name] === undefined);
  if (missing.length === 0) return params;
  const added = Object.fromEntries(missing.map((name) => [name, { type: 'string' }]));
  return { ...own, type: 'object', properties: { ...added, ...own.properties } };
}

function operationId(method: string, url: string): string {
  const words = `${method} ${url}`
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.map((word, index) => (index === 0 ? word : word[0]?.toUpperCase() + word.slice(1))).join('');
}

/**
 * Options for `@fastify/swagger` that give each operation the contract's error responses: the
 * ones the statuskit plugin gives on that route (400 where a schema or body is checked, 401 and
 * 403 where auth applies, 406, 408 where a body is read, 500, 503), the app's (`errors`) and the
 * route's own (`schema.errors`), each status once with the profile's description, the dialect's
 * schema, and one example per error: the body the server sends, service code included. Routes
 * with `config: { auth: false }` get `security: []`; an operation without `operationId` gets one
 * from its method and path.
 *
 * A `$ref` to `#/components/responses/…` in a route's `schema.response` makes Fastify fail at
 * start-up (FST_ERR_SCH_SERIALIZATION_BUILD: it builds a serializer from every response schema);
 * list the route's errors in `schema.errors` instead.
 * @example
 * await app.register(statuskit, contract);
 * await app.register(swagger, swaggerOptions(contract, { openapi: { info: { title: 'Items', version: '1' } } }));
 * app.get('/items/:id', { schema: { summary: 'Show an item', errors: [404] } }, handler);
 */
export function swaggerOptions(
  statuskitOptions: StatuskitOptions,
  options: SwaggerContractOptions,
): SwaggerRegistration {
  const { profile: named, dialect: dialectName, errorCodes } = statuskitOptions;
  const profile = typeof named === 'object' ? named : getProfile(named);
  const dialect = getDialect(dialectName);
  const { components } = openApiDocument(profile, 'en', { dialect: dialect.name });
  const schemaName = openApiSchemaNames[dialect.name];
  const mediaType = dialect.contentType.split(';')[0]?.trim() ?? 'application/json';
  const context = {
    profile,
    dialect,
    lang: 'en',
    requestId: exampleRequestId,
    errorCodes: errorCodes ?? {},
  } as const;
  const auth = statuskitOptions.auth;

  /** What the plugin itself answers on this route, with its messages (see plugin.ts). */
  function pluginErrors(route: RouteOptions, schema: FastifySchema): DocumentedError[] {
    const method = [route.method].flat()[0] ?? 'GET';
    const readsBody = ['POST', 'PUT', 'PATCH'].includes(method);
    const produces = (route.config?.produces ?? statuskitOptions.produces ?? defaults.produces).join(', ');
    const errors: DocumentedError[] = [];
    if (readsBody || schema.body || schema.querystring || schema.params || schema.headers)
      errors.push({ status: 400, message: texts.invalidInput.en });
    if (auth && route.config?.auth !== false) {
      errors.push({ status: 401, message: texts.authenticationRequired.en });
      if (auth.authorize && (options.mayForbid?.(route) ?? true))
        errors.push({ status: 403, message: texts.forbidden.en });
    }
    errors.push({
      status: 406,
      message: messages.notAcceptable({ types: produces }).en ?? texts.notAcceptable.en,
    });
    if (readsBody) errors.push(408);
    errors.push(500, { status: 503, message: texts.tooManyInFlight.en });
    return errors;
  }

  function responses(errors: readonly DocumentedError[]): Record<string, unknown> {
    const byStatus = new Map<number, Map<string, Example>>();
    for (const error of errors) {
      const { status, code, message } = typeof error === 'number' ? { status: error } : error;
      const resolved = profile.resolve(status);
      const documented = createError(resolved as ErrorStatus, message, code === undefined ? {} : { code });
      const { body } = errorAnswer(documented, context);
      const examples = byStatus.get(resolved) ?? new Map<string, Example>();
      byStatus.set(resolved, examples);
      // One example per distinct body, named by its service code.
      if ([...examples.values()].some((known) => known.body === body)) continue;
      const parsed = parseErrorBody(body);
      const key = parsed?.code ?? String(resolved);
      let name = key;
      for (let n = 2; examples.has(name); n++) name = `${key} (${n})`;
      examples.set(name, { body, summary: parsed?.message ?? key });
    }
    const out: Record<string, unknown> = {};
    for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
      const examples = byStatus.get(status) as Map<string, Example>;
      out[String(status)] = {
        description: profile.text(status).description,
        ...(status === 401 && { headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } }),
        ...(status === 503 && { headers: { 'Retry-After': { schema: { type: 'integer' } } } }),
        content: {
          [mediaType]: {
            schema: { $ref: `#/components/schemas/${schemaName}` },
            examples: Object.fromEntries(
              [...examples].map(([name, { summary, body }]) => [name, { summary, value: JSON.parse(body) }]),
            ),
          },
        },
      };
    }
    return out;
  }

  return {
    openapi: {
      ...options.openapi,
      openapi: '3.0.3',
      components: {
        ...options.openapi.components,
        schemas: { ...options.openapi.components?.schemas, ...components.schemas },
      },
    },
    transform({ schema, url, route }) {
      const own: FastifySchema & { operationId?: string } = schema ?? {};
      const { errors, ...rest } = own;
      const method = [route.method].flat()[0] ?? 'GET';
      const params = withPathParams(rest.params, url);
      const documented: FastifySchema & Record<string, unknown> = {
        ...(openApiSchema(rest) as FastifySchema),
        ...(params === undefined ? {} : { params: openApiSchema(params) }),
        operationId: own.operationId ?? operationId(method, url),
        [carried]: responses([
          ...pluginErrors(route, own),
          ...(options.errors?.(route) ?? []),
          ...(errors ?? []),
        ]),
      };
      if (route.config?.auth === false) documented.security = [];
      // A success response without a description takes the profile's.
      if (own.response && typeof own.response === 'object') {
        documented.response = Object.fromEntries(
          Object.entries(own.response as Record<string, { description?: string }>).map(
            ([status, response]) => [
              status,
              response.description === undefined && profile.has(Number(status))
                ? { ...response, description: profile.text(Number(status)).description }
                : response,
            ],
          ),
        );
      }
      return { schema: documented, url };
    },
    transformObject(documentObject) {
      // A Swagger 2.0 document (an app that asked for one) is left as it is.
      if (!('openapiObject' in documentObject)) return documentObject.swaggerObject as never;
      const document = documentObject.openapiObject as {
        paths?: Record<string, Record<string, { responses?: Record<string, unknown>; [carried]?: unknown }>>;
      };
      for (const operations of Object.values(document.paths ?? {})) {
        for (const operation of Object.values(operations)) {
          const errors = operation[carried] as Record<string, unknown> | undefined;
          delete operation[carried];
          if (errors) operation.responses = { ...operation.responses, ...errors };
        }
      }
      return documentObject.openapiObject;
    },
  };
}
