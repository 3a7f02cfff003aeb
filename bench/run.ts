/**
 * `npm run bench`: the same five routes on bare Fastify, Fastify + statuskit, Express 5 and raw
 * node:http, on 127.0.0.1. Each server is a child process pinned to core 1, the load generator
 * (this process, or wrk) to core 0. Every (server, route) cell is measured once per round; rounds
 * interleave the servers route by route, in a rotating order; the figures are the medians. Then
 * the pairs the targets compare run two at a time, both servers on core 1 at once (paired.ts).
 *
 * Then the gateway part (gateway.ts): natgw's GET direct, through the statuskit gateway and through
 * nginx, and a CPU profile of the gateway under load.
 *
 * Options: --duration S (per cell, default 2), --warmup S (once per cell before the first round,
 * default 1; 0: none), --rounds N (alone and paired, default 5), --connections N (default 50), --loader
 * auto|autocannon|wrk (auto: wrk where installed, else autocannon), --only servers|gateway (one
 * part), --profile (profile the gateway, and the servers on GET, in a --quick run too, for 2 s; a
 * full run always does, the servers on every route,
 * for twice --duration and at least 5 s),
 * --cpuprofile FILE (keep the raw profile), --quick (1 round of 1 s, no warm-up, no profile),
 * --json (one JSON object on stdout; progress goes to stderr).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type GatewayReport, gatewayBench, gatewayText, type Pinning } from './gateway.js';
import {
  autocannonLoader,
  cpuSeconds,
  hasWrk,
  type Loader,
  type LoadResult,
  median,
  medianOrNull,
  round2,
  wrkLoader,
} from './load.js';
import { type PairRound, pairedRounds } from './paired.js';
import { profileServers, type ServerProfile, serverProfileText } from './server-profile.js';

const servers = ['fastify-bare', 'fastify-statuskit', 'express', 'node-http'] as const;
type ServerName = (typeof servers)[number];

interface Route {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  token: boolean;
  body?: string;
  /** The status every answer must have, unless `expectBy` names another for a server. */
  expect: number;
  expectBy?: Partial<Record<ServerName, number>>;
}

const routes: readonly Route[] = [
  { name: 'get-200', method: 'GET', path: '/items/1', token: true, expect: 200 },
  {
    name: 'post-201',
    method: 'POST',
    path: '/items',
    token: true,
    body: JSON.stringify({ item: { name: 'bench' } }),
    expect: 201,
  },
  { name: 'not-found-404', method: 'GET', path: '/nothing/here', token: true, expect: 404 },
  // POST is served (at /items) but not at /items/1. Bare Fastify answers 404 there: it has no 405.
  // (A method the server does not recognise, such as PROPFIND, is 501 in statuskit.)
  {
    name: 'wrong-method-405',
    method: 'POST',
    path: '/items/1',
    token: true,
    expect: 405,
    expectBy: { 'fastify-bare': 404 },
  },
  { name: 'no-token-401', method: 'GET', path: '/items/1', token: false, expect: 401 },
];

function expectedStatus(server: ServerName, route: Route): number {
  return route.expectBy?.[server] ?? route.expect;
}

interface Sample {
  rps: number;
  /** Milliseconds. */
  p99: number;
  /** The server's CPU time (all its threads) per answer, in µs; null without /proc. */
  cpuUs: number | null;
  /** Cores busy during the run: the server's, and the load generator's. */
  serverBusy: number | null;
  loaderBusy: number | null;
  requests: number;
  statuses: Record<string, number>;
  errors: number;
  valid: boolean;
}

interface Cell {
  expected: number;
  /** Every round answered with the expected status only, without connection errors. */
  valid: boolean;
  /** Medians over the rounds. */
  rps: number;
  p99: number;
  cpuUs: number | null;
  /** rps / fastify-bare's rps on the same route. */
  ratio: number;
  rounds: Sample[];
  /** Runs measured again because they were invalid: kept here, out of the medians. */
  retried: Sample[];
}

