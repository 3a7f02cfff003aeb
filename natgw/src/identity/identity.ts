import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route that only reads, whatever its method: read-only users may call it. */
    readOnly?: boolean;
    /** A route of the admin API: the admin role only, whatever the method. */
    admin?: boolean;
  }
}

import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { natError } from '../errors.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { Revocations } from './revocations.js';
import type { TokenClaims, TokenSigner } from './tokens.js';

interface User {
  id: string;
  name: string;
  passwordHash: string;
  project: { id: string; name: string };
  role: TokenClaims['role'];
  /** Digest of the configured password, role and project: what a token's `stamp` must match. */
  stamp: string;
}

/** Why a token is not good: not ours, tampered, voided or revoked (`invalid`), or past its time. */
export type TokenProblem = 'invalid' | 'expired';

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
    readonly revocations: Revocations,
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
        // From the configured text, not a fresh hash: a restart with the same configuration keeps tokens.
        stamp: signer.stamp(JSON.stringify([user.password, user.role, project.id])),
      };
    });
  }

  /** Whom a login names, for counting its failures: the user's id, or the name or id given when no user has it. */
  loginKey(input: { userName?: string; userId?: string }): string {
    const user = this.#users.find(
      (candidate) => candidate.name === input.userName || candidate.id === input.userId,
    );
    return user?.id ?? (input.userName !== undefined ? `name:${input.userName}` : `id:${input.userId ?? ''}`);
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
      tokenId: randomBytes(16).toString('base64url'),
      stamp: user.stamp,
    };
    return { token: this.signer.sign(claims), claims };
  }

  /**
   * The claims of a token that is still good: signed with this key, not expired, its user still
   * configured with the password, role and project it was issued for, and not revoked.
   */
  async check(token: string, now = Date.now()): Promise<TokenClaims | TokenProblem> {
    const claims = this.signer.verify(token);
    const user = claims && this.#users.find((candidate) => candidate.id === claims.userId);
    if (!claims || !user || user.stamp !== claims.stamp || typeof claims.tokenId !== 'string')
      return 'invalid';
    if (claims.expiresAt <= now) return 'expired';
    return (await this.revocations.revoked(claims.tokenId)) ? 'invalid' : claims;
  }

  /** Revokes a good token at every instance sharing the database, until it would have expired. */
  revoke(claims: TokenClaims): Promise<void> {
    return this.revocations.revoke(claims.tokenId, claims.expiresAt);
  }

  /**
   * The claims of a user acting in a project, for a caller proven some other way (a request
   * signed with the user's access key); undefined when there is no such user or no role there.
   */
  claimsOf(userName: string, projectId: string, now: number, ttlMs: number): TokenClaims | undefined {
    const user = this.#users.find((candidate) => candidate.name === userName);
    if (!user || user.project.id !== projectId) return undefined;
    return {
      userId: user.id,
      userName: user.name,
      projectId: user.project.id,
      projectName: user.project.name,
      role: user.role,
      issuedAt: now,
      expiresAt: now + ttlMs,
      // A signed request is proven on its own: there is no token to revoke, so its id is its own.
      tokenId: randomBytes(16).toString('base64url'),
      stamp: user.stamp,
    };
  }

  /** The claims of the request's `X-Auth-Token`; a missing token is undefined (401), a bad or expired one throws the page's 401. */
  async authenticate(request: FastifyRequest): Promise<TokenClaims | undefined> {
    const token = request.headers['x-auth-token'];
    if (token === undefined) return undefined;
    const claims = typeof token === 'string' ? await this.check(token) : 'invalid';
    if (claims === 'invalid') throw natError('VPC.0008');
    if (claims === 'expired') throw natError('NAT.0025');
    return claims;
  }

  /**
   * The admin API needs the admin role; elsewhere read-only users may read (see `readsOnly`) and
   * everything else needs the read-write role, which an admin has in its own project.
   */
  authorize(claims: TokenClaims, request: FastifyRequest): true {
    const config = request.routeOptions.config;
    if (config.admin) {
      if (claims.role === 'admin') return true;
    } else if (claims.role !== 'read-only' || readsOnly(request.method, config)) return true;
    throw natError('VPC.2701');
  }
}

/** Whether a request only reads: GET, HEAD, or a route marked `readOnly` (a query sent as POST). */
export function readsOnly(method: string, config: { readOnly?: boolean } | undefined): boolean {
  return method === 'GET' || method === 'HEAD' || config?.readOnly === true;
}
