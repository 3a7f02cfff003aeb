import type { FastifyInstance, FastifyRequest } from 'fastify';
import { natError } from './errors.js';
import type { TokenClaims } from './identity/tokens.js';

/**
 * The API's paths come in two forms, each route defined once and registered under both prefixes:
 * Open Telekom Cloud's (`/v2.0/nat_gateways`, tags under `/v2.0/{project_id}/nat_gateways`) and
 * Huawei Cloud's project-scoped ones (`/v2/{project_id}/nat_gateways`, tags under
 * `/v3/{project_id}/nat_gateways`), which its SDKs use.
 */
export const prefixes = {
  otc: '/v2.0',
  otcTags: '/v2.0/:project_id',
  huawei: '/v2/:project_id',
  huaweiTags: '/v3/:project_id',
} as const;

/** The public URL of a resource at `path` under the prefix the request came by. */
export type Locate = (request: FastifyRequest, path: string) => string;

/** How routes registered in `scope` name their resources: under the scope's own prefix, its parameters filled in. */
export function locator(scope: FastifyInstance, publicUrl: () => string): Locate {
  const prefix = scope.prefix;
  return (request, path) => {
    const params = request.params as Record<string, string>;
    const resolved = prefix.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
    return `${publicUrl()}${resolved}${path}`;
  };
}

/**
 * Routes under a `{project_id}` prefix answer only the caller's own project: another project in
 * the path is the pages' VPC.0007, before the body is read, so that such a request learns
 * nothing from validation.
 */
export function projectScoped(scope: FastifyInstance): void {
  scope.addHook('preParsing', (request, _reply, payload, done) => {
    const { project_id } = request.params as { project_id?: string };
    if (project_id !== (request.principal as TokenClaims).projectId) return done(natError('VPC.0007'));
    done(null, payload);
  });
}
