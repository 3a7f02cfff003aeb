/** What a deadline list holds: its own links, so that adding and removing allocate nothing. */
export interface Due {
  /** When it falls due (`performance.now()`), 0 when it is not listed. */
  dueAt: number;
  previousDue: Due | undefined;
  nextDue: Due | undefined;
}

/**
 * Deadlines all `ms` long, for the requests in flight: listed in the order they were set, which
 * is the order they fall due, under one timer for the first. A `setTimeout` for each request made
 * a timer object and an entry in Node's timer list per request, nearly all cleared unused.
 *
 * The timer does not keep the process alive: what is waited for (a socket) does.
 */
export class Deadlines<Item extends Due> {
  readonly #ms: number;
  readonly #expire: (item: Item) => void;
  #first: Item | undefined;
  #last: Item | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number, expire: (item: Item) => void) {
    this.#ms = ms;
    this.#expire = expire;
  }

  /** Sets the item's deadline, `ms` from now. */
  add(item: Item): void {
    item.dueAt = performance.now() + this.#ms;
    item.previousDue = this.#last;
    item.nextDue = undefined;
    if (this.#last) this.#last.nextDue = item;
    else this.#first = item;
    this.#last = item;
    if (this.#timer === undefined) this.#arm(this.#ms);
  }

  /** Clears the item's deadline; nothing if it has none. */
  remove(item: Item): void {
    if (item.dueAt === 0) return;
    item.dueAt = 0;
    const { previousDue, nextDue } = item;
    if (previousDue) previousDue.nextDue = nextDue;
    else this.#first = nextDue as Item | undefined;
    if (nextDue) nextDue.previousDue = previousDue;
    else this.#last = previousDue as Item | undefined;
    item.previousDue = undefined;
    item.nextDue = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(Deadlines.#fire, ms, this);
    this.#timer.unref();
  }

  /** Expires every item due, and waits for the next one. */
  static #fire<Item extends Due>(list: Deadlines<Item>): void {
    list.#timer = undefined;
    const now = performance.now();
    for (let first = list.#first; first !== undefined && first.dueAt <= now; first = list.#first) {
      list.remove(first);
      list.#expire(first);
    }
    // Node's timers count whole milliseconds of the loop's clock: at least one more.
    if (list.#first) list.#arm(Math.max(1, Math.ceil(list.#first.dueAt - now)));
  }
}
