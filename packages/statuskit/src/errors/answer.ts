import type { Language, Profile } from '../catalog/index.js';
import type { Dialect } from '../dialects/index.js';
import { defaultErrorCode, isContractError } from './contract-error.js';
import { messageIn } from './messages.js';

export interface AnswerContext {
  profile: Profile;
  dialect: Dialect;
  lang: Language;
  requestId: string;
  /** The service's own error code for each status, used where an error names none. */
  errorCodes?: Readonly<Partial<Record<number, string>>>;
}

/** An error as it goes on the wire: status, headers and body, inside the profile. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Turns anything thrown into the contract's answer. A status outside the profile goes to its
 * fallback; a 5xx, or anything that is not a contract error, shows only the catalog's text, so
 * nothing of an exception (message, path, stack) leaves the server.
 * @example errorAnswer(new NotFoundError('No Snat Rule exist with id x'), { profile, dialect, lang: 'en', requestId })
 */
export function errorAnswer(
  error: unknown,
  { profile, dialect, lang, requestId, errorCodes }: AnswerContext,
): ErrorAnswer {
  const known = isContractError(error) ? error : undefined;
  const status = profile.resolve(known?.status ?? 500);
  const text = profile.text(status, lang);
  const exposed = known !== undefined && status < 500 && known.status < 500;
  // The error's own message where the caller may see it, else the page's text for the status;
  // `Content-Language` names the language the message really is in, never the one asked for.
  const own = exposed
    ? known.messages
      ? messageIn(known.messages, lang)
      : known.message
        ? { text: known.message, lang: 'en' as const }
        : undefined
    : undefined;
  const headers: Record<string, string> = {
    ...known?.headers,
    'content-type': dialect.contentType,
    'content-language': own?.lang ?? text.lang,
  };
  if (known?.retryAfter !== undefined) headers['retry-after'] = String(Math.ceil(known.retryAfter));
  const ownCode =
    known && known.status === status && known.code !== defaultErrorCode(status) ? known.code : undefined;
  const body = dialect.serialize({
    status,
    code: ownCode ?? errorCodes?.[status] ?? defaultErrorCode(status),
    title: text.phrase,
    message: own?.text ?? text.description,
    requestId,
    details: exposed ? known.details : undefined,
  });
  return { status, headers, body };
}