interface Target {
  name: string;
  value: number;
  /** The value must be at least `min`, or at most `max`. */
  min?: number;
  max?: number;
  verdict: 'PASS' | 'MISS' | 'INVALID';
  /** The CPU per answer of the two cells compared, printed beside the ratio. */
  detail: string;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

function options() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      loader: { type: 'string', default: 'auto' },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      cpuprofile: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const number = (value: string | undefined, fallback: number, min = 1e-9) => {
    const parsed = value === undefined ? fallback : Number(value);
    if (!(parsed >= min)) throw new RangeError(`not a number >= ${min}: ${value}`);
    return parsed;
  };
  if (!['auto', 'autocannon', 'wrk'].includes(values.loader))
    throw new RangeError(`--loader is auto, autocannon or wrk, not ${values.loader}`);
  if (values.only !== undefined && !['servers', 'gateway'].includes(values.only))
    throw new RangeError(`--only is servers or gateway, not ${values.only}`);
  return {
    duration: number(values.duration, values.quick ? 1 : 2),
    warmup: number(values.warmup, values.quick ? 0 : 1, 0),
    rounds: Math.round(number(values.rounds, values.quick ? 1 : 5, 1)),
    connections: Math.round(number(values.connections, 50, 1)),
    loader: values.loader as 'auto' | 'autocannon' | 'wrk',
    servers: values.only !== 'gateway',
    gateway: values.only !== 'servers',
    profile: values.profile || values.cpuprofile !== undefined || !values.quick,
    cpuprofile: values.cpuprofile,
    profileSeconds: values.quick ? 2 : Math.max(5, 2 * number(values.duration, 2)),
    // A paired round shares core 1 between two servers: twice the time gives each the answers of a run alone.
    pairSeconds: values.quick ? 1 : 2 * number(values.duration, 2),
    json: values.json,
    quick: values.quick,
  };
}

/**
 * Pins this process (the load) to core 0 and says how to pin servers to core 1, where possible;
 * for the gateway part, natgw goes to core 1 and the proxies to core 0, with the load.
 */
function pinning(): { server: string[]; note: string; gateway: Pinning } {
  const none = (note: string) => ({
    server: [],
    note,
    gateway: { natgw: [], proxy: [], note, moveLoad: () => {} },
  });
  if (process.platform !== 'linux') return none('no pinning (not Linux)');
  if (os.availableParallelism() < 2) return none('no pinning (one core)');
  const pinned = spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  if (pinned.error || pinned.status !== 0) return none('no pinning (taskset missing or refused)');
  return {
    server: ['taskset', '-c', '1'],
    note: 'load on core 0, servers on core 1 (taskset)',
    gateway: {
      natgw: ['taskset', '-c', '1'],
      proxy: ['taskset', '-c', '0'],
      note: 'load and proxy on core 0, natgw on core 1 (taskset)',
      moveLoad: (core: 0 | 1) => {
        spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
      },
    },
  };
}

interface Running {
  name: ServerName;
  url: string;
  child: ChildProcess;
}

function start(name: ServerName, prefix: readonly string[], nodeFlags: string[] = []): Promise<Running> {
  const file = fileURLToPath(new URL(`./servers/${name}.ts`, import.meta.url));
  const command = [...prefix, process.execPath, ...nodeFlags, '--import', 'tsx', file, '0'];
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`${name}: ${error.message}\n${output}`));
    };
    const timer = setTimeout(() => fail(new Error('did not start within 30 s')), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        resolve({ name, url, child });
      }
    });
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`exited with ${code}`)));
  });
}

/** One run of `seconds` against a route, with the CPU both sides used. */
async function measure(
  loader: Loader,
  server: Running,
  route: Route,
  seconds: number,
  connections: number,
): Promise<Sample> {
  return (await measureAtOnce(loader, [{ server, route }], seconds, connections))[0] as Sample;
}

/**
 * Runs of `seconds` against several servers at the same time, one load generator each, with the
 * CPU each server used: the paired rounds, where two servers share core 1 and whatever else the
 * machine does slows both alike. The load's CPU is of all the generators together.
 */
