/**
 * The gateway part of `npm run bench`: natgw's `GET /v2.0/nat_gateways/{id}` (with a Keystone
 * token) measured direct, through the statuskit gateway, and through nginx as a reverse proxy in
 * front of the same natgw process. natgw is pinned to core 1, each proxy and the load generator
 * to core 0: every proxy gets the same core, shared with the load, and natgw a core of its own.
 * Rounds interleave the targets in a rotating order; the figures are the medians. Then the
 * gateway and node-proxy run at the same time for the CPU target (paired.ts), and, optionally,
 * a gateway started with `node --cpu-prof` takes one more run: where its time goes.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { passwordAuthBody } from 'statuskit/client';
import { cpuTimes, type Loader, type LoadResult, median, medianOrNull, round2 } from './load.js';
import { findOrInstallNginx, writeNginxConfig } from './nginx.js';
import { type PairRound, pairedRounds } from './paired.js';
import { freePort, Processes, type Started, waitForHttp } from './processes.js';
import { type ProfileSummary, summariseProfile } from './profile.js';

export const gatewayTargets = ['direct', 'gateway', 'node-proxy', 'nginx'] as const;
export type TargetName = (typeof gatewayTargets)[number];

export interface GatewayBenchOptions {
  duration: number;
  warmup: number;
  rounds: number;
  connections: number;
  /** Profile a gateway under load with `node --cpu-prof` after the rounds. */
  profile: boolean;
  /** The length of the profiled run. */
  profileSeconds: number;
  /** The length of a paired round. */
  pairSeconds: number;
  /** Where to keep the raw `.cpuprofile` (else it goes with the temp dir). */
  cpuprofile?: string | undefined;
}

export interface Pinning {
  /** Command prefixes: `taskset -c 1` for natgw, `taskset -c 0` for the proxies (the load's core). */
  natgw: string[];
  proxy: string[];
  note: string;
  /**
   * Moves the load (this process, and the wrk started after) to a core; a no-op without pinning.
   * The profile run puts it on core 1, with natgw, so that the profiled gateway has core 0 to
   * itself: a CPU profile samples wall-clock time, and a process that shares its core with the
   * load generator is descheduled inside its socket writes whenever they wake the load, which
   * then look about three times dearer than they are.
   */
  moveLoad(core: 0 | 1): void;
}

export interface GatewaySample {
  rps: number;
  /** Milliseconds. */
  p99: number;
  /**
   * CPU time (all threads) per answer in µs: natgw's, the proxy's (null direct), their sum, and
   * the load generator's (this process and wrk).
   */
  cpuUs: { natgw: number | null; proxy: number | null; total: number | null; loader: number | null };
  /** Cores busy during the run. */
  busy: { natgw: number | null; proxy: number | null; loader: number | null };
  requests: number;
  statuses: Record<string, number>;
  errors: number;
  valid: boolean;
}

export interface GatewayCell {
  expected: number;
  valid: boolean;
  /** Medians over the rounds. */
  rps: number;
  p99: number;
  cpuUs: { natgw: number | null; proxy: number | null; total: number | null; loader: number | null };
  /**
   * The req/s the CPU per answer allows when the processes have their cores to themselves
   * (natgw core 1, the proxy and the load core 0; all on one without pinning): what the
   * target would do on a quiet machine, whatever else ran during this one.
   */
  capacity: number | null;
  /** rps / direct's rps. */
  ratio: number;
  rounds: GatewaySample[];
  retried: GatewaySample[];
}

export interface GatewayTarget {
  name: string;
  value: number;
  /** The value must be at least `min`, or at most `max`. */
  min?: number;
  max?: number;
  verdict: 'PASS' | 'MISS' | 'INVALID';
  /** The CPU per answer of the two sides, beside the ratio. */
  detail?: string;
}

export interface GatewayProfile extends ProfileSummary {
  seconds: number;
  rps: number;
  statuses: Record<string, number>;
  /** The profiled gateway's CPU per answer (µs, all threads) and the kernel's (system) part of it. */
  cpuUs: number | null;
  systemShare: number | null;
  /** Where the profiled gateway and the load ran. */
  pinning: string;
  /** The raw profile, when `--cpuprofile` kept it. */
  file?: string;
}

