/**
 * The child processes of the bench's gateway part: each started with its own command line, waited
 * for until it says it is ready, and stopped by its PID (SIGTERM, then SIGKILL after a grace
 * period), on success and on failure alike.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface Started {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The match of `ready` in the output; empty when nothing was awaited. */
  match: RegExpExecArray | [];
  /** All the output so far (stdout and stderr, the last 64 KiB). */
  output(): string;
}

export interface StartOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** A line of stdout or stderr that says the process is ready; none: ready once spawned. */
  ready?: RegExp;
  timeoutMs?: number;
}

const keep = 64 * 1024;

export class Processes {
  readonly #running = new Set<ChildProcess>();

  /** Starts `command` (argv, the first item the program) and resolves once it is ready. */
  start(name: string, command: readonly string[], options: StartOptions): Promise<Started> {
    const child = spawn(command[0] as string, command.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#running.add(child);
    child.once('exit', () => this.#running.delete(child));
    let output = '';
    const append = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-keep);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (error: Error | undefined, match: RegExpExecArray | [] = []) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.stdout?.off('data', check);
        child.stderr?.off('data', check);
        child.off('exit', exited);
        if (error) {
          void this.stop(child);
          reject(new Error(`${name}: ${error.message}\n${output}`));
          return;
        }
        resolve({ name, child, pid: child.pid as number, match, output: () => output });
      };
      const check = () => {
        const match = options.ready?.exec(output);
        if (match) done(undefined, match);
      };
      const exited = (code: number | null, signal: NodeJS.Signals | null) =>
        done(new Error(`exited (${signal ?? code}) before it was ready`));
      const timer = setTimeout(
        () => done(new Error(`not ready within ${(options.timeoutMs ?? 30_000) / 1000} s`)),
        options.timeoutMs ?? 30_000,
      );
      child.once('error', (error) => done(error));
      child.on('exit', exited);
      if (!options.ready) {
        child.once('spawn', () => done(undefined));
        return;
      }
      child.stdout?.on('data', check);
      child.stderr?.on('data', check);
    });
  }

  /** SIGTERM to the child's PID; SIGKILL when it has not exited after `graceMs`. */
  stop(child: ChildProcess, graceMs = 5_000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
      return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
      }, graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  /** Stops every child still running. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#running].map((child) => this.stop(child)));
  }

  /** SIGKILL to every child still running, synchronously: for `process.on('exit')`. */
  killAllNow(): void {
    for (const child of this.#running) child.kill('SIGKILL');
  }
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `url` answers HTTP at all; rejects when `child` exits first or after `timeoutMs`. */
export async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`exited (${child.signalCode ?? child.exitCode}) before ${url} answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
