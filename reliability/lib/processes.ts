/**
 * The real system as child processes: natgw (`node --conditions=source --import tsx natgw/src/main.ts`) and the
 * statuskit gateway (`node packages/statuskit/dist/cli/main.js gateway`), on free ports of 127.0.0.1, each stopped
 * by its own PID when the scenario's scope closes. Also fresh PostgreSQL databases and temp dirs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Scope, within } from './scope.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Every child started by this process, so that none outlives the runner. */
const started = new Set<ChildProcess>();

/** SIGKILLs, by PID, every child still running (the runner calls this on its way out). */
export function killAllStarted(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** A port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** `performance.now()` when the process exited. */
  at: number;
}

export interface Memory {
  /** Resident set size now, in KiB. */
  rssKb: number;
  /** The highest resident set size so far (VmHWM), in KiB. */
  peakKb: number;
}

export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly exited: Promise<Exit>;
  alive(): boolean;
  /** Sends a signal to this process only (by its PID). */
  signal(signal: NodeJS.Signals): void;
  /** The last 64 KiB of its stdout and stderr. */
  output(): string;
  /** From /proc/<pid>/status; undefined once it has exited. */
  memory(): Memory | undefined;
  /** CPU seconds used so far (user + system, from /proc/<pid>/stat); NaN once it has exited. */
  cpuSeconds(): number;
}

interface StartOptions {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  ready: RegExp;
  scope: Scope;
  /** A file-descriptor limit (soft and hard) for the process, set by prlimit(1). */
  nofile?: number | undefined;
}

async function start(options: StartOptions): Promise<Proc> {
  // prlimit sets the limit and then executes node in its place: the PID stays the child's.
  const [command, args] =
    options.nofile === undefined
      ? [process.execPath, options.args]
      : ['prlimit', [`--nofile=${options.nofile}:${options.nofile}`, process.execPath, ...options.args]];
  const child = spawn(command, args, {
    cwd: root,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  // The last 64 KiB of output, kept cheaply: an overloaded natgw may log a line per refused request.
  const lines: string[] = [];
  let kept = 0;
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal, at: performance.now() };
      started.delete(child);
      resolve(exit);
    });
  });
  const proc: Proc = {
    name: options.name,
    pid: child.pid ?? -1,
    port: options.port,
    url: `http://127.0.0.1:${options.port}`,
    exited,
    alive: () => exit === undefined,
    signal(signal) {
      if (exit === undefined) child.kill(signal);
    },
    output: () => lines.join('\n'),
    memory() {
      if (exit !== undefined) return undefined;
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
        return { rssKb: kb('VmRSS'), peakKb: kb('VmHWM') };
      } catch {
        return undefined;
      }
    },
    cpuSeconds() {
      try {
        // The fields after the command name (which may hold spaces): utime and stime are 12th and 13th.
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return Number.NaN;
      }
    },
  };
  options.scope.defer(async () => {
    if (proc.alive()) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const ready = new Promise<void>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        kept += line.length + 1;
        while (kept > 65_536 && lines.length > 1) kept -= (lines.shift() as string).length + 1;
        if (options.ready.test(line)) resolve();
      });
    }
    void exited.then((how) =>
      reject(
        new Error(
          `${options.name} exited (${how.signal ?? how.code}) before it was ready:\n${proc.output()}`,
        ),
      ),
    );
  });
  await within(ready, 30_000, `${options.name} was not ready within 30 s`);
  return proc;
}

export interface NatgwOptions {
  scope: Scope;
  name?: string;
  /** The port to listen on; a free one when left out (give the old one to restart in place). */
  port?: number;
  /** An SQLite file, or a PostgreSQL URL in `databaseUrl`. */
  sqliteFile?: string;
  databaseUrl?: string;
  /** More environment: NATGW_MAX_IN_FLIGHT, NATGW_PUBLIC_URL, LOG_LEVEL, … */
  env?: Record<string, string>;
  /** A file-descriptor limit for the process (RLIMIT_NOFILE). */
  nofile?: number;
}

/** natgw as `npm run natgw` runs it, with no provisioning delay unless `env` says otherwise. */
export async function startNatgw(options: NatgwOptions): Promise<Proc> {
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    NATGW_PROVISIONING_DELAY_MS: '0',
    LOG_LEVEL: process.env.RELIABILITY_LOG_LEVEL ?? 'warn',
    // As `npm start` runs it: the gateway's X-Forwarded-For names the client (127.0.0.2, …).
    NATGW_TRUST_PROXY: '127.0.0.1',
    ...options.env,
  };
  delete env.DATABASE_URL;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  if (options.sqliteFile) env.NATGW_SQLITE_FILE = options.sqliteFile;
  return start({
    name: options.name ?? 'natgw',
    args: ['--conditions=source', '--import', 'tsx', 'natgw/src/main.ts'],
    env,
    port,
    ready: /^natgw: NAT Gateway API/,
    scope: options.scope,
    nofile: options.nofile,
  });
}

export interface GatewayProcOptions {
  scope: Scope;
  upstreams: string[];
  port?: number;
  /** A config file's keys (clientTimeouts, health, maxInFlight, …), written to a temp file. */
  config?: Record<string, unknown>;
  dir: string;
  /** A file-descriptor limit for the process (RLIMIT_NOFILE). */
  nofile?: number;
}

/** The statuskit gateway from the built CLI (`npm run build` first). */
export async function startGateway(options: GatewayProcOptions): Promise<Proc> {
  const cli = join(root, 'packages/statuskit/dist/cli/main.js');
  if (!existsSync(cli))
    throw new Error('packages/statuskit/dist/cli/main.js is missing: run npm run build first');
  const port = options.port ?? (await freePort());
  const args = [cli, 'gateway', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  for (const upstream of options.upstreams) args.push('--upstream', upstream);
  if (options.config) {
    const file = join(options.dir, `gateway-${port}.json`);
    writeFileSync(file, JSON.stringify(options.config));
    args.push('--config', file);
  }
  return start({
    name: 'gateway',
    args,
    env: { ...process.env },
    port,
    ready: /statuskit gateway listening/,
    scope: options.scope,
    nofile: options.nofile,
  });
}

/** A temp dir, removed when the scope closes. */
export function tempDir(scope: Scope, prefix = 'reliability-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scope.defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The PostgreSQL server the scenarios make their databases on. */
export const adminDatabaseUrl =
  process.env.RELIABILITY_DATABASE_URL ??
  process.env.NATGW_TEST_DATABASE_URL ??
  'postgres://postgres:postgres@127.0.0.1:5432/postgres';

/** A fresh PostgreSQL database, dropped (with force) when the scope closes. */
export async function freshDatabase(scope: Scope): Promise<string> {
  const name = `reliability_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  scope.defer(async () => {
    const dropper = new pg.Client({ connectionString: adminDatabaseUrl, connectionTimeoutMillis: 5_000 });
    await dropper.connect();
    try {
      await dropper.query(`drop database if exists ${name} with (force)`);
    } finally {
      await dropper.end();
    }
  });
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
