import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { type ContractError, createError, ServiceUnavailableError } from '../errors/index.js';
import { PreparedAnswers } from '../errors/prepared.js';
import {
  type AnswerContext,
  type Dialect,
  type ErrorAnswer,
  type ErrorStatus,
  getDialect,
  getProfile,
  type Language,
  type Messages,
  type Profile,
} from '../index.js';
import { messages } from '../texts/index.js';
import { hostProblem, transferCodingProblem } from './framing.js';
import { defaults, type StatuskitOptions } from './options.js';
import type { Pressure } from './pressure.js';

/**
 * The contract of one server: its profile, dialect and error codes, and the states that turn
 * requests away with 503 (maintenance, draining). Decorated on the app as `app.statuskit`.
 */
export class Contract {
  readonly profile: Profile;
  readonly dialect: Dialect;
  readonly errorCodes: Readonly<Partial<Record<number, string>>>;
  log: FastifyBaseLogger;
  /** Set while in maintenance: every request gets 503 with this `Retry-After`. */
  maintenance: { retryAfter: number } | undefined;
  /** Set from the moment the server starts closing: new requests get 503. */
  draining = false;
  inFlight = 0;
  /** The `WWW-Authenticate` challenge of a 401 that names none (RFC 9110 §11.6.1). */
  readonly challenge: string;
  /** Seconds a client turned away by a busy or closing server is told to wait. */
  readonly retryAfter: number;
  /** Milliseconds a connection the server has ended waits for its client to end its side too. */
  readonly linger: number;
  /** Requests of one connection served at once; the next ones wait their turn (0: no limit). */
  readonly perConnection: number;
  /** Event-loop delay and heap use, when the plugin watches them: a `cause` means 503. */
  pressure: Pressure | undefined;
  /** The plugin's own refusals (404, 405, 401, …), made ahead per status and language. */
  readonly prepared: PreparedAnswers;

  constructor(
    options: Pick<StatuskitOptions, 'profile' | 'dialect' | 'errorCodes' | 'auth' | 'overload' | 'timeouts'>,
    log: FastifyBaseLogger,
  ) {
    this.profile = typeof options.profile === 'object' ? options.profile : getProfile(options.profile);
    this.dialect = getDialect(options.dialect);
    this.errorCodes = options.errorCodes ?? {};
    this.challenge = options.auth?.challenge ?? 'Bearer';
    this.retryAfter = options.overload?.retryAfter ?? defaults.overload.retryAfter;
    this.linger = options.timeouts?.linger ?? defaults.timeouts.linger;
    this.perConnection =
      options.overload?.maxInFlightPerConnection ?? defaults.overload.maxInFlightPerConnection;
    this.log = log;
    this.prepared = new PreparedAnswers({
      profile: this.profile,
      dialect: this.dialect,
      errorCodes: this.errorCodes,
    });
  }

  context(lang: Language, requestId: string): AnswerContext {
    return { profile: this.profile, dialect: this.dialect, lang, requestId, errorCodes: this.errorCodes };
  }

  /** The answer to anything thrown, inside the profile (errorAnswer()'s, from a prepared one where it can). */
  answer(error: unknown, lang: Language, requestId: string): ErrorAnswer {
    return this.prepared.answer(error, lang, requestId);
  }

  /** An error for any status, moved into the profile first (431 → 400 in `nat`). */
  errorFor(status: number, message?: string | Messages): ContractError {
    return createError(this.profile.resolve(status) as ErrorStatus, message);
  }

  /**
   * Why a request is turned away before any work, the in-flight limit aside (it counts what is
   * admitted): 503 while closing, in maintenance or under pressure, then 400 or 501 for framing
   * the server does not take. The plugin answers it; the gateway's fast lane hands such a
   * request to the plugin.
   */
  turnedAway(request: IncomingMessage): ContractError | undefined {
    if (this.draining) {
      return new ServiceUnavailableError(messages.shuttingDown(), {
        retryAfter: this.retryAfter,
        headers: { connection: 'close' },
      });
    }
    if (this.maintenance) {
      return new ServiceUnavailableError(messages.maintenance(), { retryAfter: this.maintenance.retryAfter });
    }
    const busy = this.pressure?.cause;
    if (busy) {
      return new ServiceUnavailableError(messages.underPressure({ type: busy }), {
        retryAfter: this.retryAfter,
      });
    }
    return hostProblem(request) ?? transferCodingProblem(request);
  }

  /** Turns every request away with 503 until called again with `false`. */
  setMaintenance(on: boolean, retryAfter = 60): void {
    this.maintenance = on ? { retryAfter } : undefined;
  }
}
