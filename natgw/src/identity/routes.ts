import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, NotFoundError, UnauthorizedError } from 'statuskit';
import { documented, natError } from '../errors.js';
import { messages, texts } from '../messages.js';
import { listOf, sent, success, text } from '../validate.js';
import { catalog } from './discovery.js';
import type { Identity } from './identity.js';
import { addressKey, type Lockout, lockedOut } from './lockout.js';
import type { TokenClaims } from './tokens.js';

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

const unknownSubject = 'The token in X-Subject-Token could not be found.';
const notOwnSubject = 'Only its own user may validate or revoke a token.';
const subjectToken = { type: 'string', description: 'The token, for `X-Auth-Token`.' } as const;
/**
 * The token a validation or revocation is about. Documented only: the handler checks it, for
 * Keystone's answers (400 without it, 404 for one that is not good).
 */
const subjectHeader = { type: 'object', properties: { 'x-subject-token': subjectToken } } as const;
const subjectErrors = [
  ...documented('NAT.0002'),
  { status: 403, code: 'VPC.2701', message: notOwnSubject },
  { status: 404, code: 'NAT.1002', message: unknownSubject },
];
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
    audit_ids: listOf(text),
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

interface Options {
  publicUrl: () => string;
  region: string;
  bodyLimit: number;
  lockout: Lockout;
  /** The address a login comes from, as the lockout counts it (client-address.ts). */
  clientAddress: (request: FastifyRequest) => string;
}

/** A token's body as Keystone v3 shows it, with a catalog whose `nat` entry is this API. */
function tokenView(claims: TokenClaims, domainName: string, options: Options) {
  const domain = { id: 'default', name: domainName };
  const url = options.publicUrl();
  return {
    token: {
      methods: ['password'],
      user: { id: claims.userId, name: claims.userName, domain },
      project: { id: claims.projectId, name: claims.projectName, domain },
      roles: [{ id: claims.role, name: claims.role }],
      issued_at: new Date(claims.issuedAt).toISOString(),
      expires_at: new Date(claims.expiresAt).toISOString(),
      audit_ids: [claims.tokenId],
      catalog: catalog(url, options.region, claims.projectId),
    },
  };
}

/**
 * Keystone v3 token operations: `POST /v3/auth/tokens` (201 with `X-Subject-Token`), and for the
 * token named by `X-Subject-Token`, `GET` and `HEAD` (is it good: 200, else 404) and `DELETE`
 * (revoke it: 204). A user may validate and revoke their own tokens, read-only users included.
 */
export function identityRoutes(app: FastifyInstance, identity: Identity, options: Options) {
  /** The caller's own token named by `X-Subject-Token`, still good; else the error Keystone gives. */
  async function subject(request: FastifyRequest): Promise<TokenClaims> {
    const token = request.headers['x-subject-token'];
    if (typeof token !== 'string' || token === '') {
      const message = 'must name a token';
      throw natError('NAT.0002', {}, { details: [{ field: 'X-Subject-Token', rule: 'required', message }] });
    }
    const claims = await identity.check(token);
    if (typeof claims === 'string') throw new NotFoundError(unknownSubject, { code: 'NAT.1002' });
    if (claims.userId !== (request.principal as TokenClaims).userId)
      throw new ForbiddenError(notOwnSubject, { code: 'VPC.2701' });
    return claims;
  }

  app.post<{ Body: TokenBody }>(
    '/v3/auth/tokens',
    {
      // Open to anyone, so what it parses is held to what a token request needs.
      config: { auth: false, jsonBytes: options.bodyLimit },
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
        errors: [
          { status: 401, code: 'VPC.0008', message: texts.badLogin.en },
          { status: 503, code: 'NAT.0102', message: lockedOut },
        ],
        response: {
          201: {
            ...tokenResponse,
            headers: { 'X-Subject-Token': subjectToken },
          },
        },
      },
    },
    async (request, reply) => {
      const { user } = request.body.auth.identity.password;
      const project = request.body.auth.scope?.project;
      const names = {
        ...(user.name === undefined ? {} : { userName: user.name }),
        ...(user.id === undefined ? {} : { userId: user.id }),
      };
      // Counted (and perhaps refused with 503) before the password is checked.
      const attempt = [identity.loginKey(names), addressKey(options.clientAddress(request))] as const;
      await options.lockout.attempt(...attempt);
      const issued = await identity.issue({
        ...names,
        password: user.password,
        ...(project?.name === undefined ? {} : { projectName: project.name }),
        ...(project?.id === undefined ? {} : { projectId: project.id }),
      });
      if (!issued) throw new UnauthorizedError(messages.badLogin(), { code: 'VPC.0008' });
      await options.lockout.succeeded(...attempt);
      reply.code(201).header('x-subject-token', issued.token);
      return tokenView(issued.claims, identity.config.domain, options);
    },
  );

  // HEAD comes with GET: the same checks, no body.
  app.get(
    '/v3/auth/tokens',
    {
      schema: {
        summary: 'Validate a token (the one in X-Subject-Token)',
        tags: ['Identity'],
        headers: subjectHeader,
        errors: subjectErrors,
        response: { 200: { ...tokenResponse, headers: { 'X-Subject-Token': subjectToken } } },
      },
    },
    async (request, reply) => {
      const claims = await subject(request);
      reply.header('x-subject-token', request.headers['x-subject-token']);
      return tokenView(claims, identity.config.domain, options);
    },
  );

  app.delete(
    '/v3/auth/tokens',
    {
      config: { readOnly: true },
      schema: {
        summary: 'Revoke a token (the one in X-Subject-Token)',
        tags: ['Identity'],
        headers: subjectHeader,
        errors: subjectErrors,
        response: success.noContent,
      },
    },
    async (request, reply) => {
      await identity.revoke(await subject(request));
      return reply.noContent();
    },
  );
}
