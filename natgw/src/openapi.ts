import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { getProfile } from 'statuskit';
import { renderMarkdown } from 'statuskit/docs';
import { type StatuskitOptions, swaggerOptions } from 'statuskit/fastify';
import { adminTag } from './admin/routes.js';
import { documented } from './errors.js';
import { readsOnly } from './identity/identity.js';

/**
 * The API's OpenAPI 3 document at `/openapi.json`: the routes' own schemas (bodies, success
 * responses, the errors each route gives) and the contract's error responses, with the service's
 * codes as examples.
 */
export async function openApi(app: FastifyInstance, contract: StatuskitOptions, publicUrl: () => string) {
  const options = swaggerOptions(contract, {
    openapi: {
      info: {
        title: 'NAT Gateway API',
        version: 'v2.0',
        description:
          'Public NAT gateways, their SNAT and DNAT rules and tags, under `/v2.0/…` (Open Telekom Cloud) and ' +
          '`/v2/{project_id}/…` (Huawei Cloud; its tags under `/v3/{project_id}/…`). Get a token from ' +
          '`POST /v3/auth/tokens` and send it as `X-Auth-Token`, or sign the request with an access key ' +
          '(`Authorization: SDK-HMAC-SHA256 …`). Every error answers in one body, `{"error": {"code", "title", ' +
          `"message", "request_id"}}\`, with the status codes below.\n\n${renderMarkdown(getProfile('nat'), 'en')}`,
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
      const document = options.transformObject(documentObject);
      return { ...document, servers: [{ url: publicUrl() }] };
    },
  });
  app.get('/openapi.json', { config: { auth: false }, schema: { hide: true } }, async () => app.swagger());
}
