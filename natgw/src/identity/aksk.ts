import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ContractError, UnauthorizedError } from 'statuskit';
import {
  ambiguousEscapes,
  canonicalRequest,
  emptyBodyHash,
  type PathEscapes,
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

/** A signed body larger than the route takes: it is not read, so its signature cannot hold. */
const tooLarge = (limit: number) =>
  refused(`The body is larger than ${limit} bytes: too large for its signature to be checked.`);

/**
 * The body's bytes, up to `limit`: a larger body is refused, declared or as it comes, chunked
 * too. The stream is let go rather than destroyed, as Fastify does past its `bodyLimit`: the
 * answer goes out on the connection, and the server drops the rest of the body.
 */
function readBody(payload: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const settle = (error: Error | undefined) => {
      payload.off('data', onData).off('end', onEnd).off('error', settle).off('close', onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, length));
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      length += bytes.length;
      if (length > limit) settle(tooLarge(limit));
      else chunks.push(bytes);
    };
    const onEnd = () => settle(undefined);
    const onClose = () => settle(new Error('the request was aborted before its body was in'));
    payload.on('data', onData).on('end', onEnd).on('error', settle).on('close', onClose);
  });
}

/** One answer for an unknown access key and a wrong signature: which keys exist is not said. */
const notSigned = () =>
  refused(
    'The signature does not match the request: it was not made with the secret key of this access key over this method, path, query, signed headers and body.',
  );

/** The principal of a signed request until its body is in and its signature holds: nobody yet. */
export const awaitingSignature: unique symbol = Symbol('awaiting its signature');

/**
 * Huawei Cloud's AK/SK authentication (SDK-HMAC-SHA256): the access keys of the configured users,
 * and the checks a signed request must pass to act as the key's user in the project it names
 * in `X-Project-Id`. What does not depend on the key is checked first; then the signature, the
 * same way for a key nobody has (against a secret nobody has) as for a known one, with the same
 * answer when it does not hold; only then the project and role. A request with a body has its
 * signature checked once the body is in (`preParsing`), and until then no handler can run
 * (`preValidation`): a request nobody has signed learns nothing, not even a 403.
 */
export class AccessKeys {
  readonly #keys: Map<string, { secret: string; user: string }>;
  readonly #awaitingBody = new WeakMap<FastifyRequest, (bodyHash: string) => TokenClaims>();
  /** What an unknown access key is checked against: the same work as a known one, never a match. */
  readonly #decoy = { secret: randomBytes(30).toString('base64url'), user: '' };

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

  /**
   * The claims of a signed request without a body, or `awaitingSignature` for one whose body is
   * still to come; the 401 of the first check it fails.
   */
  authenticate(request: FastifyRequest): TokenClaims | typeof awaitingSignature {
    const auth = parseAuthorization(String(request.headers.authorization));
    if (!auth)
      throw refused(
        `The Authorization header is not an ${signingAlgorithm} signature of the form "${signingAlgorithm} Access=<AK>, SignedHeaders=<names>, Signature=<hex>".`,
      );
    const signedHeaders = auth.signedHeaders.map((name) => name.toLowerCase());
    const project = request.headers['x-project-id'];
    const required = typeof project === 'string' ? [...requiredHeaders, 'x-project-id'] : requiredHeaders;
    const unsigned = required.filter((name) => !signedHeaders.includes(name));
    if (unsigned.length > 0)
      throw refused(`The signed headers (SignedHeaders=) must include ${unsigned.join(' and ')}.`);
    // Own properties only: `constructor` or `__proto__` is no header of the request.
    const absent = signedHeaders.filter((name) => !Object.hasOwn(request.headers, name));
    if (absent.length > 0)
      throw refused(`The signed header ${quoted(absent.join(', '))} is not in the request.`);
    const xDate = String(request.headers['x-sdk-date']);
    const signedAt = parseSdkDate(xDate);
    if (!signedAt) throw refused('X-Sdk-Date is not a time of the form YYYYMMDDTHHMMSSZ.');
    const now = this.options.now?.() ?? Date.now();
    if (Math.abs(now - signedAt.getTime()) > maxSkewMs)
      throw refused(`The request was signed at ${xDate} (X-Sdk-Date), more than 15 minutes from now.`);
    if (typeof project !== 'string') throw refused('A signed request names its project in X-Project-Id.');

    const known = this.#keys.get(auth.accessKey);
    const key = known ?? this.#decoy;
    const check = (bodyHash: string): TokenClaims => {
      const holds = this.#verify(request, auth, signedHeaders, key.secret, xDate, bodyHash);
      if (!known || !holds) {
        request.log.info(
          { accessKey: quoted(auth.accessKey) },
          known ? 'AK/SK: the signature does not match' : 'AK/SK: the access key is not known',
        );
        throw notSigned();
      }
      // The caller has proved the secret: it may learn where its key's user has a role.
      const claims = this.identity.claimsOf(key.user, project, now, maxSkewMs);
      if (!claims)
        throw refused(`The access key's user has no role in project ${quoted(project)} (X-Project-Id).`);
      return claims;
    };
    if (bodiless(request)) return check(emptyBodyHash);
    this.#awaitingBody.set(request, check);
    return awaitingSignature;
  }

