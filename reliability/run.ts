/**
 * `npm run reliability`: the real system (natgw and the statuskit gateway as child processes on
 * 127.0.0.1, over SQLite and PostgreSQL) through every reliability scenario, in order. One line
 * per scenario: its name, its figures and PASS or FAIL (what failed follows on stderr). Exit
 * status 1 when any failed, 2 on bad arguments.
 *
 * Options: --short (every scenario in a reduced form, for CI), --only NAME (one scenario, or
 * those whose name starts with NAME; repeatable), --verbose (progress on stderr), --list.
 * Needs `npm run build` (the gateway runs from dist/) and, for the PostgreSQL scenarios, a
 * server at RELIABILITY_DATABASE_URL (else NATGW_TEST_DATABASE_URL, else
 * postgres://postgres:postgres@127.0.0.1:5432/postgres), where each scenario makes a database of
 * its own and drops it. RELIABILITY_SEED replays the generated requests of bad-input and
 * isolation; RELIABILITY_LOG_LEVEL sets natgw's LOG_LEVEL (warn).
 */
import { parseArgs } from 'node:util';
import { killAllStarted } from './lib/processes.js';
import type { Outcome, Scenario } from './lib/scenario.js';
import { Scope } from './lib/scope.js';
import { badInput } from './scenarios/bad-input.js';
import { bigBodies } from './scenarios/big-bodies.js';
import { crash } from './scenarios/crash.js';
import { descriptors } from './scenarios/descriptors.js';
import { instances } from './scenarios/instances.js';
import { isolation } from './scenarios/isolation.js';
import { loginAbuse } from './scenarios/login-abuse.js';
import { overload } from './scenarios/overload.js';
import { pipelining } from './scenarios/pipelining.js';
import { shutdown } from './scenarios/shutdown.js';
import { silentSockets } from './scenarios/silent-sockets.js';
import { slowBodies } from './scenarios/slow-bodies.js';
import { slowClients } from './scenarios/slow-clients.js';

const scenarios: Scenario[] = [
  overload('sqlite'),
  overload('postgres'),
  slowClients,
  slowBodies,
  descriptors,
  silentSockets,
  pipelining,
  bigBodies,
  badInput,
  crash('sqlite'),
  crash('postgres'),
  shutdown,
  instances,
  isolation,
  loginAbuse,
];

let values: { short?: boolean; only?: string[]; verbose?: boolean; list?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      short: { type: 'boolean' },
      only: { type: 'string', multiple: true },
      verbose: { type: 'boolean' },
      list: { type: 'boolean' },
    },
  }));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
if (values.list) {
  process.stdout.write(`${scenarios.map((scenario) => scenario.name).join('\n')}\n`);
  process.exit(0);
}
const chosen = values.only
  ? scenarios.filter((scenario) =>
      values.only?.some((name) => scenario.name === name || scenario.name.startsWith(name)),
    )
  : scenarios;
if (chosen.length === 0) {
  process.stderr.write(`no scenario named ${values.only?.join(', ')} (see --list)\n`);
  process.exit(2);
}

const short = values.short === true;
const width = Math.max(...chosen.map((scenario) => scenario.name.length));
process.on('exit', killAllStarted);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllStarted();
    process.exit(130);
  });
}

async function runOne(scenario: Scenario): Promise<Outcome> {
  const scope = new Scope();
  const controller = new AbortController();
  const budget = short ? scenario.budget.short : scenario.budget.full;
  let timer: NodeJS.Timeout | undefined;
  const log = (message: string) => {
    if (values.verbose) process.stderr.write(`  [${scenario.name}] ${message}\n`);
  };
  let outcome: Outcome;
  try {
    outcome = await Promise.race([
      scenario.run({ short, scope, signal: controller.signal, log }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`ran out of its ${budget / 1000} s budget`));
        }, budget);
      }),
    ]);
  } catch (error) {
    const err = error as Error;
    outcome = { figures: [], failures: [values.verbose ? (err.stack ?? err.message) : err.message] };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  const problems = await scope.close();
  for (const problem of problems) outcome.failures.push(`cleanup: ${problem}`);
  return outcome;
}

const started = performance.now();
let failed = 0;
for (const scenario of chosen) {
  if (values.verbose) process.stderr.write(`${scenario.name}…\n`);
  const begun = performance.now();
  const outcome = await runOne(scenario);
  const seconds = ((performance.now() - begun) / 1000).toFixed(0);
  const figures = outcome.figures.map(([name, value]) => `${name}=${value}`).join(' ');
  const verdict = outcome.failures.length === 0 ? 'PASS' : 'FAIL';
  if (verdict === 'FAIL') failed++;
  process.stdout.write(`${scenario.name.padEnd(width)}  ${figures} (${seconds}s)  ${verdict}\n`);
  for (const failure of outcome.failures) process.stderr.write(`  ! ${scenario.name}: ${failure}\n`);
}
const total = ((performance.now() - started) / 1000).toFixed(0);
process.stdout.write(
  `${chosen.length - failed} passed, ${failed} failed in ${total} s${short ? ' (short)' : ''}\n`,
);
process.exit(failed === 0 ? 0 : 1);