async function measureAtOnce(
  loader: Loader,
  cells: readonly { server: Running; route: Route }[],
  seconds: number,
  connections: number,
): Promise<Sample[]> {
  const serverBefore = cells.map(({ server }) => cpuSeconds(server.child.pid));
  const loaderBefore = cpuSeconds('self');
  const results = await Promise.all(
    cells.map(({ server, route }) => {
      const headers: Record<string, string> = {};
      if (route.token) headers['x-auth-token'] = 'secret';
      if (route.body !== undefined) headers['content-type'] = 'application/json';
      return loader(
        {
          url: server.url + route.path,
          method: route.method,
          headers,
          ...(route.body === undefined ? {} : { body: route.body }),
        },
        seconds,
        connections,
      );
    }),
  );
  const loaderAfter = cpuSeconds('self');
  const loaderCpu =
    loaderBefore === undefined || loaderAfter === undefined ? undefined : loaderAfter - loaderBefore;
  return cells.map(({ server, route }, index) => {
    const result = results[index] as LoadResult;
    const before = serverBefore[index];
    const after = cpuSeconds(server.child.pid);
    const serverCpu = before === undefined || after === undefined ? undefined : after - before;
    const codes = Object.keys(result.statuses);
    return {
      rps: result.requests / result.seconds,
      p99: Math.round(result.p99 * 1000) / 1000,
      cpuUs:
        serverCpu === undefined || result.requests === 0
          ? null
          : Math.round((serverCpu * 1e7) / result.requests) / 10,
      serverBusy: serverCpu === undefined ? null : round2(serverCpu / result.seconds),
      loaderBusy: loaderCpu === undefined ? null : round2(loaderCpu / result.seconds),
      requests: result.requests,
      statuses: result.statuses,
      errors: result.errors,
      valid:
        result.errors === 0 &&
        result.requests > 0 &&
        codes.length === 1 &&
        codes[0] === String(expectedStatus(server.name, route)),
    };
  });
}

/** Two cells measured at the same time, and the least the first's req/s may be over the second's. */
interface Pair {
  name: string;
  a: { server: ServerName; route: string };
  b: { server: ServerName; route: string };
  min: number;
}

const statuskitOn = (route: string) => ({ server: 'fastify-statuskit' as const, route });
const pairs: readonly Pair[] = [
  ...['get-200', 'post-201'].map((route) => ({
    name: `fastify-statuskit/${route} >= 0.90 x fastify-bare/${route}`,
    a: statuskitOn(route),
    b: { server: 'fastify-bare' as const, route },
    min: 0.9,
  })),
  ...['not-found-404', 'wrong-method-405', 'no-token-401'].map((route) => ({
    name: `fastify-statuskit/${route} >= 0.90 x fastify-bare/not-found-404`,
    a: statuskitOn(route),
    b: { server: 'fastify-bare' as const, route: 'not-found-404' },
    min: 0.9,
  })),
  ...routes.map(({ name: route }) => ({
    name: `fastify-statuskit/${route} >= 4 x express/${route}`,
    a: statuskitOn(route),
    b: { server: 'express' as const, route },
    min: 4,
  })),
];

interface PairResult {
  name: string;
  a: string;
  b: string;
  valid: boolean;
  /**
   * Medians over the rounds of a's answers per CPU second over b's (b's CPU per answer over a's):
   * the ratio of their req/s each on a core of its own. Without /proc, of a's req/s over b's.
   */
  ratio: number;
  /** Medians over the rounds: a's req/s over b's in the same seconds, and each one's req/s. */
  rpsRatio: number;
  rps: { a: number; b: number };
  /** Medians over the rounds of each side's CPU per answer, and of a's minus b's, in µs. */
  cpuUs: { a: number | null; b: number | null; more: number | null };
  rounds: PairRound<Sample>[];
  retried: PairRound<Sample>[];
}

function pairResult(pair: Pair, rounds: PairRound<Sample>[], retried: PairRound<Sample>[], count: number) {
  return {
    name: pair.name,
    a: `${pair.a.server}/${pair.a.route}`,
    b: `${pair.b.server}/${pair.b.route}`,
    valid: rounds.length === count && rounds.every(({ a, b }) => a.valid && b.valid),
    ratio: round2(
      median(
        rounds.map(({ a, b }) => (a.cpuUs === null || b.cpuUs === null ? a.rps / b.rps : b.cpuUs / a.cpuUs)),
      ),
    ),
    rpsRatio: round2(median(rounds.map(({ a, b }) => a.rps / b.rps))),
    rps: {
      a: Math.round(median(rounds.map(({ a }) => a.rps))),
      b: Math.round(median(rounds.map(({ b }) => b.rps))),
    },
    cpuUs: {
      a: medianOrNull(rounds.map(({ a }) => a.cpuUs)),
      b: medianOrNull(rounds.map(({ b }) => b.cpuUs)),
      more: medianOrNull(
        rounds.map(({ a, b }) => (a.cpuUs === null || b.cpuUs === null ? null : a.cpuUs - b.cpuUs)),
      ),
    },
    rounds,
    retried,
  } satisfies PairResult;
}

