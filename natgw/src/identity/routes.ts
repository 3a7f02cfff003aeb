import type { FastifyInstance } from 'fastify';
import { UnauthorizedError } from 'statuskit';
import { listOf, sent, text } from '../validate.js';
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

const unauthorized = 'The request you have made requires authentication.';
const idAndName = sent({ id: text, name: text });
const ownedByDomain = sent({ id: text, name: text, domain: idAndName });

/** The token as Keystone v3 shows it, with the catalog whose `nat` entry is this API. */
const tokenResponse = sent({
  token: sent({
    methods: listOf(text),
    user: ownedByDomain,
    project: ownedByDomain,
    roles: listOf(idAndName),
    issued_at: { type: 'string', format: 'date-time' },
    expires_at: { type: 'string', format: 'date-time' },
    catalog: listOf(
      sent({
        type: text,
        name: text,
        id: text,
        endpoints: listOf(sent({ id: text, interface: text, region: text, region_id: text, url: text })),
      }),
    ),
  }),
});

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
    {
      config: { auth: false },
      schema: {
        summary: 'Get a token (Keystone v3, password, project scope)',
        tags: ['Identity'],
        body: {
          ...tokenRequest,
          examples: [
            {
              auth: {
                identity: {
                  methods: ['password'],
                  password: {
                    user: { name: 'demo', password: 'demo-password', domain: { name: 'Default' } },
                  },
                },
                scope: { project: { name: 'demo', domain: { name: 'Default' } } },
              },
            },
          ],
        },
        errors: [{ status: 401, code: 'VPC.0008', message: unauthorized }],
        response: {
          201: {
            ...tokenResponse,
            headers: { 'X-Subject-Token': { type: 'string', description: 'The token, for `X-Auth-Token`.' } },
          },
        },
      },
    },
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
      if (!issued) throw new UnauthorizedError(unauthorized, { code: 'VPC.0008' });
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
          catalog: [
            {
              type: 'nat',
              name: 'nat',
              id: 'nat',
              endpoints: ['public', 'internal'].map((kind) => ({
                id: `nat-${kind}`,
                interface: kind,
                region: options.region,
                region_id: options.region,
                url,
              })),
            },
          ],
        },
      };
    },
  );
}
