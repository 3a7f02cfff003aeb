import type { FastifyInstance } from 'fastify';
import { UnauthorizedError } from 'statuskit';
import { catalog } from './discovery.js';
import type { Identity } from './identity.js';

const named = {
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 64 },
    name: { type: 'string', maxLength: 255 },
    domain: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
  },
} as const;

/** Keystone v3 password authentication, project scope. */
const tokenRequest = {
  type: 'object',
  required: ['auth'],
  properties: {
    auth: {
      type: 'object',
      required: ['identity'],
      properties: {
        identity: {
          type: 'object',
          required: ['methods', 'password'],
          properties: {
            methods: { type: 'array', items: { const: 'password' }, minItems: 1 },
            password: {
              type: 'object',
              required: ['user'],
              properties: {
                user: {
                  ...named,
                  required: ['password'],
                  properties: { ...named.properties, password: { type: 'string', maxLength: 4096 } },
                },
              },
            },
          },
        },
        scope: { type: 'object', properties: { project: named } },
      },
    },
  },
} as const;

interface TokenBody {
  auth: {
    identity: { password: { user: { id?: string; name?: string; password: string } } };
    scope?: { project?: { id?: string; name?: string } };
  };
}

/** `POST /v3/auth/tokens`: 201 with `X-Subject-Token` and a token whose catalog points at the NAT API. */
export function identityRoutes(
  app: FastifyInstance,
  identity: Identity,
  options: { publicUrl: () => string; region: string },
) {
  app.post<{ Body: TokenBody }>(
    '/v3/auth/tokens',
    { config: { auth: false }, schema: { body: tokenRequest } },
    async (request, reply) => {
      const { user } = request.body.auth.identity.password;
      const project = request.body.auth.scope?.project;
      const issued = await identity.issue({
        ...(user.name === undefined ? {} : { userName: user.name }),
        ...(user.id === undefined ? {} : { userId: user.id }),
        password: user.password,
        ...(project?.name === undefined ? {} : { projectName: project.name }),
        ...(project?.id === undefined ? {} : { projectId: project.id }),
      });
      if (!issued)
        throw new UnauthorizedError('The request you have made requires authentication.', {
          code: 'VPC.0008',
        });
      const { claims } = issued;
      const domain = { id: 'default', name: identity.config.domain };
      const url = options.publicUrl();
      reply.code(201).header('x-subject-token', issued.token);
      return {
        token: {
          methods: ['password'],
          user: { id: claims.userId, name: claims.userName, domain },
          project: { id: claims.projectId, name: claims.projectName, domain },
          roles: [{ id: claims.role, name: claims.role }],
          issued_at: new Date(claims.issuedAt).toISOString(),
          expires_at: new Date(claims.expiresAt).toISOString(),
          catalog: catalog(url, options.region, claims.projectId),
        },
      };
    },
  );
}