function targetsOf(results: readonly PairResult[]): Target[] {
  const us = (value: number | null) => (value === null ? '-' : value.toFixed(1));
  const targets: Target[] = pairs.map((pair, index) => {
    const result = results[index] as PairResult;
    const verdict = !result.valid ? 'INVALID' : result.ratio >= pair.min ? 'PASS' : 'MISS';
    return {
      name: pair.name,
      value: result.ratio,
      min: pair.min,
      verdict,
      detail: `${us(result.cpuUs.a)} vs ${us(result.cpuUs.b)} µs CPU/answer`,
    };
  });
  // What the contract costs every answer, in CPU rather than in req/s: the plugin's own work.
  const get = results[0] as PairResult;
  const more = get.cpuUs.more ?? Number.NaN;
  targets.push({
    name: 'fastify-statuskit/get-200 CPU/answer <= fastify-bare/get-200 CPU/answer + 3 µs',
    value: more,
    max: 3,
    verdict: !get.valid || Number.isNaN(more) ? 'INVALID' : more <= 3 ? 'PASS' : 'MISS',
    detail: `${us(get.cpuUs.a)} vs ${us(get.cpuUs.b)} µs CPU/answer`,
  });
  return targets;
}

function pairTable(results: readonly PairResult[], seconds: number, rounds: number): string {
  const lines = [
    `paired: the two servers of a pair at the same time on core 1, each under its own wrk on core 0; ` +
      `medians of ${rounds} round(s) of ${seconds} s`,
    "ratio: answers per CPU second, a over b (b's CPU per answer over a's), median and range over the rounds",
    `${'a'.padEnd(35)}${'b'.padEnd(28)}${'µs CPU/ans a, b'.padStart(17)}${'ratio'.padStart(7)}` +
      `${'range'.padStart(12)}${'req/s a'.padStart(9)}${'req/s b'.padStart(9)}${'a / b'.padStart(7)}`,
  ];
  for (const result of results) {
    const ratios = result.rounds.map(({ a, b }) =>
      a.cpuUs === null || b.cpuUs === null ? a.rps / b.rps : b.cpuUs / a.cpuUs,
    );
    const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
    const cpu = `${result.cpuUs.a ?? '-'}, ${result.cpuUs.b ?? '-'}`;
    const retries = result.retried.length ? `  (${result.retried.length} round(s) measured again)` : '';
    lines.push(
      `${result.a.padEnd(35)}${result.b.padEnd(28)}${cpu.padStart(17)}${result.ratio.toFixed(2).padStart(7)}` +
        `${range.padStart(12)}${String(result.rps.a).padStart(9)}${String(result.rps.b).padStart(9)}` +
        `${result.rpsRatio.toFixed(2).padStart(7)}${result.valid ? '' : '  INVALID'}${retries}`,
    );
  }
  return lines.join('\n');
}

function table(results: Record<ServerName, Record<string, Cell>>): string {
  const busy = (value: number | null | undefined) => (value == null ? '-' : `${Math.round(value * 100)}%`);
  const lines = [
    `${'route'.padEnd(18)}${'server'.padEnd(19)}${'req/s'.padStart(8)}${'p99 ms'.padStart(9)}` +
      `${'ratio'.padStart(7)}${'µs CPU/ans'.padStart(12)}${'server'.padStart(8)}${'load'.padStart(6)}  status`,
  ];
  for (const { name } of routes) {
    for (const server of servers) {
      const cell = results[server][name] as Cell;
      const retries = cell.retried.length
        ? ` (${cell.retried.length} run(s) measured again: ${cell.retried.map((sample) => `${JSON.stringify(sample.statuses)}${sample.errors ? ` +${sample.errors} errors` : ''}`).join(' ')})`
        : '';
      const statuses = cell.valid
        ? `${cell.expected}${retries}`
        : `INVALID: expected ${cell.expected}, got ${cell.rounds.map((sample) => `${JSON.stringify(sample.statuses)}${sample.errors ? ` +${sample.errors} errors` : ''}`).join(' ')}`;
      const middle = cell.rounds[cell.rounds.length >> 1];
      lines.push(
        `${(server === servers[0] ? name : '').padEnd(18)}${server.padEnd(19)}${String(cell.rps).padStart(8)}` +
          `${cell.p99.toFixed(2).padStart(9)}${cell.ratio.toFixed(2).padStart(7)}` +
          `${(cell.cpuUs === null ? '-' : cell.cpuUs.toFixed(1)).padStart(12)}` +
          `${busy(middle?.serverBusy).padStart(8)}${busy(middle?.loaderBusy).padStart(6)}  ${statuses}`,
      );
    }
  }
  return lines.join('\n');
}

