import type { FastifyInstance } from 'fastify';
import { listOf, sent, text } from '../validate.js';

const links = listOf(sent({ href: text, rel: text }));
const version = sent({ id: text, links, min_version: text, status: text, updated: text, version: text });
const tags = ['Versions'];

/**
 * The API versions pages: open to anyone, as version discovery is done before authenticating.
 * The root lists this API's one version, as the page's example; the identity API is discovered
 * at its own `/v3`, the auth URL its clients are given (identity/discovery.ts).
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
      schema: { summary: 'List API versions', tags, response: { 200: sent({ versions: listOf(version) }) } },
    },
    async () => ({ versions: [current()] }),
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
