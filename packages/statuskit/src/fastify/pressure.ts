import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** The histogram's resolution in ms: a sample late by less than that is no delay. */
const resolution = 10;

export type PressureKind = 'eventLoopDelay' | 'heapUsedBytes';

/**
 * Event-loop delay and heap use, sampled every `interval` ms, for the 503 of an overloaded
 * server. Neither reading opens a file. (`@fastify/under-pressure`, used before, calls
 * `process.memoryUsage()` at every sample; its RSS reading opens `/proc/self/stat`, and a process
 * out of descriptors died of the EMFILE it threw inside a timer.)
 */
export class Pressure {
  readonly #maxDelay: number;
  readonly #maxHeap: number;
  readonly #histogram: IntervalHistogram;
  readonly #timer: NodeJS.Timeout;
  readonly #interval: number;
  #sampled = performance.now();
  #delay = 0;
  #heap = 0;
  /** What was over its limit at the last sample, if anything: read by every request, so decided once per sample. */
  cause: PressureKind | undefined;

  constructor(options: { maxEventLoopDelay: number; maxHeapUsedBytes: number; interval?: number }) {
    this.#maxDelay = options.maxEventLoopDelay;
    this.#maxHeap = options.maxHeapUsedBytes;
    this.#histogram = monitorEventLoopDelay({ resolution });
    this.#histogram.enable();
    this.#interval = options.interval ?? 1_000;
    this.#timer = setInterval(() => this.#sample(), this.#interval).unref();
  }

  #sample(): void {
    const now = performance.now();
    const late = now - this.#sampled - this.#interval;
    this.#sampled = now;
    if (this.#histogram.count > 0) {
      this.#delay = Math.max(0, this.#histogram.mean / 1e6 - resolution);
      this.#histogram.reset();
    } else {
      // No sample at all: the loop was held the whole interval, and this timer is as late as it was.
      this.#delay = Math.max(0, late);
    }
    if (this.#maxHeap > 0) this.#heap = getHeapStatistics().used_heap_size;
    this.cause =
      this.#maxDelay > 0 && this.#delay > this.#maxDelay
        ? 'eventLoopDelay'
        : this.#maxHeap > 0 && this.#heap > this.#maxHeap
          ? 'heapUsedBytes'
          : undefined;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }
}
