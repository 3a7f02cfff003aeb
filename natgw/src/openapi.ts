import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getProfile, type Language, negotiateLanguage } from 'statuskit';
import { renderMarkdown } from 'statuskit/docs';
import { type StatuskitOptions, swaggerOptions } from 'statuskit/fastify';
import { adminTag } from './admin/routes.js';
import { documented } from './errors.js';
import { readsOnly } from './identity/identity.js';
import { zhCnDocument } from './openapi.zh-CN.js';
import { fillErrorExamples } from './openapi-errors.js';

/** The title of the document and of the reference's page, in each language. */
export const referenceTitles: Record<Language, string> = {
  en: 'natgw: NAT Gateway API reference',
  'zh-CN': zhCnDocument.title,
};

const introduction =
  'Public NAT gateways, their SNAT and DNAT rules and tags, under `/v2.0/…` (Open Telekom Cloud) and ' +
  '`/v2/{project_id}/…` (Huawei Cloud; its tags under `/v3/{project_id}/…`). Get a token from ' +
  '`POST /v3/auth/tokens` and send it as `X-Auth-Token`, or sign the request with an access key ' +
  '(`Authorization: SDK-HMAC-SHA256 …`). Every error answers in one body, `{"error": {"code", "title", ' +
  '"message", "request_id"}}`, with the status codes below.';

/** What natgw answers each operation, as tools/openapi-examples.ts recorded it, by method and path. */
const answers = JSON.parse(
  readFileSync(new URL('./openapi-examples.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

interface Paths {
  [path: string]: {
    [method: string]: {
      summary?: string;
      responses?: Record<string, { content?: Record<string, { example?: unknown }> }>;
    };
  };
}

/** Each operation's success response with natgw's recorded answer as its example, in place. */
function withAnswers(paths: Paths): void {
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const answer = answers[`${method} ${path}`];
      if (answer === undefined) continue;
      for (const [status, response] of Object.entries(operation.responses ?? {}))
        if (status.startsWith('2') && response.content?.['application/json'])
          response.content['application/json'].example = answer;
    }
  }
}

interface OpenApiDocument {
  info: { title: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Paths;
}

/** The English document with its prose in Chinese: title, description, tags, summaries. */
function inChinese(english: OpenApiDocument): OpenApiDocument {
  const document = structuredClone(english);
  document.info.title = zhCnDocument.title;
  document.info.description = `${zhCnDocument.introduction}\n\n${renderMarkdown(getProfile('nat'), 'zh-CN')}`;
  for (const tag of document.tags ?? []) {
    const description = zhCnDocument.tags[tag.name];
    if (description !== undefined) tag.description = description;
  }
  for (const item of Object.values(document.paths))
    for (const operation of Object.values(item))
      if (operation.summary !== undefined)
        operation.summary = zhCnDocument.summaries[operation.summary] ?? operation.summary;
  return document;
}

/** The document in a language (English unless asked for Chinese), each built once. */
export type DocumentIn = (lang: Language) => object;

/**
 * The language a request asks the document in, said in the answer: `Content-Language`, and `Vary`
 * so that a cache keeps one answer per language.
 */
export function documentLanguage(request: FastifyRequest, reply: FastifyReply): Language {
  const lang = negotiateLanguage(request.headers['accept-language']);
  const vary = reply.getHeader('vary');
  reply.header('vary', vary === undefined ? 'Accept-Language' : `${vary}, Accept-Language`);
  reply.header('content-language', lang);
  return lang;
}

/**
 * The API's OpenAPI 3 document at `/openapi.json`: the routes' own schemas (bodies, success
 * responses, the errors each route gives) and the contract's error responses, with the service's
 * codes as examples; natgw's own answers as the success examples, and the error examples' messages
 * filled as natgw sends them. In English, or in Chinese to a client asking for it.
 */
export async function openApi(
  app: FastifyInstance,
  contract: StatuskitOptions,
  publicUrl: () => string,
): Promise<DocumentIn> {
  const options = swaggerOptions(contract, {
    openapi: {
      info: {
        title: referenceTitles.en,
        version: 'v2.0',
        description: `${introduction}\n\n${renderMarkdown(getProfile('nat'), 'en')}`,
        license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
      },
      tags: [
        { name: 'NAT gateways', description: 'Create, list, show, update and delete NAT gateways.' },
        { name: 'SNAT rules', description: 'Source NAT: a subnet or CIDR block reaches out through EIPs.' },
        { name: 'DNAT rules', description: 'Destination NAT: an EIP and port reach a server inside.' },
        { name: 'Tags', description: "Tags on a project's NAT gateways, and queries by tag." },
        { name: 'Identity', description: 'Keystone v3 tokens, for `X-Auth-Token`.' },
        { name: 'Versions', description: 'The API versions this endpoint serves.' },
        {
          name: adminTag,
          description:
            "natgw's own API for driving it as a local cloud: the admin role only (a token or access key of an admin user).",
        },
      ],
      components: {
        securitySchemes: {
          token: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Auth-Token',
            description: 'A token from `POST /v3/auth/tokens` (its `X-Subject-Token` header).',
          },
          accessKey: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description:
              'A request signed with an access key: `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`, ' +
              'the signed headers covering `host`, `x-sdk-date` and `x-project-id`.',
          },
        },
      },
      // Either one: a token, or a signature.
      security: [{ token: [] }, { accessKey: [] }],
    },
    // A token or signature that does not verify, an expired token; a read-only user's write (the pages' codes).
    errors(route) {
      if (route.config?.auth === false) return [];
      // The admin API refuses every other role, reads included.
      const reads = !route.config?.admin && readsOnly([route.method].flat()[0] ?? 'GET', route.config);
      // Under a `{project_id}` prefix, another project than the caller's is VPC.0007 (forms.ts);
      // the admin API's paths name any project.
      const scoped = !route.config?.admin && route.url.includes(':project_id');
      return documented(
        'VPC.0008',
        'NAT.0025',
        ...(reads ? [] : (['VPC.2701'] as const)),
        ...(scoped ? (['VPC.0007'] as const) : []),
      );
    },
    // natgw's authorize refuses with its own error (above), never with the plugin's.
    mayForbid: () => false,
  });
  await app.register(swagger, {
    ...options,
    transformObject(documentObject) {
      const document = options.transformObject(documentObject) as unknown as OpenApiDocument;
      withAnswers(document.paths);
      fillErrorExamples(document.paths);
      return { ...document, servers: [{ url: publicUrl() }] } as never;
    },
  });
  const built = new Map<Language, object>();
  const documentIn: DocumentIn = (lang) => {
    const english = app.swagger() as unknown as OpenApiDocument;
    const document = built.get(lang) ?? (lang === 'zh-CN' ? inChinese(english) : english);
    built.set(lang, document);
    return document;
  };
  app.get('/openapi.json', { config: { auth: false }, schema: { hide: true } }, async (request, reply) =>
    documentIn(documentLanguage(request, reply)),
  );
  return documentIn;
}
