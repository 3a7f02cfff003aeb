import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import { getProfile, languages, profileNames } from '../catalog/index.js';
import { dialectNames, dialects, parseErrorBody } from '../dialects/index.js';
import { renderDocs } from './index.js';
import {
  type OpenApiDocument,
  type OpenApiSchema,
  openApiResponseName,
  openApiSchemaNames,
} from './openapi.js';

function documentOf(...args: Parameters<typeof renderDocs>): OpenApiDocument {
  return JSON.parse(renderDocs(...args)) as OpenApiDocument;
}

/** Every `$ref` in `value`, with where it was found. */
function refsIn(value: unknown, path = '#'): { at: string; ref: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => refsIn(item, `${path}/${i}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === '$ref' && typeof item === 'string' ? [{ at: path, ref: item }] : refsIn(item, `${path}/${key}`),
  );
}

/** What a local `$ref` (`#/a/b`) points at in `document`, or undefined. */
function resolve(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = document;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The part of JSON Schema the error bodies use: type, required, properties. */
function schemaErrors(schema: OpenApiSchema, value: unknown, path = '$'): string[] {
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (schema.type === 'object' && type !== 'object') return [`${path} is ${type}, not an object`];
  if (schema.type === 'string' && type !== 'string') return [`${path} is ${type}, not a string`];
  if (schema.type === 'integer' && !Number.isInteger(value)) return [`${path} is not an integer`];
  if (schema.type !== 'object') return [];
  const object = value as Record<string, unknown>;
  return [
    ...(schema.required ?? []).filter((key) => !(key in object)).map((key) => `${path}.${key} is missing`),
    ...Object.entries(object).flatMap(([key, item]) => {
      const property = schema.properties?.[key];
      return property
        ? schemaErrors(property, item, `${path}.${key}`)
        : [`${path}.${key} is not in the schema`];
    }),
  ];
}

/** Structural checks of an OpenAPI 3.0 document, as far as this one has parts. */
function assertOpenApi3(document: unknown): void {
  assert.ok(typeof document === 'object' && document !== null);
  const doc = document as Record<string, unknown>;
  assert.match(String(doc.openapi), /^3\.0\.\d+$/);
  const info = doc.info as Record<string, unknown>;
  assert.equal(typeof info?.title, 'string');
  assert.equal(typeof info?.version, 'string');
  assert.equal(typeof doc.paths, 'object');
  for (const path of Object.keys(doc.paths as object)) assert.match(path, /^\//);
  const components = doc.components as Record<string, Record<string, unknown>>;
  for (const [kind, entries] of Object.entries(components)) {
    for (const name of Object.keys(entries)) assert.match(name, /^[a-zA-Z0-9._-]+$/, `${kind}/${name}`);
  }
  for (const [name, response] of Object.entries(components.responses ?? {})) {
    const { description, content } = response as { description?: unknown; content?: Record<string, object> };
    assert.equal(typeof description, 'string', `${name} has no description`);
    for (const [mediaType, media] of Object.entries(content ?? {})) {
      assert.match(mediaType, /^[a-z]+\/[a-z0-9.+-]+$/, `${name}: ${mediaType} is not a bare media type`);
      assert.ok('schema' in media, `${name}: ${mediaType} has no schema`);
    }
  }
  for (const { at, ref } of refsIn(document)) {
    assert.notEqual(resolve(document, ref), undefined, `${at}: ${ref} does not resolve`);
  }
}

describe('openapi', () => {
  for (const name of profileNames) {
    for (const lang of languages) {
      test(`gives one response component per code of ${name} in ${lang}, in every dialect`, () => {
        const profile = getProfile(name);
        for (const dialectName of dialectNames) {
          const doc = documentOf(profile, lang, 'openapi', { dialect: dialectName });
          assertOpenApi3(doc);
          const { responses, schemas } = doc.components;
          assert.deepEqual(
            Object.keys(responses),
            profile.rows.map((row) => openApiResponseName(row.code)),
          );
          const schemaName = openApiSchemaNames[dialectName];
          assert.deepEqual(Object.keys(schemas), [schemaName]);
          const schema = schemas[schemaName] ?? assert.fail('no schema');
          for (const row of profile.rows) {
            const response = responses[openApiResponseName(row.code)] ?? assert.fail(`no ${row.code}`);
            const text = profile.text(row.code, lang);
            assert.equal(response.description, text.description);
            if (row.kind === 'normal') {
              assert.deepEqual(response, { description: text.description });
              continue;
            }
            const mediaType = dialects[dialectName].contentType.split(';')[0] ?? '';
            const media = response.content?.[mediaType] ?? assert.fail(`${row.code} has no ${mediaType}`);
            assert.deepEqual(Object.keys(response.content ?? {}), [mediaType]);
            assert.deepEqual(media.schema, { $ref: `#/components/schemas/${schemaName}` });
            assert.deepEqual(schemaErrors(schema, media.example), [], `${dialectName} ${row.code}`);
            const parsed = parseErrorBody(media.example);
            assert.equal(parsed?.dialect, dialectName);
            assert.equal(parsed?.code, `SK.0${row.code}`);
            assert.equal(parsed?.message, text.description);
            if (dialectName !== 'huawei') assert.equal(parsed?.title, text.phrase);
          }
        }
      });
    }
  }

  test('names responses by code, so that a $ref is the same in every profile and language', () => {
    assert.equal(openApiResponseName(404), 'Status404');
    const basic = documentOf(getProfile('basic'), 'en', 'openapi');
    const nat = documentOf(getProfile('nat'), 'zh-CN', 'openapi');
    assert.equal(basic.components.responses.Status500?.description, 'Internal server error');
    assert.equal(nat.components.responses.Status500?.description, '请求未完成，服务异常。');
    assert.equal(nat.components.responses.Status204?.content, undefined);
  });

  test('is usable as-is by @fastify/swagger, for route schemas and hand-written paths alike', async () => {
    const doc = documentOf(getProfile('nat'), 'en', 'openapi', { dialect: 'problem' });
    const app = Fastify();
    try {
      await app.register(swagger, {
        openapi: {
          openapi: doc.openapi,
          info: doc.info,
          components: doc.components,
          // A response component is referred to as a whole where the document is written by hand...
          paths: {
            '/nat_gateways': {
              post: {
                responses: {
                  201: { $ref: '#/components/responses/Status201' },
                  409: { $ref: '#/components/responses/Status409' },
                },
              },
            },
          },
        },
        // Keeps the names of shared schemas, so that they meet the components of the same name.
        refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
      });
      // ...and a route schema, which Fastify compiles, refers to the body schema by its $id.
      app.addSchema({ $id: 'ProblemDetails', ...doc.components.schemas.ProblemDetails });
      const notFound = doc.components.responses.Status404 ?? assert.fail('no Status404');
      app.get(
        '/nat_gateways/:id',
        {
          schema: {
            response: {
              404: {
                description: notFound.description,
                content: { 'application/problem+json': { schema: { $ref: 'ProblemDetails#' } } },
              },
            },
          },
        },
        async (_request, reply) =>
          reply
            .code(404)
            .type('application/problem+json')
            .send(notFound.content?.['application/problem+json']?.example),
      );
      await app.ready();

      const out = app.swagger() as unknown as {
        components: OpenApiDocument['components'];
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      };
      assertOpenApi3(out);
      assert.deepEqual(out.components.responses, doc.components.responses);
      assert.deepEqual(out.components.schemas.ProblemDetails, doc.components.schemas.ProblemDetails);
      assert.deepEqual(out.paths['/nat_gateways']?.post?.responses['409'], {
        $ref: '#/components/responses/Status409',
      });
      assert.deepEqual(out.paths['/nat_gateways/{id}']?.get?.responses['404'], {
        description: 'The server could not find the requested page.',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
      });

      // Fastify serializes through the schema, which drops what it does not declare: the
      // example comes back whole only if schema and example agree.
      const answer = await app.inject({ method: 'GET', url: '/nat_gateways/x' });
      assert.equal(answer.statusCode, 404);
      assert.deepEqual(answer.json(), notFound.content?.['application/problem+json']?.example);
    } finally {
      await app.close();
    }
  });
});
