import { randomUUID } from 'node:crypto';
import { messageIn } from '../errors/index.js';
import { isContractError, type Language, type Messages } from '../index.js';
import { messages as texts } from '../texts/index.js';

export type JobStatus = 'RUNNING' | 'SUCCESS' | 'FAILED';

/** A 202 operation as its job resource reports it. */
export interface Job {
  job_id: string;
  status: JobStatus;
  /** 0 to 100. */
  progress: number;
  result?: unknown;
  /** Why it failed; `messages` holds the message in each language it is written in. */
  error?: { code: string; message: string; messages?: Messages };
  created_at: string;
  updated_at: string;
}

/** Where jobs are kept; the default keeps the latest ones in memory. */
export interface JobStore {
  save(job: Job): void | Promise<void>;
  get(id: string): Job | undefined | Promise<Job | undefined>;
}

/** Keeps the most recent `limit` jobs in memory, dropping the oldest. */
export class MemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, Job>();
  constructor(readonly limit = 10_000) {}

  save(job: Job): void {
    this.#jobs.delete(job.job_id);
    this.#jobs.set(job.job_id, job);
    if (this.#jobs.size > this.limit) this.#jobs.delete(this.#jobs.keys().next().value as string);
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }
}

/** What the work of a 202 sees: a way to report progress. */
export interface JobHandle {
  readonly id: string;
  progress(percent: number): Promise<void>;
}

/**
 * Records a job, runs `work` after the answer, and keeps the job's status up to date: RUNNING
 * with progress, then SUCCESS with the result or FAILED with the error's code and message (a
 * 5xx's message is not shown, as in any error body).
 */
export async function startJob(
  store: JobStore,
  work: (job: JobHandle) => Promise<unknown>,
  onCrash: (error: unknown) => void,
): Promise<Job> {
  const now = new Date().toISOString();
  const job: Job = { job_id: randomUUID(), status: 'RUNNING', progress: 0, created_at: now, updated_at: now };
  await store.save(job);
  const update = (fields: Partial<Job>) =>
    store.save({ ...job, ...fields, updated_at: new Date().toISOString() });
  const handle: JobHandle = {
    id: job.job_id,
    progress: async (percent) => {
      job.progress = Math.max(0, Math.min(100, Math.round(percent)));
      await update({});
    },
  };
  setImmediate(async () => {
    try {
      const result = await work(handle);
      await update({ status: 'SUCCESS', progress: 100, ...(result === undefined ? {} : { result }) });
    } catch (error) {
      if (!isContractError(error) || !error.expose) onCrash(error);
      const shown = isContractError(error) && error.expose;
      const failed = shown
        ? {
            code: error.code,
            message: error.message,
            ...(error.messages ? { messages: error.messages } : {}),
          }
        : { code: 'SK.0500', message: texts.operationFailed().en ?? '', messages: texts.operationFailed() };
      await Promise.resolve(update({ status: 'FAILED', error: failed })).catch(onCrash);
    }
  });
  return job;
}

/**
 * The job as its resource shows it to a caller in `lang`: a failure's message in that language
 * where it is written, else in English; `lang` is the language it is in (undefined: no message).
 */
export function jobIn(job: Job, lang: Language): { job: Job; lang?: Language } {
  if (!job.error) return { job };
  const { messages, ...error } = job.error;
  const told = messages ? messageIn(messages, lang) : undefined;
  return {
    job: { ...job, error: { ...error, message: told?.text ?? error.message } },
    lang: told?.lang ?? 'en',
  };
}
