/**
 * The bytes of request bodies the gateway holds at once. A body is held whole until an upstream
 * has taken it (so that the request can go to another upstream when the first one fails), and
 * without a bound a thousand clients each sending the largest body took a gigabyte. A request
 * takes its declared `Content-Length` (a chunked one, whose length is unknown, the body limit)
 * before its body is read, and gives it back when its answer is done; one that does not fit
 * gets 503.
 */
export class BodyBudget {
  #left: number;

  constructor(readonly size: number) {
    this.#left = size;
  }

  /** Takes `bytes` if they fit; false when they do not. */
  take(bytes: number): boolean {
    if (bytes > this.#left) return false;
    this.#left -= bytes;
    return true;
  }

  give(bytes: number): void {
    this.#left += bytes;
  }

  /** Bytes taken now. */
  get held(): number {
    return this.size - this.#left;
  }
}