export interface GatewayReport {
  route: { name: 'get-200'; method: 'GET'; path: string; expect: 200 };
  pinning: string;
  natgw: string;
  nginx: { version: string | null; note: string; installed: boolean };
  /** A warning when dist/ is older than src/ (the gateway runs from dist/cli/main.js). */
  distNote: string | null;
  results: Partial<Record<TargetName, GatewayCell>>;
  /** `gateway/get-200`, `nginx/get-200`: req/s over direct's. */
  ratios: Record<string, number>;
  /** Direct's CPU per answer (natgw) over this one's (natgw + proxy). */
  cpuRatios: Record<string, number | null>;
  /** `gateway/direct`, `gateway/nginx`: the same ratios from the CPU capacities (quiet machine). */
  estimates: Record<string, number | null>;
  /** The gateway and node-proxy at the same time, for the CPU target. */
  paired: PairedProxies;
  targets: GatewayTarget[];
  profile: GatewayProfile | null;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const statuskit = join(root, 'packages', 'statuskit');
const cli = join(statuskit, 'dist', 'cli', 'main.js');

/** A warning when some source file of the package is newer than the built CLI. */
function distNote(): string | null {
  if (!existsSync(cli)) return null;
  const built = statSync(cli).mtimeMs;
  const newer: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.test.ts') && statSync(path).mtimeMs > built)
        newer.push(path.slice(root.length));
    }
  };
  walk(join(statuskit, 'src'));
  return newer.length
    ? `dist/ is older than ${newer.slice(0, 3).join(', ')}${newer.length > 3 ? '…' : ''}: run npm run build`
    : null;
}

async function json(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * `fetch`, tried again (ten times at most) while the answer is 503: a natgw or gateway that has
 * just started on a busy machine can see its event loop lag and shed load for a moment. natgw
 * sheds load before routing, so even the POST that creates the gateway is safe to send again.
 */
async function patientFetch(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, init);
    if (response.status !== 503 || attempt === 10) return response;
    await response.arrayBuffer();
    const retryAfter = Number(response.headers.get('retry-after'));
    const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 2) : 0.5;
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

