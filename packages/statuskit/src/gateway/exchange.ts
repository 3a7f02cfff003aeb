import { Readable } from 'node:stream';
import { type Dispatcher, util } from 'undici';
import { clientReplyHeaders, type Headers, relayedHeaders } from './headers.js';

/** What the relay wants of an upstream's body, once it has seen the status and headers. */
export type BodyPlan =
  /** Read it whole, up to `limit` bytes (more: the reply's `body` is `undefined`, the request aborted). */
  | { read: 'whole'; limit: number }
  /** Hand it on as a stream, as it comes. */
  | { read: 'stream' }
  /** Nothing: the answer is not used (a 503 that sends the request on to another upstream). */
  | { read: 'none' };

/** An upstream's answer: its body read whole (`undefined`: over the limit), as a stream, or left. */
export interface UpstreamReply {
  status: number;
  /** Its fields as the client gets them: end-to-end, without the upstream's request ids. */
  headers: Record<string, string | string[]>;
  /** The fields it is judged by: all it sent (`headers` itself unless its `Connection` named fields to drop). */
  fields: Headers;
  body: Buffer | Readable | undefined;
  /** What was done with the body, as the plan said. */
  read: BodyPlan['read'];
}

/**
 * Who an exchange answers to: it decides what to read of the answer once its status and fields
 * are in, and hears how the exchange ended, once.
 */
export interface ExchangeOwner {
  plan(status: number, fields: Headers): BodyPlan;
  replied(exchange: Exchange, reply: UpstreamReply): void;
  failed(exchange: Exchange, error: unknown): void;
}

/**
 * A stream of an upstream body that asks undici for more as it is read (backpressure), and
 * cancels the upstream request when it is destroyed before its end (the client went away).
 */
class UpstreamBody extends Readable {
  constructor(readonly exchange: Exchange) {
    super();
  }
  resumeUpstream: (() => void) | undefined;
  override _read(): void {
    this.resumeUpstream?.();
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.readableEnded)
      this.exchange.abort(error ?? new Error('the upstream body was not read to its end'));
    callback(error);
  }
}

/**
 * One request to one upstream through undici's `dispatch`, the layer below `request()`: no
 * promise, no body stream unless one is wanted, no AbortSignal. A small answer is collected
 * into one buffer; a large one streams. `abort` cancels the request (a deadline, a client that
 * left) with the reason given, and the owner hears of it as the exchange's failure.
 */
export class Exchange implements Dispatcher.DispatchHandler {
  readonly #owner: ExchangeOwner;
  #abort: ((reason: Error) => void) | undefined;
  #aborted: Error | undefined;
  #settled = false;
  /** The whole answer is in: nothing left to cancel. */
  #complete = false;
  #reply: UpstreamReply | undefined;
  #chunks: Buffer[] | undefined;
  #size = 0;
  #limit = 0;
  #stream: UpstreamBody | undefined;

  constructor(owner: ExchangeOwner) {
    this.#owner = owner;
  }

  /**
   * Sends the request. Apart from the constructor so that the owner holds the exchange first:
   * undici may call back before `dispatch` returns.
   */
  start(dispatcher: Dispatcher, request: Dispatcher.DispatchOptions): void {
    dispatcher.dispatch(request, this);
  }

  /** Cancels the request; the owner hears of `reason` as its failure unless the answer is already in. */
  abort(reason: Error): void {
    if (this.#aborted || this.#complete) return;
    this.#aborted = reason;
    if (this.#abort) this.#abort(reason);
    else this.#fail(reason);
  }

  /** Whether the status and headers are in: a failure now is the body's. */
  get answered(): boolean {
    return this.#reply !== undefined;
  }

  #settle(reply: UpstreamReply): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#owner.replied(this, reply);
  }

  #fail(error: unknown): void {
    if (this.#stream) this.#stream.destroy(error as Error);
    if (this.#settled) return;
    this.#settled = true;
    this.#owner.failed(this, error);
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.#aborted) abort(this.#aborted);
    else this.#abort = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx answers (100 Continue, 103 Early Hints) are not the answer: undici goes on reading.
    if (status < 200) return true;
    let headers = relayedHeaders(rawHeaders);
    let fields: Headers;
    if (headers) fields = headers;
    else {
      fields = util.parseHeaders(rawHeaders) as Headers;
      headers = clientReplyHeaders(fields);
    }
    const plan = this.#owner.plan(status, fields);
    const reply: UpstreamReply = { status, headers, fields, body: undefined, read: plan.read };
    this.#reply = reply;
    if (plan.read === 'whole') {
      this.#chunks = [];
      this.#limit = plan.limit;
      return true;
    }
    if (plan.read === 'stream') {
      const stream = new UpstreamBody(this);
      stream.resumeUpstream = resume;
      this.#stream = stream;
      reply.body = stream;
    }
    this.#settle(reply);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#stream) return this.#stream.push(chunk);
    const chunks = this.#chunks;
    if (chunks === undefined) return true;
    this.#size += chunk.length;
    if (this.#size > this.#limit) {
      // Past the limit the rest is not wanted: the answer goes on without it.
      this.#chunks = undefined;
      this.#settle(this.#reply as UpstreamReply);
      this.#abort?.(new Error('upstream body over the limit read'));
      return false;
    }
    chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.#complete = true;
    if (this.#stream) {
      this.#stream.push(null);
      return;
    }
    const reply = this.#reply;
    const chunks = this.#chunks;
    if (reply && chunks) {
      reply.body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#size);
      this.#settle(reply);
    }
  }

  onError(error: Error): void {
    this.#fail(this.#aborted ?? error);
  }
}
