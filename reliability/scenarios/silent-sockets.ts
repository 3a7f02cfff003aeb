/**
 * Silent sockets: natgw and the gateway each run with 256 file descriptors (`prlimit
 * --nofile=256:256`: natgw holds 192 connections, the gateway 96), and 300 connections (short:
 * 200) are opened to each that send nothing, or half a request's headers, read their 408 (after
 * the 5 s headers timeout) and never close their side. Those past the cap are closed at once.
 * The server must let go of the half-closed ones within the linger (5 s) after their 408, not
 * hold them for as long as the client keeps its side open: within linger + 2 s of the last 408,
 * new clients of each process are answered 200 again, the silent clients still holding on.
 */
import { connect, type Socket } from 'node:net';
import { api, bump, tally } from '../lib/api.js';
import { type Context, ms, Report, type Scenario } from '../lib/scenario.js';
import { sleep } from '../lib/scope.js';
import { startSystem } from '../lib/system.js';

const nofile = 256;
/** natgw's own timeouts, given to the gateway too; the linger is the default of both. */
const timeouts = { headers: 5_000, request: 15_000, checkInterval: 500 };
const linger = 5_000;
const slack = 2_000;

export const silentSockets: Scenario = {
  name: 'silent-sockets',
  budget: { full: 90_000, short: 60_000 },
  run,
};

/** One silent connection: its 408's arrival (0 and `closed` when none came: past the cap). */
interface Silent {
  socket: Socket;
  answer: Promise<{ status: number; at: number }>;
}

function silent(port: number, partial: boolean): Silent {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const answer = new Promise<{ status: number; at: number }>((resolve) => {
    let received = '';
    const limit = setTimeout(() => resolve({ status: 0, at: performance.now() }), timeouts.headers + 10_000);
    const settle = (status: number) => {
      clearTimeout(limit);
      resolve({ status, at: performance.now() });
    };
    socket.on('connect', () => {
      if (partial) socket.write('GET /v2.0/nat_gateways HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    });
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      if (status && received.includes('\r\n\r\n')) settle(Number(status));
    });
    // Past the cap the server closes at once; the client still keeps its own side open.
    socket.on('end', () => settle(0));
    socket.on('error', () => settle(0));
  });
  return { socket, answer };
}

async function run({ short, scope, log }: Context) {
  const report = new Report();
  const count = short ? 200 : 300;
  const system = await startSystem({
    scope,
    engine: 'sqlite',
    nofile,
    gatewayConfig: { clientTimeouts: timeouts },
  });
  const natgw = system.natgws[0];
  if (!natgw) throw new Error('no natgw');
  const setup = api(system.gateway.url, 1);
  const token = await setup.token();
  await setup.close();

  const targets = [
    ['natgw', natgw.url, natgw.port],
    ['gateway', system.gateway.url, system.gateway.port],
  ] as const;
  log(`${count} silent connections to each process`);
  const floods = targets.map(([, , port]) =>
    Array.from({ length: count }, (_, index) => silent(port, index % 2 === 1)),
  );
  scope.defer(() => {
    for (const flood of floods) for (const one of flood) one.socket.destroy();
  });

  const answered = new Map<string, number>();
  const freeAfter = new Map<string, number>();
  await Promise.all(
    targets.map(async ([name, base], index) => {
      const answers = await Promise.all((floods[index] ?? []).map((one) => one.answer));
      for (const answer of answers) bump(answered, `${name}:${answer.status || 'closed'}`);
      const last = Math.max(...answers.filter((answer) => answer.status > 0).map((answer) => answer.at));
      // New clients, one after another on fresh connections, until one is served.
      for (const until = last + linger + slack + 3_000; performance.now() < until; ) {
        const fresh = api(base, 1);
        const answer = await fresh.request('GET', '/v2.0/nat_gateways', { token, timeout: 1_000 });
        await fresh.close();
        if (answer.status === 200) {
          freeAfter.set(name, performance.now() - last);
          return;
        }
        await sleep(100);
      }
    }),
  );

  report.figure('nofile', nofile);
  report.figure('silent', `${count}×2`);
  report.figure('answers', tally(answered));
  report.figure('natgw-free-after-408', ms(freeAfter.get('natgw') ?? Number.NaN));
  report.figure('gateway-free-after-408', ms(freeAfter.get('gateway') ?? Number.NaN));
  for (const [name] of targets) {
    report.check(
      (answered.get(`${name}:408`) ?? 0) > 0 &&
        (answered.get(`${name}:408`) ?? 0) + (answered.get(`${name}:closed`) ?? 0) === count,
      `${name}: silent connections not answered 408 or closed at the cap: ${tally(answered)}`,
    );
    const after = freeAfter.get(name);
    report.check(
      after !== undefined && after <= linger + slack,
      `${name}: no new client served within the linger + ${slack / 1000} s of the last 408 (${ms(after ?? Number.NaN)})`,
    );
  }
  report.check(natgw.alive() && system.gateway.alive(), 'a process died');
  return report.outcome();
}
