import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { getProfile } from 'statuskit';
import { openApiDocument, openApiResponseName } from 'statuskit/docs';

/**
 * The API's OpenAPI 3 document at `/openapi.json`: the routes' own schemas, and the contract's
 * error responses (rendered from the `nat` profile) on every operation.
 */
export async function openApi(app: FastifyInstance, publicUrl: () => string) {
  const profile = getProfile('nat');
  const { components } = openApiDocument(profile, 'en', { dialect: 'error' });
  const errors = Object.fromEntries(
    profile.errors.map((row) => [
      String(row.code),
      { $ref: `#/components/responses/${openApiResponseName(row.code)}` },
    ]),
  );
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'NAT Gateway API', version: 'v2.0' },
      components: components as never,
    },
    transformObject(documentObject) {
      const openapiObject =
        'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject;
      const document = openapiObject as {
        paths?: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
        servers?: unknown;
      };
      document.servers = [{ url: publicUrl() }];
      for (const operations of Object.values(document.paths ?? {})) {
        for (const operation of Object.values(operations))
          operation.responses = { ...errors, ...operation.responses };
      }
      return openapiObject;
    },
  });
  app.get('/openapi.json', { config: { auth: false }, schema: { hide: true } }, async () => app.swagger());
}
