import type { FastifyInstance } from 'fastify';
import { listOf, sent, text } from '../validate.js';

/** Keystone's version document, as `identityVersion` writes it. */
const identityVersionSchema = sent({
  id: text,
  status: text,
  updated: text,
  links: listOf(sent({ rel: text, href: text })),
  'media-types': listOf(sent({ base: text, type: text })),
});

/**
 * The identity API's version, as Keystone describes it: keystoneauth1 reads it at `GET /v3`
 * (the auth URL) before it authenticates, and warns and guesses from the URL when it is missing.
 */
function identityVersion(publicUrl: string) {
  return {
    id: 'v3.0',
    status: 'stable',
    updated: '2013-03-06T00:00:00Z',
    links: [{ rel: 'self', href: `${publicUrl}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

/** `GET /v3` (and `/v3/`, its self link): the identity version document, open to anyone. */
export function discoveryRoutes(app: FastifyInstance, publicUrl: () => string) {
  for (const path of ['/v3', '/v3/'])
    app.get(
      path,
      {
        config: { auth: false },
        schema: {
          summary: 'Show identity API version v3',
          tags: ['Identity'],
          // One operation in the document: `/v3/` is the same resource.
          ...(path.endsWith('/') ? { hide: true } : {}),
          response: { 200: sent({ version: identityVersionSchema }) },
        },
      },
      async () => ({ version: identityVersion(publicUrl()) }),
    );
}

/**
 * The token's catalog: the NAT API at the root (Open Telekom Cloud's `/v2.0/…` paths hang off
 * it, and Huawei Cloud's `/v2/{project_id}/…`), the same API as the project's own endpoint
 * (`natv2`, as OpenStack names versioned project endpoints: `volumev3`), private NAT (`natv3`,
 * without the project: otcextensions appends it, and with the endpoint so given makes no version
 * discovery request), and the identity API.
 */
export function catalog(publicUrl: string, region: string, projectId: string) {
  const service = (type: string, url: string) => ({
    type,
    name: type,
    id: type,
    endpoints: ['public', 'internal'].map((kind) => ({
      id: `${type}-${kind}`,
      interface: kind,
      region,
      region_id: region,
      url,
    })),
  });
  return [
    service('nat', publicUrl),
    service('natv2', `${publicUrl}/v2/${projectId}`),
    service('natv3', `${publicUrl}/v3`),
    service('identity', `${publicUrl}/v3`),
  ];
}