function targetsText(targets: readonly Target[]): string {
  return [
    'targets (of the paired rounds: answers per CPU second, a over b; the last, µs of CPU per answer):',
    ...targets.map(
      (target) =>
        `  ${target.verdict.padEnd(7)} ${target.value.toFixed(2).padStart(5)}  ${target.name}  (${target.detail})`,
    ),
  ].join('\n');
}

type Options = ReturnType<typeof options>;

interface ServersReport {
  routes: readonly Route[];
  results: Record<ServerName, Record<string, Cell>>;
  ratios: Record<string, number>;
  cpuRatios: Record<string, number | null>;
  paired: PairResult[];
  targets: Target[];
  invalid: number;
  profile: ServerProfile[] | null;
}

/** The server part: every server on every route, round after round. */
async function serversPart(
  opts: Options,
  loader: Loader,
  prefix: readonly string[],
  running: Running[],
): Promise<ServersReport> {
  for (const name of servers) running.push(await start(name, prefix));
  const samples = new Map<string, Sample[]>();
  const retried = new Map<string, Sample[]>();
  for (let round = 0; round < opts.rounds; round++) {
    for (const route of routes) {
      // Rotating the order spreads the noise of a shared machine evenly over the servers.
      for (let i = 0; i < running.length; i++) {
        const server = running[(i + round) % running.length] as Running;
        if (round === 0 && opts.warmup > 0)
          await measure(loader, server, route, opts.warmup, opts.connections);
        const key = `${server.name}/${route.name}`;
        // An invalid run is measured again, twice at most: on a shared machine a stall of a few
        // seconds can starve a run, or make statuskit's overload protection answer 503. A server
        // that really answers wrongly stays invalid; every discarded run is kept in `retried`.
        for (let attempt = 0; ; attempt++) {
          const sample = await measure(loader, server, route, opts.duration, opts.connections);
          log(
            `round ${round + 1} ${key}: ${Math.round(sample.rps)} req/s, p99 ${sample.p99} ms, ` +
              `${sample.cpuUs} µs CPU/answer, server ${sample.serverBusy} load ${sample.loaderBusy} cores, ` +
              `statuses ${JSON.stringify(sample.statuses)}${sample.errors ? `, ${sample.errors} errors` : ''}` +
              `${sample.valid ? '' : ` INVALID (expected only ${expectedStatus(server.name, route)})`}`,
          );
          if (sample.valid || attempt === 2) {
            samples.set(key, [...(samples.get(key) ?? []), sample]);
            break;
          }
          retried.set(key, [...(retried.get(key) ?? []), sample]);
        }
      }
    }
  }

  const results = {} as Record<ServerName, Record<string, Cell>>;
  for (const server of servers) {
    results[server] = {};
    for (const route of routes) {
      const rounds = samples.get(`${server}/${route.name}`) ?? [];
      const cpu = rounds.map((sample) => sample.cpuUs);
      results[server][route.name] = {
        expected: expectedStatus(server, route),
        valid: rounds.length === opts.rounds && rounds.every((sample) => sample.valid),
        rps: Math.round(median(rounds.map((sample) => sample.rps))),
        p99: median(rounds.map((sample) => sample.p99)),
        cpuUs: cpu.includes(null) ? null : median(cpu as number[]),
        ratio: 0,
        rounds,
        retried: retried.get(`${server}/${route.name}`) ?? [],
      };
    }
  }
  const ratios: Record<string, number> = {};
  // The same comparison by the servers' CPU time per answer (bare's / this one's): it holds up
  // better than req/s when the machine is shared or the load generator is the bottleneck.
  const cpuRatios: Record<string, number | null> = {};
  for (const server of servers) {
    for (const route of routes) {
      const cell = results[server][route.name] as Cell;
      const bare = results['fastify-bare'][route.name] as Cell;
      cell.ratio = round2(cell.rps / bare.rps);
      ratios[`${server}/${route.name}`] = cell.ratio;
      cpuRatios[`${server}/${route.name}`] =
        cell.cpuUs === null || bare.cpuUs === null ? null : round2(bare.cpuUs / cell.cpuUs);
    }
  }
  const paired = await pairedPart(opts, loader, running);
  const targets = targetsOf(paired);
  const invalid =
    Object.values(results)
      .flatMap((cells) => Object.values(cells))
      .filter((cell) => !cell.valid).length + paired.filter((pair) => !pair.valid).length;
  const profile = opts.profile ? await profilePlugin(opts, loader, prefix) : null;
  return { routes, results, ratios, cpuRatios, paired, targets, invalid, profile };
}

