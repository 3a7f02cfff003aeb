/**
 * Descriptors: natgw and the gateway each run with 1 024 file descriptors (`prlimit
 * --nofile=1024:1024`), and 1 100 idle TCP connections are opened to each of them and held for
 * 8 s (4 s in the short form). Both processes
 * stay up: the connections past the cap are closed at once rather than running the process out
 * of descriptors. Meanwhile clients already connected (a keep-alive connection to natgw, and
 * one through the gateway) are still answered 200, and once the idle connections are gone new
 * connections are answered 200 again, without any restart.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { api, bump, tally } from '../lib/api.js';
import { type Context, Report, type Scenario } from '../lib/scenario.js';
import { sleep } from '../lib/scope.js';
import { startSystem } from '../lib/system.js';

const nofile = 1024;
/** Idle connections to each process: past both caps, and past the descriptor limit. */
const idle = 1_100;

export const descriptors: Scenario = {
  name: 'descriptors',
  budget: { full: 90_000, short: 60_000 },
  run,
};

/** What became of one idle connection by the time the flood was released. */
type Fate = 'open' | 'closed' | 'refused' | 'error';

/** Opens `count` connections that send nothing; resolves once each is connected or has failed. */
async function flood(port: number, count: number): Promise<{ sockets: Socket[]; fates: () => Fate[] }> {
  const sockets: Socket[] = [];
  const fates: Fate[] = [];
  await Promise.all(
    Array.from(
      { length: count },
      (_, index) =>
        new Promise<void>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          sockets.push(socket);
          fates[index] = 'open';
          socket.on('connect', () => resolve());
          socket.on('error', (error: NodeJS.ErrnoException) => {
            fates[index] = error.code === 'ECONNREFUSED' ? 'refused' : 'error';
            resolve();
          });
          socket.on('close', () => {
            if (fates[index] === 'open') fates[index] = 'closed';
            resolve();
          });
        }),
    ),
  );
  return { sockets, fates: () => [...fates] };
}

/** This runner's own soft descriptor limit: it opens the idle connections itself. */
function ownLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  return Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? Number.POSITIVE_INFINITY);
}

async function run({ short, scope, log }: Context) {
  const report = new Report();
  const needed = 2 * idle + 256;
  if (ownLimit() < needed) {
    report.check(
      false,
      `the runner itself needs ${needed} descriptors: run it under ulimit -n ${needed} or more`,
    );
    return report.outcome();
  }
  const system = await startSystem({ scope, engine: 'sqlite', nofile });
  const natgw = system.natgws[0];
  if (!natgw) throw new Error('no natgw');
  const count = idle;
  const holdMs = short ? 4_000 : 8_000;

  // One keep-alive connection each, opened before the flood.
  const direct = api(natgw.url, 1);
  const through = api(system.gateway.url, 1);
  scope.defer(() => direct.close());
  scope.defer(() => through.close());
  const token = await through.token();
  const get = (client: typeof direct) =>
    client.request('GET', '/v2.0/nat_gateways', { token, timeout: 5_000 });
  for (const client of [direct, through]) {
    const answer = await get(client);
    if (answer.status !== 200) throw new Error(`before the flood: ${answer.status} ${answer.error ?? ''}`);
  }

  log(`${count} idle connections to each process`);
  const floods = await Promise.all([flood(natgw.port, count), flood(system.gateway.port, count)]);
  await sleep(holdMs / 2);
  const during = new Map<string, number>();
  for (let round = 0; round < 5; round++) {
    for (const [name, client] of [
      ['natgw', direct],
      ['gateway', through],
    ] as const) {
      const answer = await get(client);
      bump(during, `${name}:${answer.status || answer.error}`);
    }
  }
  await sleep(holdMs / 2);
  const fates = floods.map((one) => {
    const counts = new Map<Fate, number>();
    for (const fate of one.fates()) bump(counts, fate);
    return counts;
  });
  const bothAlive = natgw.alive() && system.gateway.alive();
  for (const one of floods) for (const socket of one.sockets) socket.destroy();

  log('after the flood');
  let after = new Map<string, number>();
  for (let attempt = 0; attempt < 20; attempt++) {
    after = new Map();
    for (const base of [natgw.url, system.gateway.url]) {
      const fresh = api(base, 1);
      const answer = await get(fresh);
      await fresh.close();
      bump(after, `${base === natgw.url ? 'natgw' : 'gateway'}:${answer.status || answer.error}`);
    }
    if (after.get('natgw:200') === 1 && after.get('gateway:200') === 1) break;
    await sleep(250);
  }

  report.figure('nofile', nofile);
  report.figure('idle', `${count}×2`);
  report.figure('natgw-idle', tally(fates[0] ?? new Map()));
  report.figure('gateway-idle', tally(fates[1] ?? new Map()));
  report.figure('during', tally(during));
  report.figure('after', tally(after));
  report.check(
    bothAlive,
    `a process died: ${natgw.alive() ? '' : natgw.output().slice(-600)}${system.gateway.alive() ? '' : system.gateway.output().slice(-600)}`,
  );
  report.check(
    during.get('natgw:200') === 5 && during.get('gateway:200') === 5,
    `clients connected before the flood were not served: ${tally(during)}`,
  );
  report.check(
    after.get('natgw:200') === 1 && after.get('gateway:200') === 1,
    `new connections were not served after the flood: ${tally(after)}`,
  );
  return report.outcome();
}
