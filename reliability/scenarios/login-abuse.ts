/**
 * Login abuse: what clients with no credentials can do to the open token route, through the
 * gateway, each client from an address of its own on 127.0.0.0/8.
 *
 * Deep JSON: 8 connections send 1 MB bodies of `[[[[…` straight to natgw's `POST /v3/auth/tokens`
 * for 15 s (6 s in the short form) while, through the gateway, 4 connections list gateways with
 * a token and the demo user logs in: the deep bodies get 400, and the lists fail (503) no more
 * often than in an undisturbed phase of the same length before (+ 2 points for the machine's noise).
 *
 * Brute force: for 15 s (6 s), 16 connections from one address guess demo's password, and 40
 * addresses guess it one connection each, while demo logs in from a clean address every 250 ms:
 * the one address gets at most 5 password checks (401), the 40 at most one each past the user's
 * 20 failures, every other guess 503 with `Retry-After`; the real user is never locked out (a
 * lockout's 503 is told from an overloaded natgw's by its `Retry-After`) and gets 201.
 */
import { passwordAuthBody } from 'statuskit/client';
import { type Answer, type Api, api, bump, quantile, tally } from '../lib/api.js';
import { type Context, ms, Report, type Scenario } from '../lib/scenario.js';

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

import { sleep } from '../lib/scope.js';
import { startSystem } from '../lib/system.js';

export const loginAbuse: Scenario = {
  name: 'login-abuse',
  budget: { full: 120_000, short: 70_000 },
  run,
};

/** natgw's defaults, given explicitly so that the bounds below follow them. */
const lockout = {
  failureAttempts: 5,
  addressFailureAttempts: 20,
  userFailureAttempts: 20,
  durationSeconds: 60,
};
const distributed = 40;

/** Runs `step` over and over until `until` (performance.now()), or the scenario is aborted. */
async function repeat(until: number, signal: AbortSignal, step: () => Promise<unknown>) {
  while (performance.now() < until && !signal.aborted) await step();
}

