/**
 * Graceful shutdown: SIGTERM during load. Two natgw instances on PostgreSQL behind the gateway.
 *
 * 1. SIGTERM one natgw while clients use it directly and through the gateway, with requests in
 *    flight whose bodies are still arriving (sent in ten pieces over 1.5 s). Those finish (201);
 *    later requests to it get 503 with Retry-After or find the port closed; through the gateway
 *    GETs keep getting 200 and POSTs 201 or 503 (the gateway fails them over to the other
 *    instance); it exits with status 0 within its grace period.
 * 2. SIGTERM the gateway while clients use it, with slow-bodied requests in flight and three
 *    slowloris connections open. The in-flight requests finish, later ones get 503 or a closed
 *    port, and it exits within its grace period although the slowloris connections never finish.
 *    (The short form opens no slowloris connection: they would hold it the whole 15 s.)
 *
 * A client talking to a process directly may also see its connection reset before any answer
 * (`reset`): Node closes idle keep-alive connections when it starts closing, and connections
 * still in the listening socket's queue when it stops listening; like a refused connection, the
 * request never reached the server, and the client retries it. Through the gateway that is the
 * gateway's to hide: it may not turn it into a 502.
 *
 * The grace period: neither process has a setting of its own; a closing server stops accepting,
 * lets requests in flight finish, and cuts connections still open when the longest request may
 * take (the request timeout, 15 s for both here) has passed. So: 15 s, plus 2 s of slack.
 */
import { connect } from 'node:net';
import { type Api, api, bump, gatewayBody, tally, uniqueName } from '../lib/api.js';
import type { Proc } from '../lib/processes.js';
import { exchange, requestBytes } from '../lib/raw.js';
import { type Context, ms, Report, type Scenario } from '../lib/scenario.js';
import { type Scope, sleep } from '../lib/scope.js';
import { startSystem } from '../lib/system.js';

const grace = 15_000;
/** Scheduling on a busy machine, on top of the grace period. */
const slack = 2_000;

export const shutdown: Scenario = {
  name: 'shutdown',
  budget: { full: 90_000, short: 70_000 },
  run,
};

/**
 * A create whose body arrives in ten pieces over 1.5 s. It asks for `100 Continue`, which the
 * server sends as it takes the request up: `started` resolves then (or after 10 s), `status`
 * with the answer's status (0: none).
 */
function slowCreate(port: number, token: string): { started: Promise<void>; status: Promise<number> } {
  const body = JSON.stringify(gatewayBody(uniqueName('term')));
  const bytes = requestBytes(
    'POST',
    '/v2.0/nat_gateways',
    [
      ['Host', '127.0.0.1'],
      ['X-Auth-Token', token],
      ['Content-Type', 'application/json'],
      ['Content-Length', String(Buffer.byteLength(body))],
      ['Expect', '100-continue'],
    ],
    body,
  );
  const head = bytes.length - Buffer.byteLength(body);
  const pieces = [bytes.subarray(0, head)];
  const step = Math.ceil((bytes.length - head) / 9);
  for (let at = head; at < bytes.length; at += step) pieces.push(bytes.subarray(at, at + step));
  let taken = () => {};
  const started = Promise.race([
    new Promise<void>((resolve) => {
      taken = resolve;
    }),
    sleep(10_000),
  ]);
  const status = exchange(port, pieces, { pace: 150, timeout: 20_000, onInterim: () => taken() }).then(
    (answer) => answer.status,
  );
  return { started, status };
}

/** Starts `count` slow creates and resolves once the server has taken all of them up. */
async function inFlight(port: number, token: string, count: number): Promise<Promise<number>[]> {
  const creates = Array.from({ length: count }, () => slowCreate(port, token));
  await Promise.all(creates.map((create) => create.started));
  return creates.map((create) => create.status);
}

/** A connection that sends header bytes forever, one every 200 ms, until the scope closes. */
function slowloris(scope: Scope, port: number): void {
  const socket = connect(port, '127.0.0.1');
  const text = `GET /v2.0 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(10_000)}`;
  let at = 0;
  const timer = setInterval(() => socket.writable && socket.write(text[at++ % text.length] ?? 'a'), 200);
  socket.on('error', () => {});
  socket.on('close', () => clearInterval(timer));
  scope.defer(() => {
    clearInterval(timer);
    socket.destroy();
  });
}

type Tally = Map<number | string, number>;

/** Requests in a loop until `done()`; statuses (or `refused`, `closed`, …) counted; 503s without Retry-After too. */
async function loop(
  client: Api,
  method: 'GET' | 'POST',
  token: string,
  path: string,
  tally: Tally,
  done: () => boolean,
) {
  while (!done()) {
    const answer =
      method === 'GET'
        ? await client.request('GET', path, { token })
        : await client.request('POST', path, { token, body: gatewayBody(uniqueName('t')) });
    if (answer.status === 0) {
      // Refused: the port is closed. Reset: the connection was cut before any answer, when the
      // server closed it idle or closed its listening socket with the connection still queued.
      const how =
        answer.error === 'ECONNREFUSED'
          ? 'refused'
          : answer.error === 'ECONNRESET' || answer.error === 'UND_ERR_SOCKET'
            ? 'reset'
            : `dropped(${answer.error})`;
      bump(tally, how);
      if (how !== `dropped(${answer.error})`) await sleep(20);
      continue;
    }
    bump(tally, answer.status);
    if (answer.status === 503 && answer.headers['retry-after'] === undefined)
      bump(tally, '503-without-retry-after');
  }
}

function keys(map: Tally): (number | string)[] {
  return [...map.keys()];
}

