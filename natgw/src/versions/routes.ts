import type { FastifyInstance } from 'fastify';

/** The API versions pages: open to anyone, as version discovery is done before authenticating. */
export function versionRoutes(app: FastifyInstance, publicUrl: () => string) {
  const version = () => ({
    id: 'v2.0',
    links: [{ href: `${publicUrl()}/v2.0/`, rel: 'self' }],
    min_version: '',
    status: 'CURRENT',
    updated: '2018-09-30T00:00:00Z',
    version: '',
  });
  app.get('/', { config: { auth: false } }, async () => ({ versions: [version()] }));
  app.get<{ Params: { api_version: string } }>(
    '/:api_version',
    { config: { auth: false } },
    async (request) => {
      if (request.params.api_version.replace(/\/$/, '') !== 'v2.0') {
        throw new NotFoundError(`API version ${request.params.api_version} does not exist.`);
      }
      return { version: version() };
    },
  );
}
