import type { FastifyInstance } from 'fastify';
import { identityVersion, identityVersionSchema } from '../identity/discovery.js';
import { listOf, sent, text } from '../validate.js';

const links = listOf(sent({ href: text, rel: text }));
const version = sent({ id: text, links, min_version: text, status: text, updated: text, version: text });
/** A version the root lists: this API's, or the identity API's. */
const listed = { anyOf: [version, identityVersionSchema] } as const;
const tags = ['Versions'];

/**
 * The API versions pages: open to anyone, as version discovery is done before authenticating.
 * The root lists the identity API's version too, for clients given the root as their auth URL.
 */
export function versionRoutes(app: FastifyInstance, publicUrl: () => string) {
  const current = () => ({
    id: 'v2.0',
    links: [{ href: `${publicUrl()}/v2.0/`, rel: 'self' }],
    min_version: '',
    status: 'CURRENT',
    updated: '2018-09-30T00:00:00Z',
    version: '',
  });
  app.get(
    '/',
    {
      config: { auth: false },
      schema: { summary: 'List API versions', tags, response: { 200: sent({ versions: listOf(listed) }) } },
    },
    async () => ({ versions: [current(), identityVersion(publicUrl())] }),
  );
  // The version document links to itself as `/v2.0/`: both spellings answer.
  for (const path of ['/v2.0', '/v2.0/'])
    app.get(
      path,
      {
        config: { auth: false },
        schema: {
          summary: 'Show API version v2.0',
          tags,
          // One operation in the document: `/v2.0/` is the same resource.
          ...(path.endsWith('/') ? { hide: true } : {}),
          response: { 200: sent({ version }) },
        },
      },
      async () => ({ version: current() }),
    );
}
