/**
 * Slow clients: 200 connections (40 in the short form) that send their headers, or their body,
 * one byte every 250 ms, half to the gateway and half to natgw directly, each reconnecting as
 * soon as it is answered, for 18 s (16 s). Every one gets 408 within the configured timeout
 * (headers 5 s, whole request 15 s, checked every 0.5 s: natgw's settings, given to the gateway
 * in its config file) plus 2 s for the check interval and scheduling; and meanwhile normal
 * clients (8 connections through the gateway) keep at least 80 % of the throughput of an
 * undisturbed run (one before and one after), with nothing but 200s. Throughputs are medians of
 * the answers per second.
 */
import { connect, type Socket } from 'node:net';
import { api, bump, gatewayBody, json, quantile, tally, uniqueName } from '../lib/api.js';
import { load } from '../lib/load.js';
import { type Context, ms, Report, type Scenario } from '../lib/scenario.js';
import { sleep } from '../lib/scope.js';
import { startSystem } from '../lib/system.js';

const timeouts = { headers: 5_000, request: 15_000, checkInterval: 500 };
/** How late a 408 may come after its timeout: the check interval plus scheduling on a busy machine. */
const slack = timeouts.checkInterval + 1_500;
/** Milliseconds between two bytes of a slow client. */
const pace = 250;

type Kind = 'headers' | 'body';

interface SlowResult {
  target: 'gateway' | 'natgw';
  kind: Kind;
  status: number;
  ms: number;
  /** Closed without an answer, or still unanswered past its deadline. */
  problem?: string;
}

export const slowClients: Scenario = {
  name: 'slow-clients',
  budget: { full: 110_000, short: 75_000 },
  run,
};

/**
 * One slow connection: a request line and headers that never end, or whole headers and then a
 * body that never ends, one byte every `pace` ms, until the server answers (or `deadline` ms pass).
 */
