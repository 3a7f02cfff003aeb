/**
 * Slow bodies: more connections than the in-flight limit (1 030 against the default 1 024; in
 * the short form 100 against a limit of 64) each send a POST's headers and one byte of a
 * 1 000-byte body, to natgw and to the gateway alike, and then nothing. They are still
 * sending their request, so they must not take the capacity meant for work: meanwhile 20
 * normal requests to each process on fresh connections get 200, not 503. And every slow one
 * still gets its 408 within the request timeout (15 s) plus 2 s.
 */
import { connect } from 'node:net';
import { api, bump, tally } from '../lib/api.js';
import { type Context, ms, Report, type Scenario } from '../lib/scenario.js';
import { sleep } from '../lib/scope.js';
import { startSystem } from '../lib/system.js';

/** natgw's own timeouts, given to the gateway too. */
const timeouts = { headers: 5_000, request: 15_000, checkInterval: 500 };
const slack = 2_000;

export const slowBodies: Scenario = {
  name: 'slow-bodies',
  budget: { full: 90_000, short: 60_000 },
  run,
};

/** Headers and the first byte of the body, then silence; resolves with the answer's status (0: none). */
function slowBody(port: number, token: string): Promise<{ status: number; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const settle = (status: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(limit);
      socket.destroy();
      resolve({ status, ms: performance.now() - started });
    };
    const limit = setTimeout(() => settle(0), timeouts.request + slack + 5_000);
    socket.on('connect', () =>
      socket.write(
        `POST /v2.0/nat_gateways HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: ${token}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
      ),
    );
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      if (status) settle(Number(status));
    });
    socket.on('error', () => settle(0));
    socket.on('close', () => settle(0));
  });
}

async function run({ short, scope, log }: Context) {
  const report = new Report();
  const limit = short ? { maxInFlight: 64 } : {};
  const count = short ? 100 : 1_030;
  const system = await startSystem({
    scope,
    engine: 'sqlite',
    gatewayConfig: { clientTimeouts: timeouts, ...limit },
    ...(short ? { natgwEnv: { NATGW_MAX_IN_FLIGHT: '64' } } : {}),
  });
  const natgw = system.natgws[0];
  if (!natgw) throw new Error('no natgw');
  const setup = api(system.gateway.url, 1);
  const token = await setup.token();
  await setup.close();

  log(`${count} slow bodies to each process`);
  const slow = [natgw.port, system.gateway.port].flatMap((port) =>
    Array.from({ length: count }, () => slowBody(port, token)),
  );
  await sleep(1_500);
  const normal = new Map<string, number>();
  for (const [name, base] of [
    ['natgw', natgw.url],
    ['gateway', system.gateway.url],
  ] as const) {
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const fresh = api(base, 1);
        const answer = await fresh.request('GET', '/v2.0/nat_gateways', { token, timeout: 10_000 });
        await fresh.close();
        bump(normal, `${name}:${answer.status || answer.error}`);
      }),
    );
  }
  const answers = await Promise.all(slow);
  const statuses = new Map<number, number>();
  for (const answer of answers) bump(statuses, answer.status);
  const slowest = Math.max(...answers.map((answer) => answer.ms));

  report.figure('slow', `${count}×2`);
  report.figure('normal', tally(normal));
  report.figure('slow-answers', tally(statuses));
  report.figure('408-by', ms(slowest));
  report.check(
    normal.get('natgw:200') === 20 && normal.get('gateway:200') === 20,
    `normal clients were not served while slow bodies came in: ${tally(normal)}`,
  );
  report.check(statuses.get(408) === answers.length, `slow bodies not all answered 408: ${tally(statuses)}`);
  report.check(slowest <= timeouts.request + slack, `a 408 came after ${ms(slowest)}`);
  report.check(natgw.alive() && system.gateway.alive(), 'a process died');
  return report.outcome();
}
