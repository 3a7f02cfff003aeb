import type { FastifyInstance, FastifyRequest } from 'fastify';
import { documented, type NatCode, natError } from './errors.js';
import type { TokenClaims } from './identity/tokens.js';
import { schemas, success, uuid } from './validate.js';

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

/**
 * Huawei Cloud's form of a rule's deletion, under its gateway:
 * `DELETE /v2/{project_id}/nat_gateways/{nat_gateway_id}/{kind}/{id}`. A rule of another gateway
 * is not found there (`notFound`, the rule kind's own code).
 */
export function ruleOfGatewayDeletion(
  scope: FastifyInstance,
  rule: {
    kind: 'snat_rules' | 'dnat_rules';
    notFound: NatCode;
    summary: string;
    tags: string[];
    store: {
      get(tenant: string, id: string): Promise<{ nat_gateway_id: string }>;
      delete(tenant: string, id: string): Promise<unknown>;
    };
  },
): void {
  const idParam = `${rule.kind.slice(0, -1)}_id`;
  scope.delete<{ Params: Record<string, string> }>(
    `/nat_gateways/:nat_gateway_id/${rule.kind}/:${idParam}`,
    {
      schema: {
        summary: rule.summary,
        tags: rule.tags,
        params: { type: 'object', properties: { nat_gateway_id: schemas.id, [idParam]: schemas.id } },
        errors: documented('NAT.0021', rule.notFound),
        response: success.noContent,
      },
    },
    async (request, reply) => {
      const tenant = (request.principal as TokenClaims).projectId;
      const gatewayId = uuid(request.params.nat_gateway_id ?? '', 'NAT.0021');
      const id = uuid(request.params[idParam] ?? '', rule.notFound);
      if ((await rule.store.get(tenant, id)).nat_gateway_id !== gatewayId)
        throw natError(rule.notFound, { id });
      await rule.store.delete(tenant, id);
      return reply.noContent();
    },
  );
}
