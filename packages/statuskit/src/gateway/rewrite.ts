import { type Dialect, type ErrorStatus, type Profile, parseErrorBody } from '../index.js';

/** What to do with an upstream reply once its status line and headers are in. */
export type StatusVerdict =
  /** Inside the contract as far as the status goes: stream it through unchanged. */
  | { action: 'pass' }
  /** A success the profile lacks (206, 203, 205), meaning the same as its fallback: the same body under the profile's code. */
  | { action: 'status'; status: number }
  /** An error, or a code that lands on one: read the body (bounded) and judge it. */
  | { action: 'inspect' };

/**
 * Successes whose fallback would change what the client believes: 202 (the work is not done;
 * as 200 the client loses its operation and thinks it finished), 201 (a new resource, and where)
 * and 204 (nothing to read). They pass as they are even where the profile lacks them, with a
 * warning in the log: a gateway corrects a status, it never tells a client a different story.
 */
export const keptSuccesses: ReadonlySet<number> = new Set([201, 202, 204]);

/**
 * Judges an upstream reply by its status. Successes the profile has, and `keptSuccesses`, pass
 * without being read, so their bodies stream; errors are read, because an HTML page or a foreign body must be rewritten.
 * A HEAD reply has no body to judge: an error the profile has passes as it is.
 * @example judgeStatus(200, getProfile('nat'), 'GET') // { action: 'pass' }
 */
export function judgeStatus(status: number, profile: Profile, method: string): StatusVerdict {
  if (profile.has(status) && (status < 400 || method === 'HEAD')) return passes;
  if (keptSuccesses.has(status)) return passes;
  const resolved = profile.resolve(status);
  if (resolved < 400) return { action: 'status', status: resolved };
  return inspected;
}

// Made once: every proxied answer is judged (twice), and these carry nothing of their own.
const passes: StatusVerdict = Object.freeze({ action: 'pass' });
const inspected: StatusVerdict = Object.freeze({ action: 'inspect' });

/** What becomes of an upstream error reply once its body is read. */
export type BodyVerdict =
  | { action: 'pass' }
  | {
      action: 'rewrite';
      status: ErrorStatus;
      /** The upstream's message, kept where the caller may see it (a 4xx). */
      message?: string;
      /** The upstream's own error code and details, kept where the status is. */
      code?: string;
      details?: unknown;
    };

/** The media type of a `Content-Type`, lower-cased, without parameters. */
export function mediaType(contentType: string | string[] | undefined): string {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  return (value ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

function isJson(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

/**
 * Judges an upstream error reply by its body. It passes unchanged when its status is in the
 * profile and its body is an error body of the gateway's dialect, under that dialect's media type,
 * telling the same status. Anything else (HTML, plain text, another shape, another dialect, a
 * code the profile lacks, a body over the size read) is rewritten: at the status itself where
 * the profile has it, else at its fallback, keeping what the upstream said that still holds.
 * @example judgeBody(500, 'text/html', Buffer.from('<h1>oops</h1>'), profile, errorDialect) // { action: 'rewrite', status: 500 }
 */
export function judgeBody(
  status: number,
  contentType: string | string[] | undefined,
  body: Buffer | undefined,
  profile: Profile,
  dialect: Dialect,
): BodyVerdict {
  const resolved = profile.resolve(status) as ErrorStatus;
  const type = mediaType(contentType);
  const parsed = body !== undefined && isJson(type) ? parseErrorBody(body.toString('utf8')) : undefined;
  const same = resolved === status;
  if (
    same &&
    parsed?.dialect === dialect.name &&
    type === mediaType(dialect.contentType) &&
    (parsed.status === undefined || parsed.status === status)
  ) {
    return { action: 'pass' };
  }
  const verdict: BodyVerdict = { action: 'rewrite', status: resolved };
  if (parsed?.message && resolved < 500) verdict.message = parsed.message;
  if (same && parsed?.code) verdict.code = parsed.code;
  if (same && parsed?.details !== undefined) verdict.details = parsed.details;
  return verdict;
}
