import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Config, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { bannerProject, credentialLines, exposure } from './development.js';
import { proxySecretHeader } from './identity/client-address.js';
import { networkLines } from './network/banner.js';
import { kinds } from './resources/kinds.js';
import { kindMigrations } from './resources/registry.js';

/**
 * `npm start`: the whole system as real processes. natgw instances on internal ports, and the
 * statuskit gateway in front of them on `PORT` (8080). Everything a client sees points at the
 * gateway. A process that dies is started again after a back-off (1 s, doubling up to 30 s).
 * Ctrl-C (or SIGTERM) stops them all.
 *
 * `NATGW_INSTANCES` (1) natgw processes start on `NATGW_PORT` (8081) and up; with more than one,
 * give them a shared PostgreSQL in `DATABASE_URL`. The gateway listens on `HOST`, natgw on
 * `NATGW_HOST`: both 127.0.0.1 unless set, so natgw's own ports, which none of the gateway's
 * limits guard, are not open beside it. With the development credentials, no process listens
 * beyond loopback unless `NATGW_ALLOW_DEV_CREDENTIALS=1` (development.ts).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
/** The statuskit CLI as it is in the tree (the `source` condition), like natgw itself. */
const statuskitCli = fileURLToPath(new URL('src/cli/main.ts', import.meta.resolve('statuskit/package.json')));
const fromSource = ['--conditions=source', '--import', 'tsx'];
const host = process.env.HOST ?? '127.0.0.1';
const natgwHost = process.env.NATGW_HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);
const firstPort = Number(process.env.NATGW_PORT ?? port + 1);
const instances = Number(process.env.NATGW_INSTANCES ?? 1);
const publicUrl = process.env.NATGW_PUBLIC_URL ?? `http://${host}:${port}`;
const children: ChildProcess[] = [];
let stopping = false;

/** Restarts after a child died: 1 s, doubling up to 30 s; back to 1 s once a child has run a minute. */
const restartDelay = { first: 1_000, max: 30_000, steadyAfter: 60_000 };

/**
 * Starts a child, prefixes its output, and resolves when a line matches `ready` the first time.
 * A child that dies on its own (a crash, a kill) is started again after a back-off, as a
 * supervisor does: one process dying does not take the system down.
 */
function start(name: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<void> {
  let delay = restartDelay.first;
  let wasReady = false;
  return new Promise((resolve) => {
    const run = () => {
      const began = Date.now();
      const child = spawn(process.execPath, args, {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      process.stdout.write(`[system] ${name} started (pid ${child.pid})\n`);
      child.on('exit', (code, signal) => {
        children.splice(children.indexOf(child), 1);
        if (stopping) return;
        // One that never came up will not by trying again (a port in use, a bad setting).
        if (!wasReady) {
          process.stderr.write(`[system] ${name} exited (${signal ?? code}) before it was ready; stopping\n`);
          stop(1);
          return;
        }
        if (Date.now() - began >= restartDelay.steadyAfter) delay = restartDelay.first;
        process.stderr.write(`[system] ${name} exited (${signal ?? code}); restarting in ${delay} ms\n`);
        setTimeout(() => {
          if (!stopping) run();
        }, delay);
        delay = Math.min(delay * 2, restartDelay.max);
      });
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => {
          process.stdout.write(`[${name}] ${line}\n`);
          if (ready.test(line)) {
            wasReady = true;
            resolve();
          }
        });
      }
    };
    run();
  });
}

/** Where the gateway reaches natgw: a wildcard bind on loopback, an IPv6 address in brackets. */
function reachable(listening: string): string {
  if (listening === '0.0.0.0') return '127.0.0.1';
  if (listening === '::') return '[::1]';
  return isIP(listening) === 6 ? `[${listening}]` : listening;
}

/** The banner's lines on the network of the demo project, read from the database natgw uses. */
async function bannerNetwork(config: Config): Promise<[string, string][]> {
  const project = bannerProject(config);
  if (!project) return [];
  const database = await openDatabase({ ...config, migrations: kindMigrations(kinds) });
  try {
    return await networkLines(database.db, project, Date.now());
  } finally {
    await database.close();
  }
}

function stop(status: number) {
  stopping = true;
  let left = children.filter((child) => child.exitCode === null && child.signalCode === null).length;
  if (left === 0) process.exit(status);
  for (const child of children) {
    child.once('exit', () => {
      if (--left === 0) process.exit(status);
    });
    child.kill('SIGTERM');
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop(0));

if (instances > 1 && !process.env.DATABASE_URL) {
  process.stderr.write(
    'several natgw instances share one database: set DATABASE_URL to a PostgreSQL server\n',
  );
  process.exit(2);
}
let config: Config;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`[system] ${(error as Error).message}\n`);
  process.exit(2);
}
const exposed = exposure(config, [host, natgwHost]);
if (exposed) process.stderr.write(`[system] ${exposed.message}\n`);
if (exposed?.refuse) process.exit(2);

// natgw counts logins by the client's address: the one the gateway appends to X-Forwarded-For,
// on requests that carry this run's secret, which the gateway sets on each one (over any a client
// sent). A process that connects to natgw's port from loopback itself does not know it.
const proxySecret = randomBytes(32).toString('base64url');
const gatewayDir = mkdtempSync(join(tmpdir(), 'natgw-gateway-'));
process.on('exit', () => rmSync(gatewayDir, { recursive: true, force: true }));
const gatewayConfig = join(gatewayDir, 'gateway.json');
writeFileSync(gatewayConfig, JSON.stringify({ upstreamHeaders: { [proxySecretHeader]: proxySecret } }), {
  mode: 0o600,
});
const gatewayAddresses = [
  'loopback',
  ...(isIP(natgwHost) && !['0.0.0.0', '::'].includes(natgwHost) ? [natgwHost] : []),
];
const upstreams: string[] = [];
await Promise.all(
  Array.from({ length: instances }, (_, index) => {
    const instancePort = firstPort + index;
    upstreams.push(`http://${reachable(natgwHost)}:${instancePort}`);
    return start(
      instances > 1 ? `natgw-${index + 1}` : 'natgw',
      [...fromSource, 'natgw/src/main.ts'],
      {
        HOST: natgwHost,
        PORT: String(instancePort),
        NATGW_PUBLIC_URL: publicUrl,
        NATGW_TRUST_PROXY: gatewayAddresses.join(','),
        NATGW_PROXY_SECRET: proxySecret,
      },
      /^natgw: NAT Gateway API/,
    );
  }),
);
await start(
  'gateway',
  [
    ...fromSource,
    statuskitCli,
    'gateway',
    '--host',
    host,
    '--port',
    String(port),
    '--config',
    gatewayConfig,
    ...upstreams.flatMap((url) => ['--upstream', url]),
  ],
  {},
  /statuskit gateway listening/,
);
process.stdout.write(
  [
    '',
    `statuskit: the NAT Gateway API v2.0 at ${publicUrl} (gateway → ${upstreams.join(', ')})`,
    ...[...credentialLines(config, publicUrl), ...(await bannerNetwork(config))].map(
      ([label, text]) => `  ${label}: ${text}`,
    ),
    '  Ctrl-C stops it.',
    '',
  ].join('\n'),
);