function slowOnce(
  port: number,
  kind: Kind,
  token: string,
  deadline: number,
): Promise<Omit<SlowResult, 'target'>> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket: Socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const head =
      kind === 'headers'
        ? 'GET /v2.0/nat_gateways HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '
        : `POST /v2.0/nat_gateways HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: ${token}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"nat_gateway":{"name":"';
    let sent = 0;
    let received = '';
    let settled = false;
    const settle = (status: number, problem?: string) => {
      if (settled) return;
      settled = true;
      clearInterval(dribble);
      clearTimeout(limit);
      socket.destroy();
      resolve({ kind, status, ms: performance.now() - started, ...(problem ? { problem } : {}) });
    };
    // The slow header goes out a byte at a time from the first byte; the slow body after whole headers.
    const bytes = Buffer.from(kind === 'headers' ? `${head}${'a'.repeat(100_000)}` : 'a'.repeat(100_000));
    if (kind === 'body') socket.write(head);
    const dribble = setInterval(() => {
      if (socket.writable && sent < bytes.length) socket.write(bytes.subarray(sent, sent + 1));
      sent++;
    }, pace);
    const limit = setTimeout(() => settle(0, 'no answer before the deadline'), deadline);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      if (status && received.includes('\r\n\r\n')) settle(Number(status));
    });
    socket.on('error', () => settle(0, 'connection error without an answer'));
    socket.on('close', () => settle(0, 'closed without an answer'));
  });
}

async function run({ short, scope, signal, log }: Context) {
  const report = new Report();
  const system = await startSystem({
    scope,
    engine: 'sqlite',
    gatewayConfig: { clientTimeouts: timeouts },
  });
  const natgw = system.natgws[0];
  if (!natgw) throw new Error('no natgw');
  const client = api(system.gateway.url, 4);
  scope.defer(() => client.close());
  const token = await client.token();
  const created = await client.request('POST', '/v2.0/nat_gateways', {
    token,
    body: gatewayBody(uniqueName('slow')),
  });
  const id = json<{ nat_gateway: { id: string } }>(created).nat_gateway.id;
  const normal = {
    url: `${system.gateway.url}/v2.0/nat_gateways/${id}`,
    headers: { 'x-auth-token': token },
    connections: 8,
    windowMs: 1_000,
  };
  const slowCount = short ? 40 : 200;
  const windowSeconds = short ? 16 : 18;
  const baselineSeconds = short ? 3 : 6;

  log('undisturbed run');
  // Warm-up: a fresh natgw and gateway take seconds of load (some 10 000 requests) to reach their
  // steady throughput; the short form needs it as much.
  await load({ ...normal, seconds: 6 });
  const before = await load({ ...normal, seconds: baselineSeconds });

  log(`${slowCount} slow connections for ${windowSeconds} s`);
  const results: SlowResult[] = [];
  let stop = false;
  const windowEnds = performance.now() + windowSeconds * 1000;
  const slots = Array.from({ length: slowCount }, async (_, index) => {
    const target = index % 2 === 0 ? system.gateway : natgw;
    const kind: Kind = index % 4 < 2 ? 'headers' : 'body';
    const limit = kind === 'headers' ? timeouts.headers : timeouts.request;
    // Spread the first connections over a second, so that their timeouts do not all fall together.
    await sleep((index * 1000) / slowCount);
    while (!stop && !signal.aborted) {
      const left = windowEnds - performance.now();
      // A connection that could not reach its timeout before the window ends is not started.
      if (left < limit) break;
      const result = await slowOnce(target.port, kind, token, limit + slack);
      results.push({ ...result, target: target === natgw ? 'natgw' : 'gateway' });
    }
  });
  const disturbed = await load({ ...normal, seconds: windowSeconds - 1 });
  stop = true;
  await Promise.all(slots);

  log('undisturbed run again');
  const after = await load({ ...normal, seconds: baselineSeconds });

  // Answers per whole second of a run: medians of these, not means, so that a burst of the
  // machine's other work in one second moves neither side.
  const perSecond = (stats: typeof before) =>
    stats.windows.slice(0, Math.floor(stats.seconds)).map((window) => window.length);
  const baseline = quantile([...perSecond(before), ...perSecond(after)], 0.5);
  const during = quantile(perSecond(disturbed), 0.5);
  const ratio = during / baseline;
  const statuses = new Map<string, number>();
  for (const result of results) bump(statuses, `${result.target}/${result.kind}:${result.status}`);
  const late = results.filter(
    (result) =>
      result.status === 408 &&
      result.ms > (result.kind === 'headers' ? timeouts.headers : timeouts.request) + slack,
  );
  const wrong = results.filter((result) => result.status !== 408);
  const times = (kind: Kind) =>
    results.filter((result) => result.kind === kind && result.status === 408).map((result) => result.ms);

  report.figure('slow', slowCount);
  report.figure('408', `${results.length - wrong.length}/${results.length}`);
  report.figure(
    '408-after(headers)',
    `${ms(quantile(times('headers'), 0.5))}..${ms(Math.max(...times('headers')))}`,
  );
  report.figure('408-after(body)', `${ms(quantile(times('body'), 0.5))}..${ms(Math.max(...times('body')))}`);
  report.figure('throughput', `${during.toFixed(0)}/s`);
  report.figure('undisturbed', `${baseline.toFixed(0)}/s`);
  report.figure('ratio', `${(100 * ratio).toFixed(0)}%`);

  report.check(results.length >= slowCount, `only ${results.length} slow connections ran to their answer`);
  report.check(
    wrong.length === 0,
    `slow connections not answered 408: ${tally(statuses)}; ${wrong
      .slice(0, 3)
      .map((w) => w.problem ?? w.status)
      .join(', ')}`,
  );
  report.check(
    late.length === 0,
    `${late.length} 408s came later than timeout + ${slack} ms (latest ${ms(Math.max(...late.map((l) => l.ms)))})`,
  );
  report.check(
    times('headers').length > 0 && times('body').length > 0,
    'a kind of slow client never got its 408',
  );
  report.check(ratio >= 0.8, `normal throughput fell to ${(100 * ratio).toFixed(0)}% of the undisturbed run`);
  for (const [name, stats] of [
    ['before', before],
    ['during', disturbed],
    ['after', after],
  ] as const) {
    const other = [...stats.statuses.keys()].filter((status) => status !== 200);
    report.check(
      other.length === 0 && stats.errors === 0 && stats.timeouts === 0,
      `normal clients ${name}: ${tally(stats.statuses)}, ${stats.errors} errors, ${stats.timeouts} timeouts`,
    );
  }
  report.check(natgw.alive() && system.gateway.alive(), 'a process died');
  return report.outcome();
}
