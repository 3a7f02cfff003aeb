import type { Scope } from './scope.js';

export interface Context {
  /** The reduced form for CI: fewer requests, shorter durations. */
  short: boolean;
  /** Processes, temp dirs and databases of this scenario, released when it ends. */
  scope: Scope;
  /** Aborted when the scenario runs out of time: loops should stop. */
  signal: AbortSignal;
  /** A progress line on stderr (with --verbose). */
  log(message: string): void;
}

export interface Outcome {
  /** The figures of the run, in order, printed as `key=value`. */
  figures: [string, string | number][];
  /** What went against the requirement; empty when the scenario passed. */
  failures: string[];
}

export interface Scenario {
  name: string;
  /** Hard time limits in milliseconds: the scenario fails and is cleaned up when it runs over. */
  budget: { full: number; short: number };
  run(context: Context): Promise<Outcome>;
}

/** Collects figures and failures as a scenario goes. */
export class Report {
  readonly figures: [string, string | number][] = [];
  readonly failures: string[] = [];

  figure(name: string, value: string | number): void {
    this.figures.push([name, value]);
  }

  /** Records `message` as a failure unless `ok`; returns `ok`. */
  check(ok: boolean, message: string): boolean {
    if (!ok) this.failures.push(message);
    return ok;
  }

  outcome(): Outcome {
    return { figures: this.figures, failures: this.failures };
  }
}

export const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)}ms` : 'n/a');
export const pct = (part: number, whole: number) =>
  whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : 'n/a';
export const mib = (kb: number) => `${(kb / 1024).toFixed(0)}MiB`;
