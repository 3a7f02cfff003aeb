import { timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ContractError, UnauthorizedError } from 'statuskit';
import {
  canonicalRequest,
  emptyBodyHash,
  parseAuthorization,
  parseSdkDate,
  type SignedAuthorization,
  sha256Hex,
  signature,
  signingAlgorithm,
} from 'statuskit/client';
import type { AccessKeyConfig } from '../config.js';
import type { Identity } from './identity.js';
import type { TokenClaims } from './tokens.js';

/** A signature dated further than this from now, either way, is refused: the window for a replay. */
const maxSkewMs = 15 * 60_000;

/** What every signature must cover: where the request goes and when it was signed. */
const requiredHeaders = ['host', 'x-sdk-date'] as const;

const unsignedPayload = 'UNSIGNED-PAYLOAD';

/** The pages' 401 for a request whose credentials do not hold, saying which check failed. */
function refused(message: string): ContractError {
  return new UnauthorizedError(message, {
    code: 'VPC.0008',
    headers: { 'www-authenticate': signingAlgorithm },
  });
}

/** What the caller sent, as a message may quote it: at most 64 characters. */
const quoted = (text: string) => (text.length > 64 ? `${text.slice(0, 64)}…` : text);

/** Whether the request carries a signature rather than a token. */
export function isSigned(request: FastifyRequest): boolean {
  const authorization = request.headers.authorization;
  return typeof authorization === 'string' && authorization.startsWith(`${signingAlgorithm} `);
}

/** RFC 9112 §6.3: without Content-Length or Transfer-Encoding a request has no body. */
function bodiless(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/** The body's bytes, up to `limit`: more is the 413 Fastify would give (400 in the profile). */
async function readBody(payload: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of payload) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    length += bytes.length;
    if (length > limit)
      throw Object.assign(new Error('Request body is too large'), {
        statusCode: 413,
        code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      });
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, length);
}

/**
 * Huawei Cloud's AK/SK authentication (SDK-HMAC-SHA256): the access keys of the configured users,
 * and the checks a signed request must pass to act as the key's user in the project it names
 * in `X-Project-Id`. Everything but the body is checked before the body is read; a request
 * with a body has its signature checked once the body is in (`preParsing`), and only then is it
 * authorized, so that a request nobody has signed learns nothing, not even a 403.
 */
export class AccessKeys {
  readonly #keys: Map<string, { secret: string; user: string }>;
  readonly #awaitingBody = new WeakMap<FastifyRequest, (bodyHash: string) => void>();

