import type { FastifyInstance } from 'fastify';
import { identityVersion } from '../identity/discovery.js';

/**
 * The API versions pages: open to anyone, as version discovery is done before authenticating.
 * The root lists the identity API's version too, for clients given the root as their auth URL.
 */
export function versionRoutes(app: FastifyInstance, publicUrl: () => string) {
  const version = () => ({
    id: 'v2.0',
    links: [{ href: `${publicUrl()}/v2.0/`, rel: 'self' }],
    min_version: '',
    status: 'CURRENT',
    updated: '2018-09-30T00:00:00Z',
    version: '',
  });
  app.get('/', { config: { auth: false } }, async () => ({
    versions: [version(), identityVersion(publicUrl())],
  }));
  // The version document links to itself as `/v2.0/`: both spellings answer.
  for (const path of ['/v2.0', '/v2.0/'])
    app.get(path, { config: { auth: false } }, async () => ({ version: version() }));
}
