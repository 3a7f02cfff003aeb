import { dirname, join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { type StatuskitOptions, serverOptions, statuskit } from 'statuskit/fastify';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { dnatRoutes } from './dnat/routes.js';
import { pluginErrorCodes } from './errors.js';
import { gatewayRoutes } from './gateways/routes.js';
import { GatewayStore } from './gateways/store.js';
import { Identity } from './identity/identity.js';
import { identityRoutes } from './identity/routes.js';
import type { TokenClaims } from './identity/tokens.js';
import { TokenSigner } from './identity/tokens.js';
import { loadNetwork, ProjectNetwork } from './network/fixture.js';
import { openApi } from './openapi.js';
import { apiReference, referenceRoute } from './reference.js';
import { snatRoutes } from './snat/routes.js';
import { tagRoutes } from './tags/routes.js';
import { versionRoutes } from './versions/routes.js';

/**
 * natgw: the NAT Gateway API v2.0 on statuskit. Opens (and migrates) its database, loads the
 * network fixture and identity, and returns the app, ready to listen.
 */
export async function buildApp(
  config: Config,
  fastifyOptions: { logger?: unknown } = {},
): Promise<FastifyInstance> {
  const app = Fastify(
    serverOptions({ logger: { level: config.logLevel }, ...fastifyOptions } as Parameters<
      typeof serverOptions
    >[0]),
  );
  const database = await openDatabase({
    ...config,
    onIdleError: (error) => app.log.warn({ err: error }, 'an idle database connection was lost'),
  });
  app.addHook('onClose', () => database.close());

  const identity = new Identity(config, await TokenSigner.fromDatabase(database.db));
  const projects = config.projects.map((project) => project.id);
  const fixture = loadNetwork(projects, {
    file: config.networkFile,
    dataFile:
      database.engine === 'sqlite' && config.sqliteFile !== ':memory:'
        ? join(dirname(config.sqliteFile), 'network.json')
        : undefined,
  });
  const networks = new Map(projects.map((id) => [id, new ProjectNetwork(fixture[id])]));
  const network = (tenant: string) => networks.get(tenant) ?? new ProjectNetwork();

  // Until the server listens, the public URL is what the configuration says it will be.
  const publicUrl = () => config.publicUrl ?? `http://${config.host}:${config.port}`;
  const location = (path: string) => `${publicUrl()}${path}`;
  const clock = { now: () => Date.now(), delayMs: config.provisioningDelayMs };

  const contract: StatuskitOptions = {
    profile: 'nat',
    dialect: 'error',
    errorCodes: pluginErrorCodes,
    // A client that has not sent its headers in 5 s, or its whole request in 15 s, gets 408.
    timeouts: { headers: 5_000, request: 15_000, checkInterval: 500, drain: config.drainMs },
    overload: { maxEventLoopDelay: config.maxEventLoopDelayMs, maxInFlight: config.maxInFlight },
    auth: {
      authenticate: (request) => identity.authenticate(request),
      authorize: (principal, request) => identity.authorize(principal as TokenClaims, request),
      challenge: `Keystone uri="${publicUrl()}/v3"`,
    },
  };
  app.addHook('onRoute', referenceRoute);
  await app.register(statuskit, contract);
  await openApi(app, contract, publicUrl);
  await apiReference(app);
  identityRoutes(app, identity, { publicUrl, region: 'RegionOne' });
  versionRoutes(app, publicUrl);
  gatewayRoutes(app, { store: new GatewayStore(database, clock), network, location });
  snatRoutes(app, { database, clock, network, location });
  dnatRoutes(app, { database, clock, network, location });
  tagRoutes(app, { database, clock });
  return app;
}