  constructor(
    keys: readonly AccessKeyConfig[],
    readonly identity: Identity,
    readonly options: {
      /** `host:port` of the public URL: the host a client signs when a proxy forwards its request. */
      publicHost(): string;
      now?(): number;
    },
  ) {
    this.#keys = new Map();
    for (const key of keys) {
      if (!identity.config.users.some((user) => user.name === key.user))
        throw new Error(`access key ${key.access} names an unknown user ${key.user}`);
      if (this.#keys.has(key.access)) throw new Error(`access key ${key.access} is configured twice`);
      if (key.secret.length < 16)
        throw new Error(`the secret key of ${key.access} is shorter than 16 characters`);
      this.#keys.set(key.access, { secret: key.secret, user: key.user });
    }
  }

  /** The claims of a signed request, or the 401 of the first check it fails. */
  authenticate(request: FastifyRequest): TokenClaims {
    const auth = parseAuthorization(String(request.headers.authorization));
    if (!auth)
      throw refused(
        `The Authorization header is not an ${signingAlgorithm} signature of the form "${signingAlgorithm} Access=<AK>, SignedHeaders=<names>, Signature=<hex>".`,
      );
    const key = this.#keys.get(auth.accessKey);
    if (!key) throw refused('The access key (Access=) is not known.');
    const signedHeaders = auth.signedHeaders.map((name) => name.toLowerCase());
    const project = request.headers['x-project-id'];
    const required = typeof project === 'string' ? [...requiredHeaders, 'x-project-id'] : requiredHeaders;
    const unsigned = required.filter((name) => !signedHeaders.includes(name));
    if (unsigned.length > 0)
      throw refused(`The signed headers (SignedHeaders=) must include ${unsigned.join(' and ')}.`);
    const absent = signedHeaders.filter((name) => request.headers[name] === undefined);
    if (absent.length > 0)
      throw refused(`The signed header ${quoted(absent.join(', '))} is not in the request.`);
    const xDate = String(request.headers['x-sdk-date']);
    const signedAt = parseSdkDate(xDate);
    if (!signedAt) throw refused('X-Sdk-Date is not a time of the form YYYYMMDDTHHMMSSZ.');
    const now = this.options.now?.() ?? Date.now();
    if (Math.abs(now - signedAt.getTime()) > maxSkewMs)
      throw refused(`The request was signed at ${xDate} (X-Sdk-Date), more than 15 minutes from now.`);
    if (typeof project !== 'string') throw refused('A signed request names its project in X-Project-Id.');
    const claims = this.identity.claimsOf(key.user, project, now, maxSkewMs);
    if (!claims)
      throw refused(`The access key's user has no role in project ${quoted(project)} (X-Project-Id).`);

    const verify = (bodyHash: string) =>
      this.#verify(request, auth, signedHeaders, key.secret, xDate, bodyHash);
    if (bodiless(request)) verify(emptyBodyHash);
    else this.#awaitingBody.set(request, verify);
    return claims;
  }

  /** Whether the request's signature waits for its body: it is authorized after that, not before. */
  awaitsBody(request: FastifyRequest): boolean {
    return this.#awaitingBody.has(request);
  }

  /**
   * Fastify's `preParsing` hook: reads a signed request's body, checks the signature over it,
   * authorizes the request, and hands the same bytes on to the parser.
   */
  readonly preParsing = (
    request: FastifyRequest,
    _reply: FastifyReply,
    payload: Readable,
    done: (error: Error | null, payload?: Readable) => void,
  ): void => {
    // Most requests carry a token: they pass without a promise.
    const verify = this.#awaitingBody.get(request);
    if (verify) this.#checkBody(request, payload, verify).then((body) => done(null, body), done);
    else done(null, payload);
  };

  async #checkBody(request: FastifyRequest, payload: Readable, verify: (bodyHash: string) => void) {
    const limit = request.routeOptions.bodyLimit ?? request.server.initialConfig.bodyLimit ?? 1024 * 1024;
    // Fastify refuses a declared length over the limit without reading it; nothing is served.
    if (Number(request.headers['content-length']) > limit) return payload;
    const body = await readBody(payload, limit);
    verify(sha256Hex(body));
    this.#awaitingBody.delete(request);
    this.identity.authorize(request.principal as TokenClaims, request);
    return Readable.from([body]);
  }

  #verify(
    request: FastifyRequest,
    auth: SignedAuthorization,
    signedHeaders: string[],
    secret: string,
    xDate: string,
    bodyHash: string,
  ): void {
    // A client may send the body's hash; the SDKs send UNSIGNED-PAYLOAD for bodies they do not
    // hash, which is only honest here for a request without one: every body is checked.
    const declared = request.headers['x-sdk-content-sha256'];
    if (
      declared !== undefined &&
      declared !== bodyHash &&
      !(declared === unsignedPayload && bodyHash === emptyBodyHash)
    )
      throw refused('X-Sdk-Content-Sha256 is not the SHA-256 of the body.');
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) headers[name] = String(request.headers[name]);
    // Behind a proxy (the statuskit gateway), the host the client signed is the public one it forwards.
    const forwarded = request.headers['x-forwarded-host'];
    if (forwarded === this.options.publicHost()) headers.host = forwarded;
    const canonical = canonicalRequest(
      { method: request.method, url: request.url, headers },
      signedHeaders,
      typeof declared === 'string' ? declared : bodyHash,
    );
    if (canonical === undefined) throw refused('The query string is not well-formed (a bad percent-escape).');
    const expected = Buffer.from(signature(secret, xDate, canonical));
    const given = Buffer.from(auth.signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      throw refused(
        'The signature does not match the request: it was not made with the secret key of this access key over this method, path, query, signed headers and body.',
      );
  }
}
