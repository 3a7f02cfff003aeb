import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route that only reads, whatever its method: read-only users may call it. */
    readOnly?: boolean;
  }
}

import type { Config } from '../config.js';
import { natError } from '../errors.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { TokenClaims, TokenSigner } from './tokens.js';

interface User {
  id: string;
  name: string;
  passwordHash: string;
  project: { id: string; name: string };
  role: TokenClaims['role'];
}

/**
 * Users, passwords (salted scrypt hashes) and roles from the configuration, and the tokens that
 * prove them: what `POST /v3/auth/tokens` checks and what every other route trusts.
 */
export class Identity {
  readonly #users: User[];
  readonly #decoy = hashPassword('-');

  constructor(
    readonly config: Pick<Config, 'domain' | 'projects' | 'users' | 'tokenTtlSeconds'>,
    readonly signer: TokenSigner,
  ) {
    this.#users = config.users.map((user) => {
      const project = config.projects.find(
        (candidate) => candidate.name === user.project || candidate.id === user.project,
      );
      if (!project) throw new Error(`user ${user.name} names an unknown project ${user.project}`);
      return {
        id: `${project.id.slice(0, 16)}${Buffer.from(user.name).toString('hex').padEnd(16, '0').slice(0, 16)}`,
        name: user.name,
        passwordHash: user.password.startsWith('scrypt$') ? user.password : hashPassword(user.password),
        project,
        role: user.role,
      };
    });
  }

  /** A token for a user's password in a project, or undefined when anything does not match. */
  async issue(
    input: { userName?: string; userId?: string; password: string; projectName?: string; projectId?: string },
    now = Date.now(),
  ) {
    const user = this.#users.find(
      (candidate) => candidate.name === input.userName || candidate.id === input.userId,
    );
    // Check a password even for an unknown user, so that timing does not tell which users exist.
    const matches = await verifyPassword(input.password, user?.passwordHash ?? this.#decoy);
    if (!user || !matches) return undefined;
    if (input.projectName !== undefined && input.projectName !== user.project.name) return undefined;
    if (input.projectId !== undefined && input.projectId !== user.project.id) return undefined;
    const claims: TokenClaims = {
      userId: user.id,
      userName: user.name,
      projectId: user.project.id,
      projectName: user.project.name,
      role: user.role,
      issuedAt: now,
      expiresAt: now + this.config.tokenTtlSeconds * 1000,
    };
    return { token: this.signer.sign(claims), claims };
  }

  /** The claims of the request's `X-Auth-Token`; a missing token is undefined (401), a bad or expired one throws the page's 401. */
  authenticate(request: FastifyRequest): TokenClaims | undefined {
    const token = request.headers['x-auth-token'];
    if (token === undefined) return undefined;
    const claims = typeof token === 'string' ? this.signer.verify(token) : undefined;
    if (!claims) throw natError('VPC.0008');
    if (claims.expiresAt <= Date.now()) throw natError('NAT.0025');
    return claims;
  }

  /** Read-only users may read (see `readsOnly`); everything else needs the read-write role. */
  authorize(claims: TokenClaims, request: FastifyRequest): true {
    if (claims.role === 'read-write' || readsOnly(request.method, request.routeOptions.config)) return true;
    throw natError('VPC.2701');
  }
}

/** Whether a request only reads: GET, HEAD, or a route marked `readOnly` (a query sent as POST). */
export function readsOnly(method: string, config: { readOnly?: boolean } | undefined): boolean {
  return method === 'GET' || method === 'HEAD' || config?.readOnly === true;
}