/** The targets' rounds: each pair's two servers at the same time (both already warm from the rounds alone). */
async function pairedPart(opts: Options, loader: Loader, running: Running[]): Promise<PairResult[]> {
  const server = (name: ServerName) => running.find((candidate) => candidate.name === name) as Running;
  const route = (name: string) => routes.find((candidate) => candidate.name === name) as Route;
  const { rounds, retried } = await pairedRounds(
    pairs,
    opts.rounds,
    async (pair) => {
      const [a, b] = await measureAtOnce(
        loader,
        [
          { server: server(pair.a.server), route: route(pair.a.route) },
          { server: server(pair.b.server), route: route(pair.b.route) },
        ],
        opts.pairSeconds,
        opts.connections,
      );
      return { a: a as Sample, b: b as Sample };
    },
    (pair, round, { a, b }) =>
      log(
        `paired round ${round} ${pair.a.server}/${pair.a.route} and ${pair.b.server}/${pair.b.route}: ` +
          `${Math.round(a.rps)} and ${Math.round(b.rps)} req/s (${round2(a.rps / b.rps)}), ` +
          `${a.cpuUs} and ${b.cpuUs} µs CPU/answer, servers ${a.serverBusy} and ${b.serverBusy} ` +
          `load ${a.loaderBusy} cores${a.valid && b.valid ? '' : ` INVALID: ${JSON.stringify(a.statuses)} ${JSON.stringify(b.statuses)}`}`,
      ),
  );
  return pairs.map((pair) => pairResult(pair, rounds.get(pair) ?? [], retried.get(pair) ?? [], opts.rounds));
}

/**
 * Bare Fastify and statuskit under the profiler, each alone on its core as in the rounds: every
 * route in a full run, GET only in a quick one.
 */
function profilePlugin(opts: Options, loader: Loader, prefix: readonly string[]): Promise<ServerProfile[]> {
  const profiled = opts.quick ? routes.slice(0, 1) : routes;
  const cells = profiled.flatMap((route) =>
    (['fastify-bare', 'fastify-statuskit'] as const).map((server) => ({ server, route: route.name })),
  );
  const scratch = mkdtempSync(join(os.tmpdir(), 'statuskit-bench-profile-'));
  return profileServers<Running>(
    {
      start: (name, flags) => start(name as ServerName, prefix, flags),
      load: async (server, name, seconds) => {
        const route = routes.find((candidate) => candidate.name === name) as Route;
        return (await measure(loader, server, route, seconds, opts.connections)).requests;
      },
      stop: (server) =>
        new Promise((resolve) => {
          server.child.once('exit', () => resolve());
          server.child.kill('SIGTERM');
        }),
      log,
      scratch,
    },
    cells,
    opts.profileSeconds,
    opts.warmup,
  ).finally(() => rmSync(scratch, { recursive: true, force: true }));
}