async function run({ short, scope, signal, log }: Context) {
  const report = new Report();
  const seconds = short ? 6 : 15;
  const system = await startSystem({
    scope,
    engine: 'sqlite',
    natgwEnv: {
      NATGW_LOCKOUT_FAILURE_ATTEMPTS: String(lockout.failureAttempts),
      NATGW_LOCKOUT_ADDRESS_ATTEMPTS: String(lockout.addressFailureAttempts),
      NATGW_LOCKOUT_USER_ATTEMPTS: String(lockout.userFailureAttempts),
      NATGW_LOCKOUT_DURATION: String(lockout.durationSeconds),
    },
  });
  const clients: Api[] = [];
  const client = (connections: number, from: string) => {
    const made = api(system.gateway.url, connections, from);
    clients.push(made);
    return made;
  };
  scope.defer(() => Promise.all(clients.map((made) => made.close())));
  const user = client(4, '127.0.0.3');
  const token = await user.token();
  const login = (from: Api, password: string) =>
    from.request('POST', '/v3/auth/tokens', {
      body: passwordAuthBody({ username: 'demo', password, project: 'demo' }),
    });

  // Deep JSON, straight to natgw: beside it, normal clients through the gateway are judged
  // against an undisturbed phase of the same length (this machine's own noise aside).
  const deep = '['.repeat(1_000_000);
  const natgw = system.natgws[0];
  if (!natgw) throw new Error('no natgw');
  const deepClient = api(natgw.url, 8, '127.0.0.9');
  clients.push(deepClient);
  const phase = async (attacked: boolean) => {
    const seen = {
      deep: new Map<number, number>(),
      lists: new Map<number, number>(),
      logins: new Map<number, number>(),
    };
    const listMs: number[] = [];
    let refusal = '';
    const until = performance.now() + seconds * 1000;
    await Promise.all([
      ...Array.from({ length: attacked ? 8 : 0 }, () =>
        repeat(until, signal, async () => {
          bump(seen.deep, (await deepClient.request('POST', '/v3/auth/tokens', { body: deep })).status);
        }),
      ),
      ...Array.from({ length: 4 }, () =>
        repeat(until, signal, async () => {
          const answer = await user.request('GET', '/v2.0/nat_gateways?limit=10', { token });
          bump(seen.lists, answer.status);
          if (answer.status !== 200)
            refusal ||= `${answer.status} ${answer.error ?? answer.body.slice(0, 160)}`;
          listMs.push(answer.ms);
        }),
      ),
      repeat(until, signal, async () => {
        bump(seen.logins, (await login(user, 'demo-password')).status);
        await sleep(250);
      }),
    ]);
    const total = [...seen.lists.values()].reduce((sum, count) => sum + count, 0);
    const failed = (total - (seen.lists.get(200) ?? 0)) / Math.max(1, total);
    return { ...seen, failed, p99: quantile(listMs, 0.99), refusal };
  };
  log('undisturbed');
  const calm = await phase(false);
  log('deep JSON');
  const stormy = await phase(true);
  report.figure('deep', tally(stormy.deep));
  report.figure('lists', `${tally(stormy.lists)} (undisturbed ${tally(calm.lists)})`);
  report.figure('list_p99', `${ms(stormy.p99)} (${ms(calm.p99)})`);
  report.figure('logins', tally(stormy.logins));
  report.check(
    [...stormy.deep.keys()].every((status) => status === 400),
    `deep bodies got ${tally(stormy.deep)}, not only 400`,
  );
  // Two percentage points of slack for what the machine's other work does to either phase.
  report.check(
    stormy.failed <= calm.failed + 0.02,
    `lists beside the deep bodies failed ${pct(stormy.failed)}, undisturbed ${pct(calm.failed)} (${stormy.refusal})`,
  );
  report.check(
    (stormy.logins.get(201) ?? 0) > 0,
    `logins beside the deep bodies got ${tally(stormy.logins)}, no 201`,
  );

  // Brute force.
  log('brute force');
  const guesser = client(16, '127.0.0.2');
  const spread = Array.from({ length: distributed }, (_, index) => client(1, `127.0.1.${index + 1}`));
  const guessed = { one: new Map<number, number>(), spread: new Map<number, number>() };
  const legit = new Map<number, number>();
  let legitLockedOut = 0;
  let withoutRetryAfter = 0;
  let guess = 0;
  const judge = (counts: Map<number, number>, answer: Answer) => {
    bump(counts, answer.status);
    if (answer.status === 503 && answer.headers['retry-after'] === undefined) withoutRetryAfter++;
  };
  const until = performance.now() + seconds * 1000;
  await Promise.all([
    ...Array.from({ length: 16 }, () =>
      repeat(until, signal, async () => judge(guessed.one, await login(guesser, `guess-${guess++}`))),
    ),
    ...spread.map((from) =>
      repeat(until, signal, async () => judge(guessed.spread, await login(from, `guess-${guess++}`))),
    ),
    repeat(until, signal, async () => {
      const answer = await login(user, 'demo-password');
      bump(legit, answer.status);
      // The lockout's 503 says how long it lasts; an overloaded natgw's says 1 s.
      if (answer.status === 503 && answer.headers['retry-after'] === String(lockout.durationSeconds))
        legitLockedOut++;
      await sleep(250);
    }),
  ]);
  const checked = (counts: Map<number, number>) => counts.get(401) ?? 0;
  report.figure('one_address', tally(guessed.one));
  report.figure('40_addresses', tally(guessed.spread));
  report.figure('user', tally(legit));
  report.check(
    checked(guessed.one) <= lockout.failureAttempts,
    `one address had ${checked(guessed.one)} passwords checked, more than ${lockout.failureAttempts}`,
  );
  const spreadBound = lockout.userFailureAttempts + distributed;
  report.check(
    checked(guessed.spread) <= spreadBound,
    `${distributed} addresses had ${checked(guessed.spread)} passwords checked, more than ${spreadBound}`,
  );
  for (const [name, counts] of Object.entries(guessed)) {
    const others = [...counts.keys()].filter((status) => status !== 401 && status !== 503);
    report.check(others.length === 0, `guesses from ${name} got ${tally(counts)}: only 401 and 503 expected`);
  }
  report.check(withoutRetryAfter === 0, `${withoutRetryAfter} lockout answers without Retry-After`);
  report.check(
    legitLockedOut === 0 && (legit.get(201) ?? 0) > 0,
    `the user, from a clean address, got ${tally(legit)}, ${legitLockedOut} of them lockouts`,
  );
  return report.outcome();
}
