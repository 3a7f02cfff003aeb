/**
 * The load generators of the bench: autocannon in this process, or wrk as a child process (about
 * three times cheaper per request, so less likely to be the bottleneck). Both count every
 * answer's status and give the p99 latency in fractions of a millisecond.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';

export interface LoadRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  /** Milliseconds. */
  p99: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
}

export type Loader = (request: LoadRequest, seconds: number, connections: number) => Promise<LoadResult>;

type Autocannon = (
  options: autocannon.Options & { sampleInt?: number },
  done: (
    error: unknown,
    result: autocannon.Result & { statusCodeStats?: Record<string, { count: number }> },
  ) => void,
) => EventEmitter;

export const autocannonLoader: Loader = (request, seconds, connections) =>
  new Promise((resolve, reject) => {
    const times: number[] = [];
    const instance = (autocannon as unknown as Autocannon)(
      {
        url: request.url,
        method: request.method as 'GET',
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        connections,
        pipelining: 1,
        duration: seconds,
        // The run stops at the first sample tick after `duration`: tick often, so it stops on time.
        sampleInt: 100,
        timeout: 10,
      },
      (error, result) => {
        if (error) return reject(error);
        const statuses: Record<string, number> = {};
        for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
          statuses[code] = stat?.count ?? 0;
        const sorted = Float64Array.from(times).sort();
        resolve({
          requests: times.length,
          seconds: result.duration,
          p99: sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN,
          statuses,
          errors: result.errors + result.timeouts + result.mismatches,
        });
      },
    );
    // autocannon 9 emits (client, status, bytes, milliseconds); its own histogram keeps whole ms only.
    instance.on('response', (_client: unknown, _status: number, _bytes: number, time: number) => {
      times.push(time);
    });
  });

export function hasWrk(): boolean {
  const probe = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  return !probe.error;
}

const long = (text: string) => `[==[${text}]==]`;

function wrkScript(request: LoadRequest): string {
  return [
    `wrk.method = ${long(request.method)}`,
    ...(request.body === undefined ? [] : [`wrk.body = ${long(request.body)}`]),
    ...Object.entries(request.headers).map(
      ([name, value]) => `wrk.headers[ ${long(name)} ] = ${long(value)}`,
    ),
    'local threads = {}',
    'function setup(thread) table.insert(threads, thread) end',
    'function init(args) statuses = {} end',
    'function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end',
    'function done(summary, latency, requests)',
    '  local total, parts, e = {}, {}, summary.errors',
    '  for _, t in ipairs(threads) do',
    '    for code, n in pairs(t:get("statuses")) do total[code] = (total[code] or 0) + n end',
    '  end',
    '  for code, n in pairs(total) do table.insert(parts, string.format(\'"%d":%d\', code, n)) end',
    '  io.write(string.format(\'BENCH {"requests":%d,"us":%d,"p99":%d,"errors":%d,"statuses":{%s}}\\n\',',
    '    summary.requests, summary.duration, latency:percentile(99),',
    '    e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))',
    'end',
    '',
  ].join('\n');
}

/** wrk with one thread; `seconds` is rounded to whole seconds (wrk's unit), at least 1. */
export function wrkLoader(scratch: string): Loader {
  let count = 0;
  return (request, seconds, connections) =>
    new Promise((resolve, reject) => {
      const script = join(scratch, `load-${count++}.lua`);
      writeFileSync(script, wrkScript(request));
      const duration = `${Math.max(1, Math.round(seconds))}s`;
      const args = [
        '-t1',
        `-c${connections}`,
        `-d${duration}`,
        '--timeout',
        '10s',
        '-s',
        script,
        request.url,
      ];
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => {
        const line = /^BENCH (.*)$/m.exec(output)?.[1];
        if (code !== 0 || !line) return reject(new Error(`wrk failed (${code}): ${output}`));
        const parsed = JSON.parse(line) as LoadResult & { us: number };
        resolve({
          requests: parsed.requests,
          seconds: parsed.us / 1e6,
          p99: parsed.p99 / 1000,
          statuses: parsed.statuses,
          errors: parsed.errors,
        });
      });
    });
}

const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/**
 * CPU seconds (user + system, all threads) a process has used, from /proc; for `self`, with the
 * children it has waited for (wrk). Undefined where there is no /proc.
 */
export function cpuSeconds(pid: number | 'self' | undefined): number | undefined {
  const times = cpuTimes(pid);
  return times && times.user + times.system;
}

/** `cpuSeconds`, split into user and system (kernel) time. */
export function cpuTimes(pid: number | 'self' | undefined): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const children = pid === 'self';
    return {
      user: (Number(fields[11]) + (children ? Number(fields[13]) : 0)) / ticksPerSecond,
      system: (Number(fields[12]) + (children ? Number(fields[14]) : 0)) / ticksPerSecond,
    };
  } catch {
    return undefined;
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export const round2 = (value: number) => Math.round(value * 100) / 100;

/** The median to two decimals; null when there is none, or when a round lacks the figure (no /proc). */
export function medianOrNull(values: readonly (number | null)[]): number | null {
  return values.length === 0 || values.includes(null) ? null : round2(median(values as number[]));
}
