/**
 * Pipelining: one connection writes 15 000 `GET /v2.0/nat_gateways` (short: 5 000, against an
 * in-flight limit of 64) at once, to natgw and then through the gateway, and reads its answers;
 * meanwhile 4 normal clients make 10 requests each, one at a time. One connection may take its
 * share of the in-flight slots (16), not all of them: the normal clients get 200, never 503, and
 * the pipelining connection gets every answer, 200 and in order.
 */
import { connect } from 'node:net';
import { api, bump, tally } from '../lib/api.js';
import { type Context, ms, Report, type Scenario } from '../lib/scenario.js';
import { sleep } from '../lib/scope.js';
import { startSystem } from '../lib/system.js';

export const pipelining: Scenario = {
  name: 'pipelining',
  budget: { full: 120_000, short: 60_000 },
  run,
};

interface Flood {
  /** Statuses of the answers, in the order they came. */
  statuses: number[];
  /** The request ids sent and the ones answered match, in order. */
  inOrder: boolean;
  ms: number;
}

/** Writes `count` requests on one connection at once and reads the answers until all have come. */
function flood(port: number, token: string, count: number, timeout: number): Promise<Flood> {
  const started = performance.now();
  const requests = Array.from(
    { length: count },
    (_, index) =>
      `GET /v2.0/nat_gateways HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: ${token}\r\nX-Request-Id: flood-${index}\r\n\r\n`,
  );
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const statuses: number[] = [];
    let inOrder = true;
    let pending = '';
    const finish = () => {
      clearTimeout(limit);
      socket.destroy();
      resolve({ statuses, inOrder, ms: performance.now() - started });
    };
    const limit = setTimeout(finish, timeout);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = pending.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) break;
        const id = /\r\nx-request-id: *([^\r\n]*)/i.exec(head)?.[1];
        if (id !== `flood-${statuses.length}`) inOrder = false;
        statuses.push(Number(head.split(' ', 2)[1]));
        pending = pending.slice(end + 4 + length);
      }
      if (statuses.length >= count) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(requests.join(''));
  });
}

async function run({ short, scope, log }: Context) {
  const report = new Report();
  const count = short ? 5_000 : 15_000;
  const limit = short ? { maxInFlight: 64 } : {};
  const system = await startSystem({
    scope,
    engine: 'sqlite',
    gatewayConfig: { ...limit },
    ...(short ? { natgwEnv: { NATGW_MAX_IN_FLIGHT: '64' } } : {}),
  });
  const natgw = system.natgws[0];
  if (!natgw) throw new Error('no natgw');
  const setup = api(system.gateway.url, 1);
  const token = await setup.token();
  await setup.close();

  const normal = new Map<string, number>();
  const floods = new Map<string, Flood>();
  /** Normal answers that came while the pipelining connection was still being answered. */
  let during = 0;
  for (const [name, base, port] of [
    ['natgw', natgw.url, natgw.port],
    ['gateway', system.gateway.url, system.gateway.port],
  ] as const) {
    log(`${count} pipelined requests on one connection to ${name}`);
    let flooding = true;
    const pipelined = flood(port, token, count, short ? 40_000 : 80_000).then((result) => {
      flooding = false;
      return result;
    });
    await sleep(200);
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const client = api(base, 1);
        for (let i = 0; i < 10; i++) {
          const answer = await client.request('GET', '/v2.0/nat_gateways', { token, timeout: 10_000 });
          bump(normal, `${name}:${answer.status || answer.error}`);
          if (flooding) during++;
        }
        await client.close();
      }),
    );
    floods.set(name, await pipelined);
  }

  report.figure('pipelined', `${count}×2`);
  report.figure('normal', tally(normal));
  report.figure('normal-during-flood', during);
  for (const [name, result] of floods) {
    const statuses = new Map<number, number>();
    for (const status of result.statuses) bump(statuses, status);
    report.figure(`${name}-pipelined`, `${tally(statuses)} in ${ms(result.ms)}`);
    report.check(
      result.statuses.length === count && statuses.get(200) === count && result.inOrder,
      `${name}: the pipelining connection did not get its ${count} answers, 200 and in order: ${tally(statuses)}${result.inOrder ? '' : ' (out of order)'}`,
    );
  }
  report.check(
    normal.get('natgw:200') === 40 && normal.get('gateway:200') === 40,
    `normal clients were not all served beside the pipelining connection: ${tally(normal)}`,
  );
  report.check(during > 0, 'no normal answer came while a pipelining connection was answered: no overlap');
  report.check(natgw.alive() && system.gateway.alive(), 'a process died');
  return report.outcome();
}
