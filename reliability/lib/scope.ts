/**
 * What a scenario owns (processes, temp dirs, databases), released in reverse order when the
 * scenario ends, whether it passed, failed or ran out of time.
 */
export class Scope {
  readonly #cleanups: (() => unknown)[] = [];
  #closed = false;

  /** Registers a cleanup; it runs once, at `close()`, after those registered later. */
  defer(cleanup: () => unknown): void {
    if (this.#closed) {
      void Promise.resolve()
        .then(cleanup)
        .catch(() => {});
      return;
    }
    this.#cleanups.push(cleanup);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs every cleanup, newest first; a failing cleanup does not stop the others. */
  async close(): Promise<string[]> {
    this.#closed = true;
    const problems: string[] = [];
    for (const cleanup of this.#cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    return problems;
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with `message` when `promise` has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
