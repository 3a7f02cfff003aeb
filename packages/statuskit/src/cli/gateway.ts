import { readFileSync } from 'node:fs';
import { profileNames } from '../catalog/index.js';
import { type DialectName, dialectNames } from '../dialects/index.js';
import { configFrom, createGateway, type GatewayConfig } from '../gateway/index.js';
import { parse, profileArg, RunError, UsageError } from './args.js';

export const gatewayHelp = `Usage: statuskit gateway --upstream URL [--upstream URL ...] [options]

A reverse proxy that keeps every reply inside the contract. It spreads requests over the healthy
upstreams (one that refuses, resets or speaks garbage is taken out and tried again later), answers
407, 408, 502, 503 and 504 from their real conditions, carries request ids end to end, passes
replies inside the contract unchanged and rewrites those outside it. Everything else, 404 and 405
included, is the upstreams' to answer.

Options:
  --upstream URL        a service to forward to; repeat for several (at least one)
  --port N              port to listen on (default 8080; 0 picks a free one)
  --host H              address to listen on (default 127.0.0.1)
  --profile P           ${profileNames.join(', ')} (default: nat)
  --dialect D           error body dialect: ${dialectNames.join(', ')} (default: error)
  --timeout MS          how long an upstream has to answer before the client gets 504 (default 30000)
  --proxy-auth U:P      clients must send Proxy-Authorization: Basic with these credentials, else 407
                        (prefer the config file: arguments are visible to other users of the machine)
  --max-in-flight N     requests proxied at once before the next gets 503 (default 1024; 0: no limit)
  --config FILE         a JSON object with the same options in camelCase (upstreams, port, host,
                        profile, dialect, timeout, proxyAuth, maxInFlight, realm, bodyLimit,
                        bodyBudget, maxConnections, health: { downFor, maxDownFor },
                        clientTimeouts, upstreamHeaders, logLevel); flags win
  --log-level L         log level of the JSON log on standard error (default: info; silent: none)
  -h, --help            this text

When it is ready it prints "statuskit gateway listening on URL"; on SIGINT or SIGTERM it stops
taking requests (503), lets those in flight finish and exits.

Examples:
  statuskit gateway --upstream http://127.0.0.1:3001 --upstream http://127.0.0.1:3002 --port 8080
  statuskit gateway --config gateway.json`;

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(name: string, text: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} must be an integer ${range}, not "${text}"`);
  }
  return value;
}

function readConfig(file: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config ${file}: ${(error as Error).message}`);
  }
  try {
    return configFrom(JSON.parse(text));
  } catch (error) {
    throw new UsageError(`config ${file}: ${(error as Error).message}`);
  }
}

/** Runs the gateway until SIGINT or SIGTERM. */
export async function gateway(args: string[]): Promise<string> {
  const { values } = parse(args, {
    upstream: { type: 'string', multiple: true },
    port: { type: 'string' },
    host: { type: 'string' },
    profile: { type: 'string' },
    dialect: { type: 'string' },
    timeout: { type: 'string' },
    'proxy-auth': { type: 'string' },
    'max-in-flight': { type: 'string' },
    config: { type: 'string' },
    'log-level': { type: 'string' },
  });
  if (values.help) return gatewayHelp;
  const {
    port: configPort,
    host: configHost,
    logLevel,
    ...config
  } = values.config === undefined ? ({} as GatewayConfig) : readConfig(values.config);

  const upstreams = values.upstream ?? config.upstreams ?? [];
  if (upstreams.length === 0) throw new UsageError('at least one --upstream is needed');
  const profileName = values.profile ?? (typeof config.profile === 'string' ? config.profile : undefined);
  const dialect = values.dialect ?? config.dialect ?? 'error';
  if (!(dialectNames as readonly string[]).includes(dialect)) {
    throw new UsageError(`unknown dialect "${dialect}" (known: ${dialectNames.join(', ')})`);
  }
  const timeout = integer('timeout', values.timeout, 1) ?? config.timeout;
  const maxInFlight = integer('max-in-flight', values['max-in-flight'], 0) ?? config.maxInFlight;
  const proxyAuth = values['proxy-auth'] ?? config.proxyAuth;
  const port = integer('port', values.port, 0, 65535) ?? configPort ?? 8080;
  const host = values.host ?? configHost ?? '127.0.0.1';
  const level = values['log-level'] ?? logLevel ?? 'info';
  if (!logLevels.includes(level)) {
    throw new UsageError(`unknown log level "${level}" (known: ${logLevels.join(', ')})`);
  }

  let app: Awaited<ReturnType<typeof createGateway>>;
  try {
    app = await createGateway({
      ...config,
      upstreams,
      profile: profileArg(profileName),
      dialect: dialect as DialectName,
      ...(timeout === undefined ? {} : { timeout }),
      ...(maxInFlight === undefined ? {} : { maxInFlight }),
      ...(proxyAuth === undefined ? {} : { proxyAuth }),
      logger: { level, stream: process.stderr },
    });
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
  let address: string;
  try {
    address = await app.listen({ port, host });
  } catch (error) {
    await app.close();
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'EADDRINUSE') throw new RunError(`cannot listen on ${host}:${port}: the port is in use`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new UsageError(`cannot listen on ${host}: not an address of this machine`);
    if (code === 'EACCES') throw new RunError(`cannot listen on ${host}:${port}: permission denied`);
    throw error;
  }
  process.stdout.write(`statuskit gateway listening on ${address}\n`);

  // A second signal, with these listeners gone, ends the process at once.
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  app.log.info({ signal }, 'closing the gateway');
  await app.close();
  return `statuskit gateway stopped (${signal})`;
}