/** A demo token, and one ACTIVE NAT gateway of the demo project: its id. */
async function prepare(base: string): Promise<{ token: string; id: string }> {
  const issued = await patientFetch(`${base}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(passwordAuthBody({ username: 'demo', password: 'demo-password', project: 'demo' })),
  });
  const token = issued.headers.get('x-subject-token');
  await issued.arrayBuffer();
  if (issued.status !== 201 || !token) throw new Error(`natgw: no token (${issued.status})`);
  const created = await patientFetch(`${base}/v2.0/nat_gateways`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-token': token },
    body: JSON.stringify({
      nat_gateway: {
        name: 'bench',
        spec: '1',
        router_id: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
        internal_network_id: '89d66639-aacb-4929-969d-07080b0f9fd9',
      },
    }),
  });
  const body = (await json(created)) as { nat_gateway?: { id?: string } };
  const id = body.nat_gateway?.id;
  if (created.status !== 201 || !id)
    throw new Error(`natgw: create failed (${created.status}): ${JSON.stringify(body)}`);
  return { token, id };
}

/** One request before the load: the target must answer 200 with the gateway asked for. */
async function check(name: string, url: string, token: string, id: string): Promise<void> {
  const response = await patientFetch(url, { headers: { 'x-auth-token': token } });
  const body = (await json(response)) as { nat_gateway?: { id?: string; status?: string } };
  if (response.status !== 200 || body.nat_gateway?.id !== id)
    throw new Error(`${name}: GET ${url} answered ${response.status} ${JSON.stringify(body)}`);
}

interface Running {
  name: TargetName;
  base: string;
  /** The proxy's process; none direct. */
  proxy: Started | undefined;
}

async function measure(
  loader: Loader,
  target: Running,
  natgw: Started,
  request: { path: string; token: string },
  seconds: number,
  connections: number,
): Promise<GatewaySample> {
  return (await measureAtOnce(loader, [target], natgw, request, seconds, connections))[0] as GatewaySample;
}

/**
 * Runs of `seconds` through several targets at the same time, one load generator each: natgw's
 * CPU per answer is over all their answers, the load's of all the generators together.
 */
async function measureAtOnce(
  loader: Loader,
  targets: readonly Running[],
  natgw: Started,
  request: { path: string; token: string },
  seconds: number,
  connections: number,
): Promise<GatewaySample[]> {
  const sum = (times: { user: number; system: number } | undefined) => times && times.user + times.system;
  const proxyCpu = () =>
    targets.map((target) => (target.proxy === undefined ? undefined : sum(cpuTimes(target.proxy.pid))));
  const before = { natgw: sum(cpuTimes(natgw.pid)), proxies: proxyCpu(), loader: sum(cpuTimes('self')) };
  const results = await Promise.all(
    targets.map((target) =>
      loader(
        { url: target.base + request.path, method: 'GET', headers: { 'x-auth-token': request.token } },
        seconds,
        connections,
      ),
    ),
  );
  const after = { natgw: sum(cpuTimes(natgw.pid)), proxies: proxyCpu(), loader: sum(cpuTimes('self')) };
  const used = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : b - a;
  const answers = results.reduce((total, result) => total + result.requests, 0);
  const perAnswer = (cpu: number | undefined, requests: number) =>
    cpu === undefined || requests === 0 ? null : Math.round((cpu * 1e7) / requests) / 10;
  const busy = (cpu: number | undefined, seconds: number) =>
    cpu === undefined ? null : round2(cpu / seconds);
  const natgwCpu = used(before.natgw, after.natgw);
  const loaderCpu = used(before.loader, after.loader);
  return targets.map((target, index) => {
    const result = results[index] as LoadResult;
    const proxyUsed = used(before.proxies[index], after.proxies[index]);
    const natgwUs = perAnswer(natgwCpu, answers);
    const proxyUs = target.proxy ? perAnswer(proxyUsed, result.requests) : null;
    const codes = Object.keys(result.statuses);
    return {
      rps: result.requests / result.seconds,
      p99: Math.round(result.p99 * 1000) / 1000,
      cpuUs: {
        natgw: natgwUs,
        proxy: proxyUs,
        total:
          natgwUs === null || (target.proxy && proxyUs === null)
            ? null
            : Math.round((natgwUs + (proxyUs ?? 0)) * 10) / 10,
        loader: perAnswer(loaderCpu, answers),
      },
      busy: {
        natgw: busy(natgwCpu, result.seconds),
        proxy: target.proxy ? busy(proxyUsed, result.seconds) : null,
        loader: busy(loaderCpu, result.seconds),
      },
      requests: result.requests,
      statuses: result.statuses,
      errors: result.errors,
      valid: result.errors === 0 && result.requests > 0 && codes.length === 1 && codes[0] === '200',
    };
  });
}

export interface PairedProxies {
  valid: boolean;
  /** Medians over the rounds of the gateway's CPU per answer over node-proxy's in the same run. */
  ratio: number;
  /** Medians over the rounds of each proxy's own CPU per answer, in µs. */
  cpuUs: { gateway: number | null; nodeProxy: number | null };
  rounds: PairRound<GatewaySample>[];
  retried: PairRound<GatewaySample>[];
}

/**
 * The gateway and node-proxy measured at the same time, each under its own load, both in front
 * of the one natgw (which shares its core between their requests): rounds of twice `--duration`.
 */
async function pairedProxies(
  opts: GatewayBenchOptions,
  loader: Loader,
  running: readonly Running[],
  natgw: Started,
  request: { path: string; token: string },
  log: (line: string) => void,
): Promise<PairedProxies> {
  const gateway = running.find((target) => target.name === 'gateway') as Running;
  const nodeProxy = running.find((target) => target.name === 'node-proxy') as Running;
  const pair = 'gateway and node-proxy';
  const { rounds, retried } = await pairedRounds(
    [pair],
    opts.rounds,
    async () => {
      const [a, b] = await measureAtOnce(
        loader,
        [gateway, nodeProxy],
        natgw,
        request,
        opts.pairSeconds,
        opts.connections,
      );
      return { a: a as GatewaySample, b: b as GatewaySample };
    },
    (_pair, round, { a, b }) =>
      log(
        `paired round ${round} gateway and node-proxy: ${Math.round(a.rps)} and ${Math.round(b.rps)} req/s, ` +
          `µs CPU/answer ${a.cpuUs.proxy} and ${b.cpuUs.proxy} (natgw ${a.cpuUs.natgw}), cores busy ` +
          `${a.busy.proxy} and ${b.busy.proxy} (natgw ${a.busy.natgw}), statuses ${describe(a)} ${describe(b)}`,
      ),
  );
  const measured = rounds.get(pair) ?? [];
  return {
    valid: measured.length === opts.rounds && measured.every(({ a, b }) => a.valid && b.valid),
    ratio:
      medianOrNull(
        measured.map(({ a, b }) =>
          a.cpuUs.proxy === null || b.cpuUs.proxy === null ? null : a.cpuUs.proxy / b.cpuUs.proxy,
        ),
      ) ?? Number.NaN,
    cpuUs: {
      gateway: medianOrNull(measured.map(({ a }) => a.cpuUs.proxy)),
      nodeProxy: medianOrNull(measured.map(({ b }) => b.cpuUs.proxy)),
    },
    rounds: measured,
    retried: retried.get(pair) ?? [],
  };
}

/**
 * Warms a target up: runs of twice `--warmup` (2 s by default) until 10 000 requests have been
 * answered and the CPU per answer (natgw's and the proxy's) of the last run is within 10 % of the
 * run before; eight runs at most; none with `--warmup 0`. A fixed warm-up is not enough here: a
 * fresh gateway spends about 2 000 µs of CPU per answer on its first thousand requests (V8
 * compiling Fastify's, undici's and Node's paths), about 700 µs around 3 000, 420 µs around
 * 5 000 and 350–400 µs after that, and two slow runs in a row can be within 10 % of each other.
 */
async function warmUp(
  loader: Loader,
  target: Running,
  natgw: Started,
  request: { path: string; token: string },
  opts: GatewayBenchOptions,
  log: (line: string) => void,
): Promise<void> {
  if (opts.warmup <= 0) return;
  let previous: number | null = null;
  let answered = 0;
  for (let run = 1; run <= 8; run++) {
    const sample = await measure(loader, target, natgw, request, 2 * opts.warmup, opts.connections);
    const cpu = sample.cpuUs.total;
    answered += sample.requests;
    log(
      `warm-up ${run} ${target.name}: ${Math.round(sample.rps)} req/s, ${cpu} µs CPU/answer (natgw and proxy), ` +
        `${answered} answers so far`,
    );
    const steady = cpu === null || (previous !== null && Math.abs(cpu - previous) <= 0.1 * previous);
    if (answered >= 10_000 && steady) return;
    previous = cpu;
  }
}

function describe(sample: GatewaySample): string {
  return `${JSON.stringify(sample.statuses)}${sample.errors ? ` +${sample.errors} errors` : ''}`;
}

/** The gateway part: starts natgw, the gateway and nginx, measures, profiles, stops them all. */
export async function gatewayBench(
  opts: GatewayBenchOptions,
  context: { loader: Loader; pinning: Pinning; scratch: string; log: (line: string) => void },
): Promise<GatewayReport> {
  const { loader, pinning, log } = context;
  const scratch = join(context.scratch, 'gateway');
  mkdirSync(scratch, { recursive: true });
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  const dist = distNote();
  if (dist) log(`warning: ${dist}`);
  const nginx = findOrInstallNginx(log);
  log(`gateway part: ${nginx.note}; natgw on core 1, the proxies and the load on core 0 (${pinning.note})`);

  const processes = new Processes();
  const killNow = () => processes.killAllNow();
  process.once('exit', killNow);
  try {
    const natgwDir = join(scratch, 'natgw');
    mkdirSync(natgwDir);
    const natgw = await processes.start(
      'natgw',
      [...pinning.natgw, process.execPath, '--import', 'tsx', join(root, 'natgw', 'src', 'main.ts')],
      {
        cwd: root,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: '0',
          NATGW_SQLITE_FILE: join(natgwDir, 'natgw.sqlite'),
          NATGW_PROVISIONING_DELAY_MS: '0',
          LOG_LEVEL: 'warn',
        },
        ready: /natgw: NAT Gateway API v2\.0 on (http:\/\/\S+)/,
        timeoutMs: 60_000,
      },
    );
    const natgwUrl = natgw.match[1] as string;
    const { token, id } = await prepare(natgwUrl);
    const path = `/v2.0/nat_gateways/${id}`;

    const startGateway = (extra: string[] = []) =>
      processes.start(
        'gateway',
        [
          ...pinning.proxy,
          process.execPath,
          ...extra,
          cli,
          'gateway',
          '--upstream',
          natgwUrl,
          '--host',
          '127.0.0.1',
          '--port',
          '0',
          '--log-level',
          'warn',
        ],
        {
          cwd: root,
          env: { ...process.env, NODE_ENV: 'production' },
          ready: /statuskit gateway listening on (http:\/\/\S+)/,
        },
      );
    const running: Running[] = [{ name: 'direct', base: natgwUrl, proxy: undefined }];
    const gateway = await startGateway();
    running.push({ name: 'gateway', base: gateway.match[1] as string, proxy: gateway });
    const nodeProxy = await processes.start(
      'node-proxy',
      [...pinning.proxy, process.execPath, join(root, 'bench', 'node-proxy.mjs'), natgwUrl, '0'],
      { cwd: root, env: { ...process.env, NODE_ENV: 'production' }, ready: /listening (http:\/\/\S+)/ },
    );
    running.push({ name: 'node-proxy', base: nodeProxy.match[1] as string, proxy: nodeProxy });
    if (nginx.bin) {
      const nginxDir = join(scratch, 'nginx');
      mkdirSync(nginxDir);
      const port = await freePort();
      const config = writeNginxConfig(nginxDir, port, natgwUrl);
      const started = await processes.start(
        'nginx',
        [...pinning.proxy, nginx.bin, '-p', nginxDir, '-e', join(nginxDir, 'error.log'), '-c', config],
        { cwd: nginxDir },
      );
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(`${base}/`, started.child).catch((error: Error) => {
        throw new Error(`nginx: ${error.message}\n${started.output()}`);
      });
      running.push({ name: 'nginx', base, proxy: started });
    }
    for (const target of running) await check(target.name, target.base + path, token, id);

    const request = { path, token };
    const samples = new Map<TargetName, GatewaySample[]>();
    const retried = new Map<TargetName, GatewaySample[]>();
    for (let round = 0; round < opts.rounds; round++) {
      for (let i = 0; i < running.length; i++) {
        const target = running[(i + round) % running.length] as Running;
        if (round === 0) await warmUp(loader, target, natgw, request, opts, log);
        // As in the server part: an invalid run (a stall can make natgw's overload check answer
        // 503) is measured again, twice at most, and kept in `retried`.
        for (let attempt = 0; ; attempt++) {
          const sample = await measure(loader, target, natgw, request, opts.duration, opts.connections);
          log(
            `round ${round + 1} ${target.name}/get-200: ${Math.round(sample.rps)} req/s, p99 ${sample.p99} ms, ` +
              `µs CPU/answer natgw ${sample.cpuUs.natgw} proxy ${sample.cpuUs.proxy}, cores busy natgw ` +
              `${sample.busy.natgw} proxy ${sample.busy.proxy} load ${sample.busy.loader}, statuses ` +
              `${describe(sample)}${sample.valid ? '' : ' INVALID (expected only 200)'}`,
          );
          if (sample.valid || attempt === 2) {
            samples.set(target.name, [...(samples.get(target.name) ?? []), sample]);
            break;
          }
          retried.set(target.name, [...(retried.get(target.name) ?? []), sample]);
        }
      }
    }

    const results: Partial<Record<TargetName, GatewayCell>> = {};
    for (const target of running) {
      const rounds = samples.get(target.name) ?? [];
      results[target.name] = {
        expected: 200,
        valid: rounds.length === opts.rounds && rounds.every((sample) => sample.valid),
        rps: Math.round(median(rounds.map((sample) => sample.rps))),
        p99: median(rounds.map((sample) => sample.p99)),
        cpuUs: {
          natgw: medianOrNull(rounds.map((sample) => sample.cpuUs.natgw)),
          proxy: target.proxy ? medianOrNull(rounds.map((sample) => sample.cpuUs.proxy)) : null,
          total: medianOrNull(rounds.map((sample) => sample.cpuUs.total)),
          loader: medianOrNull(rounds.map((sample) => sample.cpuUs.loader)),
        },
        capacity: null,
        ratio: 0,
        rounds,
        retried: retried.get(target.name) ?? [],
      };
    }
    const pinned = pinning.proxy.length > 0;
    for (const cell of Object.values(results)) {
      const { natgw: n, proxy: p, loader: l } = cell.cpuUs;
      if (n === null || l === null || (cell !== results.direct && p === null)) continue;
      const cap = pinned ? Math.min(1e6 / n, 1e6 / ((p ?? 0) + l)) : 1e6 / (n + (p ?? 0) + l);
      cell.capacity = Math.round(cap);
    }
    const direct = results.direct as GatewayCell;
    const estimates: Record<string, number | null> = {};
    const estimate = (a: GatewayCell | undefined, b: GatewayCell | undefined) =>
      a?.capacity && b?.capacity ? round2(a.capacity / b.capacity) : null;
    estimates['gateway/direct'] = estimate(results.gateway, results.direct);
    estimates['gateway/nginx'] = estimate(results.gateway, results.nginx);
    const ratios: Record<string, number> = {};
    const cpuRatios: Record<string, number | null> = {};
    for (const target of running) {
      const cell = results[target.name] as GatewayCell;
      cell.ratio = round2(cell.rps / direct.rps);
      if (target.name === 'direct') continue;
      ratios[`${target.name}/get-200`] = cell.ratio;
      cpuRatios[`${target.name}/get-200`] =
        direct.cpuUs.total === null || cell.cpuUs.total === null
          ? null
          : round2(direct.cpuUs.total / cell.cpuUs.total);
    }
    const targets: GatewayTarget[] = [];
    const valid = (...cells: (GatewayCell | undefined)[]) => cells.every((cell) => cell?.valid === true);
    // Each ratio with the CPU per answer of the two (the proxies' own; natgw's for direct).
    const cpuOf = (name: TargetName) =>
      name === 'direct' ? (results.direct?.cpuUs.natgw ?? null) : (results[name]?.cpuUs.proxy ?? null);
    const cpuNote = (a: TargetName, b: TargetName) =>
      `${a} ${usText(cpuOf(a))}, ${b} ${usText(cpuOf(b))} µs CPU/answer`;
    const add = (a: TargetName, b: TargetName, min: number) => {
      const [x, y] = [results[a], results[b]];
      const value = x && y ? round2(x.rps / y.rps) : Number.NaN;
      const verdict = !valid(x, y) ? 'INVALID' : value >= min ? 'PASS' : 'MISS';
      const name = `${a}/get-200 >= ${min.toFixed(2)} x ${b}/get-200`;
      targets.push({ name, value, min, verdict, detail: cpuNote(a, b) });
    };
    add('gateway', 'direct', 0.5);
    add('gateway', 'nginx', 0.95);

    // CPU per proxied answer, the proxies' own: what being the front door costs each request,
    // against the least a Node proxy does, the two at the same time in front of the one natgw
    // so that the machine's slow spells hit both. (Against nginx's it is only printed: no Node
    // proxy comes near nginx, node-proxy itself costs 2–2.5 times as much.)
    const paired = await pairedProxies(opts, loader, running, natgw, request, log);
    const max = 1.15;
    targets.push({
      name: `gateway CPU/answer <= ${max.toFixed(2)} x node-proxy CPU/answer`,
      value: paired.ratio,
      max,
      verdict: !paired.valid ? 'INVALID' : paired.ratio <= max ? 'PASS' : 'MISS',
      detail: `gateway ${usText(paired.cpuUs.gateway)}, node-proxy ${usText(paired.cpuUs.nodeProxy)} µs CPU/answer, paired`,
    });

    let profile: GatewayProfile | null = null;
    if (opts.profile) {
      profile = await profileGateway(opts, {
        loader,
        log,
        scratch,
        start: startGateway,
        moveLoad: (core) => pinning.moveLoad(core),
        pinned: pinning.proxy.length > 0,
        stop: (started) => processes.stop(started.child, 30_000),
        natgw,
        request,
      });
    }
    return {
      route: { name: 'get-200', method: 'GET', path: '/v2.0/nat_gateways/{id}', expect: 200 },
      pinning: pinning.note,
      natgw: natgwUrl,
      nginx: { version: nginx.version ?? null, note: nginx.note, installed: nginx.installed },
      distNote: dist,
      results,
      ratios,
      cpuRatios,
      estimates,
      paired,
      targets,
      profile,
    };
  } finally {
    await processes.stopAll();
    process.off('exit', killNow);
  }
}

/**
 * One more gateway, started with `node --cpu-prof`: a warm-up, then one measured run whose
 * samples are summed (those of startup and shutdown left out), then SIGTERM: the gateway closes
 * and node writes the profile as it exits.
 */
async function profileGateway(
  opts: GatewayBenchOptions,
  context: {
    loader: Loader;
    log: (line: string) => void;
    scratch: string;
    start: (extra: string[]) => Promise<Started>;
    moveLoad: (core: 0 | 1) => void;
    pinned: boolean;
    stop: (started: Started) => Promise<void>;
    natgw: Started;
    request: { path: string; token: string };
  },
): Promise<GatewayProfile> {
  const dir = join(context.scratch, 'profile');
  mkdirSync(dir);
  const gateway = await context.start([
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    '--cpu-prof-name',
    'gateway.cpuprofile',
  ]);
  const target: Running = { name: 'gateway', base: gateway.match[1] as string, proxy: gateway };
  context.moveLoad(1);
  const seconds = opts.profileSeconds;
  let sample: GatewaySample;
  let system: number | null = null;
  let window: { from: number; to: number };
  try {
    // A fresh process: warmed up as the measured ones, or for 1 s at least (--quick).
    if (opts.warmup > 0)
      await warmUp(context.loader, target, context.natgw, context.request, opts, context.log);
    else await measure(context.loader, target, context.natgw, context.request, 1, opts.connections);
    const before = cpuTimes(gateway.pid);
    const from = Number(process.hrtime.bigint() / 1000n);
    sample = await measure(context.loader, target, context.natgw, context.request, seconds, opts.connections);
    const to = Number(process.hrtime.bigint() / 1000n);
    window = { from, to };
    const after = cpuTimes(gateway.pid);
    if (before && after) {
      const total = after.user + after.system - before.user - before.system;
      system = total > 0 ? round2((after.system - before.system) / total) : null;
    }
  } finally {
    context.moveLoad(0);
    await context.stop(gateway);
  }
  const file = join(dir, 'gateway.cpuprofile');
  if (!existsSync(file)) throw new Error(`the profiled gateway wrote no profile:\n${gateway.output()}`);
  const summary = summariseProfile(file, window);
  let kept: string | undefined;
  if (opts.cpuprofile) {
    copyFileSync(file, opts.cpuprofile);
    kept = opts.cpuprofile;
  }
  context.log(
    `profile: gateway under node --cpu-prof, ${Math.round(sample.rps)} req/s, ${sample.cpuUs.proxy} µs CPU/answer, ` +
      `statuses ${describe(sample)}`,
  );
  return {
    ...summary,
    seconds,
    rps: Math.round(sample.rps),
    statuses: sample.statuses,
    cpuUs: sample.cpuUs.proxy,
    systemShare: system,
    pinning: context.pinned
      ? 'the gateway alone on core 0, the load with natgw on core 1'
      : 'not pinned: where the gateway shares a core with the load, socket writes look dearer',
    ...(kept ? { file: kept } : {}),
  };
}

/** Microseconds as the report prints them. */
function usText(value: number | null): string {
  return value === null ? '-' : value.toFixed(1);
}

/** The text report of the gateway part. */
export function gatewayText(report: GatewayReport): string {
  const busy = (value: number | null | undefined) => (value == null ? '-' : `${Math.round(value * 100)}%`);
  const us = (value: number | null) => (value === null ? '-' : value.toFixed(1));
  const lines = [
    `gateway part: GET ${report.route.path} with X-Auth-Token (natgw, SQLite), expected 200; ${report.pinning}`,
    `${report.nginx.note}; ratio = req/s / direct's req/s; µs: CPU per answer (all threads) of natgw, ` +
      'the proxy, both, the load generator; natgw, proxy, load: cores busy',
  ];
  if (report.distNote) lines.push(`warning: ${report.distNote}`);
  lines.push(
    '',
    `${'target'.padEnd(11)}${'req/s'.padStart(8)}${'p99 ms'.padStart(9)}${'ratio'.padStart(7)}` +
      `${'natgw µs'.padStart(10)}${'proxy µs'.padStart(10)}${'total µs'.padStart(10)}${'load µs'.padStart(9)}` +
      `${'CPU cap'.padStart(9)}` +
      `${'natgw'.padStart(7)}${'proxy'.padStart(7)}${'load'.padStart(6)}  status`,
  );
  for (const name of gatewayTargets) {
    const cell = report.results[name];
    if (!cell) {
      lines.push(`${name.padEnd(11)}not measured`);
      continue;
    }
    const middle = cell.rounds[cell.rounds.length >> 1];
    const retries = cell.retried.length
      ? ` (${cell.retried.length} run(s) measured again: ${cell.retried.map(describe).join(' ')})`
      : '';
    const status = cell.valid
      ? `${cell.expected}${retries}`
      : `INVALID: expected ${cell.expected}, got ${cell.rounds.map(describe).join(' ')}`;
    lines.push(
      `${name.padEnd(11)}${String(cell.rps).padStart(8)}${cell.p99.toFixed(2).padStart(9)}` +
        `${cell.ratio.toFixed(2).padStart(7)}${us(cell.cpuUs.natgw).padStart(10)}${us(cell.cpuUs.proxy).padStart(10)}` +
        `${us(cell.cpuUs.total).padStart(10)}${us(cell.cpuUs.loader).padStart(9)}` +
        `${(cell.capacity === null ? '-' : String(cell.capacity)).padStart(9)}${busy(middle?.busy.natgw).padStart(7)}` +
        `${busy(middle?.busy.proxy).padStart(7)}${busy(middle?.busy.loader).padStart(6)}  ${status}`,
    );
  }
  const gateway = report.results.gateway;
  const nginx = report.results.nginx;
  if (gateway && nginx) lines.push('', `gateway / nginx: ${round2(gateway.rps / nginx.rps).toFixed(2)}`);
  const floor = report.results['node-proxy'];
  const times = (a: number | null | undefined, b: number | null | undefined) =>
    a && b ? `${(a / b).toFixed(2)} ×` : '-';
  lines.push(
    `proxy CPU per answer: gateway ${times(gateway?.cpuUs.proxy, nginx?.cpuUs.proxy)} nginx's, ` +
      `${times(gateway?.cpuUs.proxy, floor?.cpuUs.proxy)} node-proxy's (no contract); ` +
      `node-proxy ${times(floor?.cpuUs.proxy, nginx?.cpuUs.proxy)} nginx's`,
  );
  const estimate = (value: number | null | undefined) => (value == null ? '-' : value.toFixed(2));
  lines.push(
    `on a quiet machine (CPU cap: the req/s the CPU per answer allows with natgw alone on its core, ` +
      `the proxy and the load on theirs, nothing else running): gateway / direct ` +
      `${estimate(report.estimates['gateway/direct'])}, gateway / nginx ${estimate(report.estimates['gateway/nginx'])}`,
  );
  const paired = report.paired;
  const pairedRatios = paired.rounds.map(({ a, b }) =>
    a.cpuUs.proxy && b.cpuUs.proxy ? (a.cpuUs.proxy / b.cpuUs.proxy).toFixed(2) : '-',
  );
  lines.push(
    `paired (the gateway and node-proxy at the same time, ${paired.rounds.length} round(s)): proxy CPU per answer ` +
      `gateway ${us(paired.cpuUs.gateway)}, node-proxy ${us(paired.cpuUs.nodeProxy)} µs; ` +
      `gateway / node-proxy ${Number.isNaN(paired.ratio) ? '-' : paired.ratio.toFixed(2)} (rounds: ${pairedRatios.join(', ')})`,
  );
  lines.push('', 'targets (ratios of median req/s; the CPU target of the paired rounds):');
  for (const target of report.targets)
    lines.push(
      `  ${target.verdict.padEnd(7)} ${target.value.toFixed(2).padStart(5)}  ${target.name}` +
        (target.detail ? `  (${target.detail})` : ''),
    );
  const profile = report.profile;
  if (profile) {
    lines.push(
      '',
      `profile of the gateway (node --cpu-prof, one run of ${profile.seconds} s, ${profile.rps} req/s, ` +
        `${profile.cpuUs ?? '-'} µs CPU/answer of which kernel ${profile.systemShare === null ? '-' : `${Math.round(profile.systemShare * 100)}%`}; ` +
        `${Math.round(profile.busyMs)} ms busy, ${Math.round(profile.idleMs)} ms idle, ${profile.samples} samples, ${profile.window}; ` +
        `${profile.pinning}):`,
      '  charged: Node and native time charged to the library or statuskit code that called it;',
      "  self: the module's own code; incl.: with the module anywhere on the stack",
      `  ${'charged'.padStart(7)} ${'self'.padStart(6)} ${'incl.'.padStart(6)}  module`,
    );
    const pct = (share: number | null) => (share === null ? '' : `${(share * 100).toFixed(1)}%`);
    for (const category of profile.categories)
      lines.push(
        `  ${pct(category.charged).padStart(7)} ${pct(category.share).padStart(6)} ` +
          `${pct(category.inclusive).padStart(6)}  ${category.name}`,
      );
    lines.push('  native functions with the most self time, by the module that called them:');
    for (const fn of profile.natives)
      lines.push(
        `  ${pct(fn.share).padStart(7)}  ${fn.name}: ${fn.callers
          .slice(0, 4)
          .map((caller) => `${caller.name} ${pct(caller.share)}`)
          .join(', ')}`,
      );
    lines.push('  top functions by self time:');
    for (const fn of profile.functions)
      lines.push(`  ${pct(fn.share).padStart(6)}  ${fn.name} ${fn.where} [${fn.category}]`);
    lines.push("  statuskit's own functions by inclusive time:");
    for (const fn of profile.statuskit) lines.push(`  ${pct(fn.share).padStart(6)}  ${fn.name} ${fn.where}`);
    if (profile.file) lines.push(`  raw profile: ${profile.file}`);
  }
  return lines.join('\n');
}
