import type { FastifyInstance } from 'fastify';
import { listOf, sent, text } from '../validate.js';

const version = sent({
  id: text,
  links: listOf(sent({ href: text, rel: text })),
  min_version: text,
  status: text,
  updated: text,
  version: text,
});
const tags = ['Versions'];

/** The API versions pages: open to anyone, as version discovery is done before authenticating. */
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
  app.get(
    '/v2.0',
    {
      config: { auth: false },
      schema: { summary: 'Show API version v2.0', tags, response: { 200: sent({ version }) } },
    },
    async () => ({ version: current() }),
  );
}