  /** Whether the request's signature waits for its body: it is authorized after that, not before. */
  awaitsBody(request: FastifyRequest): boolean {
    return this.#awaitingBody.has(request);
  }

  /**
   * Fastify's `preParsing` hook: reads a signed request's body, checks the signature over it,
   * authenticates and authorizes the request, and hands the same bytes on to the parser.
   */
  readonly preParsing = (
    request: FastifyRequest,
    _reply: FastifyReply,
    payload: Readable,
    done: (error: Error | null, payload?: Readable) => void,
  ): void => {
    // Most requests carry a token: they pass without a promise.
    const check = this.#awaitingBody.get(request);
    if (check) this.#checkBody(request, payload, check).then((body) => done(null, body), done);
    else done(null, payload);
  };

  /**
   * Fastify's `preValidation` hook, which runs for every method, with a body or not: a request
   * whose signature still waits for its body never reaches a handler, however Fastify read it.
   */
  readonly preValidation = (
    request: FastifyRequest,
    _reply: FastifyReply,
    done: (error?: Error) => void,
  ): void => {
    if (this.#awaitingBody.has(request))
      done(refused('The body of this signed request was not read: its signature is not checked.'));
    else done();
  };

  async #checkBody(request: FastifyRequest, payload: Readable, check: (bodyHash: string) => TokenClaims) {
    const limit = request.routeOptions.bodyLimit ?? request.server.initialConfig.bodyLimit ?? 1024 * 1024;
    if (Number(request.headers['content-length']) > limit) throw tooLarge(limit);
    const body = await readBody(payload, limit);
    const claims = check(sha256Hex(body));
    request.principal = claims;
    this.identity.authorize(claims, request);
    this.#awaitingBody.delete(request);
    return Readable.from([body]);
  }

  /** Whether the signature holds for `secret`; the 401 of a body hash or query that is not well-formed. */
  #verify(
    request: FastifyRequest,
    auth: SignedAuthorization,
    signedHeaders: string[],
    secret: string,
    xDate: string,
    bodyHash: string,
  ): boolean {
    // A client may send the body's hash; the SDKs send UNSIGNED-PAYLOAD for bodies they do not
    // hash, which is only honest here for a request without one: every body is checked.
    const declared = request.headers['x-sdk-content-sha256'];
    if (
      declared !== undefined &&
      declared !== bodyHash &&
      !(declared === unsignedPayload && bodyHash === emptyBodyHash)
    )
      throw refused('X-Sdk-Content-Sha256 is not the SHA-256 of the body.');
    // No prototype: a signed header is only ever one the request has.
    const headers: Record<string, string> = Object.create(null);
    for (const name of signedHeaders) headers[name] = String(request.headers[name]);
    // Behind a proxy (the statuskit gateway), the host the client signed is the public one it forwards.
    const forwarded = request.headers['x-forwarded-host'];
    if (forwarded === this.options.publicHost()) headers.host = forwarded;
    // Percent-escapes of non-ASCII bytes were made by the SDK's HTTP client, or by its caller
    // before signing (as the private NAT pages ask of a tag key): either signature is the caller's.
    const readings: PathEscapes[] = ambiguousEscapes(request.url.split('?', 1)[0] as string)
      ? ['client', 'caller']
      : ['client'];
    const given = Buffer.from(auth.signature);
    let holds = false;
    for (const escapes of readings) {
      const canonical = canonicalRequest(
        { method: request.method, url: request.url, headers },
        signedHeaders,
        typeof declared === 'string' ? declared : bodyHash,
        escapes,
      );
      if (canonical === undefined)
        throw refused('The query string is not well-formed (a bad percent-escape).');
      const expected = Buffer.from(signature(secret, xDate, canonical));
      if (expected.length === given.length && timingSafeEqual(expected, given)) holds = true;
    }
    return holds;
  }
}
