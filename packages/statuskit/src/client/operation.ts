import { type JobReport, OperationFailedError } from './errors.js';
import { type PollOptions, pollDefaults, pollDelay } from './retry.js';
import { sleep } from './sleep.js';

export interface WaitOptions {
  /** Cancels the wait, the look in flight and the pause between looks alike. */
  signal?: AbortSignal;
  /** The pauses between looks (default 250 ms, doubling, at most 5 s). */
  poll?: Partial<PollOptions>;
  /** Called with each report of a job still running. */
  onProgress?: (job: JobReport) => void;
}

/** How an operation reads its job: a GET through the client (with its auth and retries). */
export type ReadJob = (url: string, options: { signal?: AbortSignal; requestId: string }) => Promise<unknown>;

/**
 * A 202: work the server accepted and runs on. `wait()` follows its job resource (the answer's
 * `Location`) until the job ends.
 */
export class Operation<R = unknown> {
  /** The job's id, from the 202 body. */
  readonly jobId: string | undefined;
  /** The job resource, absolute. */
  readonly location: string;
  /** The id of the request that started the operation; the looks at the job carry it too. */
  readonly requestId: string;
  readonly #read: ReadJob;

  constructor(init: { jobId: string | undefined; location: string; requestId: string; read: ReadJob }) {
    this.jobId = init.jobId;
    this.location = init.location;
    this.requestId = init.requestId;
    this.#read = init.read;
  }

  /**
   * Looks at the job until it ends, pausing longer each time: resolves with its result on
   * SUCCESS, rejects with an `OperationFailedError` (the job's error code and message) on FAILED.
   * A look that fails throws the contract error of its answer.
   * @example const result = await reply.operation.wait({ signal: AbortSignal.timeout(60_000) });
   */
  async wait<T = R>({ signal, poll, onProgress }: WaitOptions = {}): Promise<T> {
    const pauses = { ...pollDefaults, ...poll };
    for (let look = 0; ; look++) {
      signal?.throwIfAborted();
      const job = jobOf(
        await this.#read(this.location, { ...(signal ? { signal } : {}), requestId: this.requestId }),
      );
      if (job.status === 'SUCCESS') return job.result as T;
      if (job.status === 'FAILED') throw new OperationFailedError(job, this.requestId);
      onProgress?.(job);
      await sleep(pollDelay(look, pauses), signal);
    }
  }
}

function jobOf(body: unknown): JobReport {
  const job =
    typeof body === 'object' && body !== null && 'job' in body ? (body as { job: unknown }).job : body;
  if (typeof job !== 'object' || job === null || typeof (job as JobReport).status !== 'string') {
    throw new TypeError(
      `the job resource answered with no job status: ${JSON.stringify(body)?.slice(0, 200)}`,
    );
  }
  return job as JobReport;
}