async function main() {
  const opts = options();
  const pin = pinning();
  const useWrk = opts.loader === 'wrk' || (opts.loader === 'auto' && hasWrk());
  const scratch = mkdtempSync(join(os.tmpdir(), 'statuskit-bench-'));
  const loader = useWrk ? wrkLoader(scratch) : autocannonLoader;
  const loaderName = useWrk ? 'wrk (1 thread)' : 'autocannon (in process)';
  const loadBefore = os.loadavg();
  log(
    `statuskit bench: ${loaderName}, ${pin.note}; ${opts.rounds} round(s) of ${opts.duration} s a cell, ` +
      `${opts.connections} connections; parts: ${[opts.servers && 'servers', opts.gateway && 'gateway'].filter(Boolean).join(', ')}`,
  );
  const running: Running[] = [];
  const stopServers = () => {
    for (const server of running.splice(0)) server.child.kill();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopServers();
      rmSync(scratch, { recursive: true, force: true });
      // 'exit' stops the gateway part's processes too.
      process.exit(130);
    });
  }
  try {
    const serversReport = opts.servers ? await serversPart(opts, loader, pin.server, running) : undefined;
    stopServers();
    let gateway: GatewayReport | undefined;
    let gatewayError: string | undefined;
    if (opts.gateway) {
      try {
        gateway = await gatewayBench(
          {
            duration: opts.duration,
            warmup: opts.warmup,
            rounds: opts.rounds,
            connections: opts.connections,
            profile: opts.profile,
            profileSeconds: opts.profileSeconds,
            pairSeconds: opts.pairSeconds,
            cpuprofile: opts.cpuprofile,
          },
          { loader, pinning: pin.gateway, scratch, log },
        );
      } catch (error) {
        gatewayError = (error as Error).stack ?? String(error);
        log(`gateway part failed: ${gatewayError}`);
      }
    }
    const machine = {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loader: loaderName,
      pinning: pin.note,
      loadavgBefore: loadBefore.map(round2),
      loadavgAfter: os.loadavg().map(round2),
    };
    const settings = {
      duration: opts.duration,
      warmup: opts.warmup,
      connections: opts.connections,
      pipelining: 1,
    };
    const parts = [...(opts.servers ? ['servers'] : []), ...(opts.gateway ? ['gateway'] : [])];
    if (opts.json) {
      const report = {
        machine,
        rounds: opts.rounds,
        settings,
        parts,
        ...(serversReport
          ? {
              routes: serversReport.routes,
              results: serversReport.results,
              paired: serversReport.paired,
              profile: serversReport.profile,
            }
          : {}),
        ratios: { ...serversReport?.ratios, ...gateway?.ratios },
        cpuRatios: { ...serversReport?.cpuRatios, ...gateway?.cpuRatios },
        targets: [...(serversReport?.targets ?? []), ...(gateway?.targets ?? [])],
        ...(opts.gateway ? { gateway: gateway ?? { error: gatewayError } } : {}),
      };
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      process.stdout.write(
        `\n${machine.model} x${machine.cpus}, node ${machine.node}, ${loaderName}, ${machine.pinning}, ` +
          `load average ${machine.loadavgBefore.join(' ')} before, ${machine.loadavgAfter.join(' ')} after\n` +
          `medians of ${opts.rounds} round(s) of ${opts.duration} s, ${opts.connections} connections\n`,
      );
      if (serversReport) {
        process.stdout.write(
          `\nratio = req/s / fastify-bare's req/s on the same route; server, load: cores busy\n` +
            `wrong-method-405: fastify-bare answers 404 (it has no 405)\n\n` +
            `${table(serversReport.results)}\n\n` +
            `${pairTable(serversReport.paired, opts.pairSeconds, opts.rounds)}\n\n` +
            `${targetsText(serversReport.targets)}\n`,
        );
        if (serversReport.profile) process.stdout.write(`\n${serverProfileText(serversReport.profile)}\n`);
      }
      if (gateway) process.stdout.write(`\n${gatewayText(gateway)}\n`);
      if (gatewayError) process.stdout.write(`\ngateway part failed: ${gatewayError}\n`);
    }
    if (serversReport && serversReport.invalid > 0) {
      log(
        `${serversReport.invalid} cell(s) or pair(s) had answers other than the expected status, or errors`,
      );
      process.exitCode = 1;
    }
    if (gateway) {
      const invalid = Object.values(gateway.results).filter((cell) => !cell.valid).length;
      const missing = 3 - Object.keys(gateway.results).length;
      if (invalid > 0) log(`gateway part: ${invalid} target(s) had answers other than 200, or errors`);
      if (missing > 0) log(`gateway part: ${missing} target(s) not measured (${gateway.nginx.note})`);
      if (invalid > 0 || missing > 0) process.exitCode = 1;
    }
    if (gatewayError) process.exitCode = 1;
  } finally {
    stopServers();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