async function term(proc: Proc): Promise<{ ms: number; code: number | null }> {
  const started = performance.now();
  proc.signal('SIGTERM');
  const exit = await Promise.race([proc.exited, sleep(grace + 5_000).then(() => undefined)]);
  return exit ? { ms: exit.at - started, code: exit.code } : { ms: Number.POSITIVE_INFINITY, code: null };
}

async function run({ short, scope, signal, log }: Context) {
  const report = new Report();
  const timeouts = { headers: 5_000, request: grace, checkInterval: 500 };
  const system = await startSystem({
    scope,
    engine: 'postgres',
    instances: 2,
    gatewayConfig: { clientTimeouts: timeouts },
  });
  const [one, two] = system.natgws;
  if (!one || !two) throw new Error('two instances expected');
  const front = api(system.gateway.url, 12);
  const direct = api(one.url, 4);
  for (const client of [front, direct]) scope.defer(() => client.close());
  const token = await front.token();
  const ids = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const answer = await front.request('POST', '/v2.0/nat_gateways', {
        token,
        body: gatewayBody(uniqueName('t')),
      });
      return (JSON.parse(answer.body) as { nat_gateway: { id: string } }).nat_gateway.id;
    }),
  );

  // 1. natgw.
  log('SIGTERM natgw-1 under load');
  let stop = false;
  const done = () => stop || signal.aborted;
  const viaGateway = { GET: new Map() as Tally, POST: new Map() as Tally };
  const toNatgw: Tally = new Map();
  const loops = [
    ...ids.map((id) => loop(front, 'GET', token, `/v2.0/nat_gateways/${id}`, viaGateway.GET, done)),
    ...ids
      .slice(0, 2)
      .map(() => loop(front, 'GET', token, '/v2.0/nat_gateways?limit=10', viaGateway.GET, done)),
    ...ids.map(() => loop(front, 'POST', token, '/v2.0/nat_gateways', viaGateway.POST, done)),
    ...ids.map((id) => loop(direct, 'GET', token, `/v2.0/nat_gateways/${id}`, toNatgw, done)),
  ];
  await sleep(short ? 500 : 1_500);
  const slow = await inFlight(one.port, token, 10);
  const natgwExit = await term(one);
  await sleep(500);
  stop = true;
  await Promise.all(loops);
  const finished = await Promise.all(slow);

  report.figure('natgw-exit', `${ms(natgwExit.ms)}(code ${natgwExit.code})`);
  report.figure('in-flight', `${finished.filter((status) => status === 201).length}/${finished.length}`);
  report.figure('direct', tally(toNatgw).replace(/ /g, ','));
  report.figure(
    'via-gateway',
    `GET:${tally(viaGateway.GET).replace(/ /g, ',')};POST:${tally(viaGateway.POST).replace(/ /g, ',')}`,
  );
  report.check(
    natgwExit.code === 0 && natgwExit.ms <= grace + slack,
    `natgw exit: ${ms(natgwExit.ms)}, status ${natgwExit.code}`,
  );
  report.check(
    finished.every((status) => status === 201),
    `requests in flight at SIGTERM: ${finished.join(',')}`,
  );
  report.check(
    keys(toNatgw).every((key) => key === 200 || key === 503 || key === 'refused' || key === 'reset'),
    `direct answers during shutdown: ${tally(toNatgw)}`,
  );
  report.check(
    keys(viaGateway.GET).every((key) => key === 200),
    `GETs through the gateway: ${tally(viaGateway.GET)}`,
  );
  // Why the gateway failed requests, from its log: the failure kind and the error's code.
  const why = new Map<string, number>();
  for (const line of system.gateway.output().split('\n')) {
    if (!line.includes('upstream failed')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; failure?: string; err?: { code?: string } };
      if (entry.msg?.startsWith('upstream failed')) bump(why, `${entry.failure}:${entry.err?.code}`);
    } catch {}
  }
  report.check(
    keys(viaGateway.POST).every((key) => key === 201 || key === 503),
    `POSTs through the gateway: ${tally(viaGateway.POST)} (the gateway's upstream failures: ${tally(why)})`,
  );

  // 2. The gateway, with slowloris connections open (in the full form).
  log('SIGTERM the gateway under load');
  if (!short) for (let i = 0; i < 3; i++) slowloris(scope, system.gateway.port);
  stop = false;
  const atGateway: Tally = new Map();
  const more = [
    ...ids.map((id) => loop(front, 'GET', token, `/v2.0/nat_gateways/${id}`, atGateway, done)),
    ...ids.map(() => loop(front, 'POST', token, '/v2.0/nat_gateways', atGateway, done)),
  ];
  await sleep(short ? 500 : 1_500);
  const slowGateway = await inFlight(system.gateway.port, token, 10);
  const gatewayExit = await term(system.gateway);
  stop = true;
  await Promise.all(more);
  const finishedGateway = await Promise.all(slowGateway);

  report.figure('gateway-exit', `${ms(gatewayExit.ms)}(code ${gatewayExit.code})`);
  report.figure(
    'in-flight',
    `${finishedGateway.filter((status) => status === 201).length}/${finishedGateway.length}`,
  );
  report.figure('at-gateway', tally(atGateway).replace(/ /g, ','));
  report.figure('grace', ms(grace));
  report.check(
    gatewayExit.code === 0 && gatewayExit.ms <= grace + slack,
    `gateway exit: ${ms(gatewayExit.ms)}, status ${gatewayExit.code}`,
  );
  report.check(
    finishedGateway.every((status) => status === 201),
    `requests in flight at the gateway's SIGTERM: ${finishedGateway.join(',')}`,
  );
  report.check(
    keys(atGateway).every((key) => [200, 201, 503, 'refused', 'reset'].includes(key)),
    `answers of the gateway during its shutdown: ${tally(atGateway)}`,
  );
  report.check(two.alive(), 'natgw-2 died');
  return report.outcome();
}
