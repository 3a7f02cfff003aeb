import type { Language } from '../catalog/index.js';
import { type AnswerContext, type ErrorAnswer, errorAnswer } from './answer.js';
import { type ContractError, defaultErrorCode, isContractError } from './contract-error.js';

/** Stand-ins serialised where the message and the request id go, then cut out of the body. */
const messageMark = '@@statuskit:message@@';
const requestIdMark = '@@statuskit:request-id@@';
/** Splits a body at the stand-ins (as JSON strings), keeping them. */
const marks = /"(@@statuskit:message@@|@@statuskit:request-id@@)"/;

/**
 * One error answer made ahead: what `errorAnswer()` gives for an error of one status, with the
 * default code, no details and a message in the request's language. Only the message and the
 * request id change from one answer to the next; they are spliced into the body as JSON strings,
 * so an answer costs two quoted strings instead of an error object, a body object and its
 * serialisation.
 */
export class PreparedAnswer {
  /** The status sent: the one asked for, or its fallback in the profile. */
  readonly status: number;
  /** Content-Type and Content-Language, as errorAnswer() sets them. Shared by every answer: never changed. */
  readonly headers: Readonly<Record<string, string>>;
  /** False for a 5xx: its body has the catalog's text, whatever message is given. */
  readonly exposed: boolean;
  /** The body cut at the stand-ins: fixed text at even indexes, a stand-in at odd ones. */
  readonly #parts: readonly string[];
  /** The last message and its JSON string: one answer goes out for the same path over and over. */
  #message = '';
  #quoted = '""';

  constructor(
    status: number,
    lang: Language,
    { profile, dialect, errorCodes }: Omit<AnswerContext, 'lang' | 'requestId'>,
  ) {
    this.status = profile.resolve(status);
    const text = profile.text(this.status, lang);
    this.exposed = this.status < 500 && status < 500;
    this.headers = Object.freeze({
      'content-type': dialect.contentType,
      'content-language': this.exposed ? lang : text.lang,
    });
    this.#parts = dialect
      .serialize({
        status: this.status,
        code: errorCodes?.[this.status] ?? defaultErrorCode(this.status),
        title: text.phrase,
        message: this.exposed ? messageMark : text.description,
        requestId: requestIdMark,
      })
      .split(marks);
  }

  /** The body for this message and request id, byte for byte as errorAnswer() writes it. */
  body(message: string, requestId: string): string {
    if (message !== this.#message) {
      this.#quoted = jsonString(message);
      this.#message = message;
    }
    const parts = this.#parts;
    let body = parts[0] as string;
    for (let index = 1; index < parts.length; index += 2)
      body += (parts[index] === messageMark ? this.#quoted : jsonString(requestId)) + parts[index + 1];
    return body;
  }
}

/** What JSON must escape in a string (RFC 8259 §7), and surrogates, which `JSON.stringify` escapes when alone. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what JSON escapes.
const escaped = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * `JSON.stringify(text)`, byte for byte; a text with nothing to escape (every request id, nearly
 * every message) is only quoted, which costs less.
 */
export function jsonString(text: string): string {
  return escaped.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * The prepared answers of one contract (profile, dialect, error codes), made on first use for
 * each status and language: a server sends the same few error answers over and over.
 */
export class PreparedAnswers {
  readonly #context: Omit<AnswerContext, 'lang' | 'requestId'>;
  readonly #answers = new Map<number, PreparedAnswer>();

  constructor(context: Omit<AnswerContext, 'lang' | 'requestId'>) {
    this.#context = context;
  }

  /** The answer to an error of `status` (default code, no details) whose message is in `lang`. */
  get(status: number, lang: Language): PreparedAnswer {
    // One number per status and language, as the profile keys its texts.
    const key = status * 2 + (lang === 'zh-CN' ? 1 : 0);
    let answer = this.#answers.get(key);
    if (!answer) {
      answer = new PreparedAnswer(status, lang, this.#context);
      this.#answers.set(key, answer);
    }
    return answer;
  }

  /**
   * errorAnswer()'s answer to anything thrown, from a prepared answer where there is one: a 4xx
   * contract error of the profile with the default code, no details and no Retry-After, whose
   * message is written in `lang` (its only language is English when it was given as a string), or
   * that has none and gets the page's text. Anything else is errorAnswer()'s to make. The headers
   * are the caller's to change.
   */
  answer(error: unknown, lang: Language, requestId: string): ErrorAnswer {
    if (
      isContractError(error) &&
      error.status < 500 &&
      error.details === undefined &&
      error.retryAfter === undefined &&
      error.code === defaultErrorCode(error.status) &&
      this.#context.profile.has(error.status)
    ) {
      const message = this.#messageOf(error, lang);
      if (message) {
        const prepared = this.get(error.status, lang);
        return {
          status: prepared.status,
          headers: { ...error.headers, ...prepared.headers },
          body: prepared.body(message, requestId),
        };
      }
    }
    return errorAnswer(error, { ...this.#context, lang, requestId });
  }

  /** The message of `error` as errorAnswer() would write it in `lang`, where a prepared answer can carry it. */
  #messageOf(error: ContractError, lang: Language): string | undefined {
    if (error.messages) return error.messages[lang];
    if (error.message) return lang === 'en' ? error.message : undefined;
    // None at all (an error made from its status alone, as the plugin's last look makes one): the
    // page's text, where it is written in the language asked for, as `Content-Language` says.
    const text = this.#context.profile.text(error.status, lang);
    return text.lang === lang ? text.description : undefined;
  }
}
