/**
 * Big bodies: 1 000 connections, started within 2 s, each send the gateway a POST with a body of
 * 1 MiB − 1 byte (its body limit): all of it but the last byte, which follows once every client
 * has sent the rest or been answered (at most 20 s later). The gateway holds a request's body
 * until an
 * upstream has it, so what it holds at once must stay within its body budget: its peak RSS
 * stays under 512 MiB. Every connection gets an answer inside the contract (natgw's 400 or 401
 * for what was forwarded, 503 with `Retry-After` past the budget, 408 for a body that took the
 * machine longer than the gateway's 30 s request timeout to send), and the gateway serves
 * normally afterwards.
 */
import { api, bump, tally } from '../lib/api.js';
import { exchange, header, requestBytes } from '../lib/raw.js';
import { type Context, mib, Report, type Scenario } from '../lib/scenario.js';
import { sleep } from '../lib/scope.js';
import { startSystem } from '../lib/system.js';

const maxRssKb = 512 * 1024;
/** The longest a client holds back the last byte of its body (the request timeout is 30 s). */
const holdMs = 20_000;

export const bigBodies: Scenario = {
  name: 'big-bodies',
  budget: { full: 150_000, short: 120_000 },
  run,
};

async function run({ scope, log }: Context) {
  const report = new Report();
  const system = await startSystem({ scope, engine: 'sqlite' });
  const count = 1_000;
  const size = 1024 * 1024 - 1;
  const body = `{"nat_gateway":{"name":"${'a'.repeat(size - 28)}"}}`;
  const request = requestBytes(
    'POST',
    '/v2.0/nat_gateways',
    [
      ['Host', '127.0.0.1'],
      ['Content-Type', 'application/json'],
      ['Content-Length', String(Buffer.byteLength(body))],
    ],
    body,
  );
  const before = system.gateway.memory();

  log(`${count} bodies of ${size} bytes at once`);
  let peakKb = 0;
  const sampler = setInterval(() => {
    peakKb = Math.max(peakKb, system.gateway.memory()?.peakKb ?? 0);
  }, 100);
  const started = performance.now();
  // Started 2 ms apart: a thousand connects at once overflow the listen backlog (511), and
  // the kernel's SYN retries (1, 3, 7, 15, 31 s) would measure the backlog, not the gateway.
  // All but the last byte; the last bytes once every client has handed its body to the kernel or
  // been answered (and 1 s more), so that every body the gateway takes is in its hands at once.
  const pieces = [request.subarray(0, request.length - 1), request.subarray(request.length - 1)];
  let waiting = count;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const arrived = () => {
    if (--waiting === 0) setTimeout(release, 1_000);
  };
  // No client waits for the others longer than the gateway's request timeout allows.
  const latest = setTimeout(release, holdMs);
  const answers = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      await sleep(index * 2);
      let counted = false;
      const once = () => {
        if (!counted) arrived();
        counted = true;
      };
      const answer = await exchange(system.gateway.port, pieces, {
        timeout: 90_000,
        onWritten: (piece) => piece === 0 && once(),
        before: () => released,
      });
      once();
      return answer;
    }),
  );
  clearTimeout(latest);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakKb = Math.max(peakKb, system.gateway.memory()?.peakKb ?? 0);

  const statuses = new Map<string, number>();
  for (const answer of answers) bump(statuses, answer.status || answer.error || 'none');
  const bare503 = answers.filter((answer) => answer.status === 503 && !header(answer, 'retry-after'));
  const client = api(system.gateway.url, 1);
  scope.defer(() => client.close());
  const token = await client.token().catch((error: Error) => error.message);
  const afterwards = await client.request('GET', '/v2.0/nat_gateways', { token });

  report.figure('bodies', `${count}×1MiB`);
  report.figure('answers', tally(statuses));
  report.figure('took', `${seconds.toFixed(1)}s`);
  report.figure('rss-before', mib(before?.rssKb ?? 0));
  report.figure('peak-rss', mib(peakKb));
  report.check(system.gateway.alive(), `the gateway died:\n${system.gateway.output().slice(-600)}`);
  report.check(peakKb > 0 && peakKb < maxRssKb, `peak RSS ${mib(peakKb)} (limit ${mib(maxRssKb)})`);
  report.check(
    [...statuses.keys()].every((status) => ['400', '401', '408', '503'].includes(String(status))),
    `answers outside 400, 401, 408, 503: ${tally(statuses)}`,
  );
  report.check(bare503.length === 0, `${bare503.length} answers 503 without Retry-After`);
  report.check(afterwards.status === 200, `afterwards: ${afterwards.status} ${afterwards.error ?? ''}`);
  return report.outcome();
}
