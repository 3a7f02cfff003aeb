import { dirname, join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { type StatuskitOptions, serverOptions, statuskit } from 'statuskit/fastify';
import { Accounts, accountRoutes } from './admin/accounts.js';
import { Faults, faultRoutes, reachedRoutes } from './admin/faults.js';
import { networkRoutes } from './admin/network.js';
import { resetRoutes } from './admin/reset.js';
import { adminApi } from './admin/routes.js';
import { Backends } from './backends.js';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { pluginErrorCodes } from './errors.js';
import { locator, prefixes, projectScoped } from './forms.js';
import { AccessKeys, isSigned } from './identity/aksk.js';
import { clientAddress } from './identity/client-address.js';
import { discoveryRoutes } from './identity/discovery.js';
import { Identity } from './identity/identity.js';
import { Lockout } from './identity/lockout.js';
import { Revocations } from './identity/revocations.js';
import { identityRoutes } from './identity/routes.js';
import type { TokenClaims } from './identity/tokens.js';
import { TokenSigner } from './identity/tokens.js';
import { boundedJson } from './json.js';
import { firstNetworks, type Network } from './network/fixture.js';
import { NetworkStore } from './network/store.js';
import { openApi } from './openapi.js';
import { apiReference, referenceRoutes } from './reference.js';
import type { Form } from './resources/kind.js';
import { kinds } from './resources/kinds.js';
import { kindMigrations, Resources } from './resources/registry.js';
import { decimalQueryIntegers, schemaError, storableText } from './validate.js';
import { versionRoutes } from './versions/routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** What the banner reads: the database, and the projects' networks in it. */
    natgw: { database: Database; networks: NetworkStore };
  }
}

/**
 * natgw: the NAT Gateway API v2.0 on statuskit. Opens (and migrates) its database, gives each
 * project its first network there, loads identity, and returns the app, ready to listen.
 */
export async function buildApp(
  config: Config,
  fastifyOptions: { logger?: unknown } = {},
): Promise<FastifyInstance> {
  const app = Fastify(
    serverOptions({
      logger: { level: config.logLevel },
      // A port of the private NAT pages is a string or an integer (otcextensions sends integers).
      ajv: { customOptions: { allowUnionTypes: true } },
      ...fastifyOptions,
    } as Parameters<typeof serverOptions>[0]),
  );
  // A request that breaks its schema is the page's "Invalid parameters." (NAT.0002).
  app.setSchemaErrorFormatter(schemaError());
  const database = await openDatabase({
    ...config,
    migrations: kindMigrations(kinds),
    onIdleError: (error) => app.log.warn({ err: error }, 'an idle database connection was lost'),
  });
  app.addHook('onClose', () => database.close());

  const identity = new Identity(
    config,
    await TokenSigner.fromDatabase(database.db),
    new Revocations(database.db),
  );
  const projects = config.projects.map((project) => project.id);
  const first = firstNetworks(projects, {
    file: config.networkFile,
    dataFile:
      database.engine === 'sqlite' && config.sqliteFile !== ':memory:'
        ? join(dirname(config.sqliteFile), 'network.json')
        : undefined,
  });
  const networks = new NetworkStore(database);
  await networks.start(projects, (id) => first[id] as Network);
  const network = (tenant: string) => networks.network(tenant);
  app.decorate('natgw', { database, networks });

  // Until the server listens, the public URL is what the configuration says it will be.
  const publicUrl = () => config.publicUrl ?? `http://${config.host}:${config.port}`;
  const clock = { now: () => Date.now(), delayMs: config.provisioningDelayMs };
  const accessKeys = new AccessKeys(config.accessKeys, identity, {
    publicHost: () => new URL(publicUrl()).host,
  });

  const contract: StatuskitOptions = {
    profile: 'nat',
    dialect: 'error',
    errorCodes: pluginErrorCodes,
    // A client that has not sent its headers in 5 s, or its whole request in 15 s, gets 408.
    timeouts: { headers: 5_000, request: 15_000, checkInterval: 500, drain: config.drainMs },
    overload: { maxEventLoopDelay: config.maxEventLoopDelayMs, maxInFlight: config.maxInFlight },
    auth: {
      // A Keystone token in X-Auth-Token, or a request signed with an access key (AK/SK).
      authenticate: (request) =>
        isSigned(request) ? accessKeys.authenticate(request) : identity.authenticate(request),
      authorize: (principal, request) =>
        accessKeys.awaitsBody(request) || identity.authorize(principal as TokenClaims, request),
      challenge: `Keystone uri="${publicUrl()}/v3"`,
    },
  };
  app.addHook('onRoute', referenceRoutes());
  app.addHook('onRoute', decimalQueryIntegers);
  await app.register(statuskit, contract);
  // After the schema, before the handler: text no engine stores as given is a 400, never a 500.
  app.addHook('preHandler', async (request) =>
    storableText(request, request.routeOptions.config.illegalText ?? 'NAT.0002'),
  );
  boundedJson(app, config.jsonMaxDepth);
  app.addHook('preParsing', accessKeys.preParsing);
  app.addHook('preValidation', accessKeys.preValidation);
  // Faults answer authenticated requests only: after the access keys' checks, before the handlers.
  const backends = new Backends();
  const faults = new Faults(backends, reachedRoutes(kinds), config.projects);
  if (config.adminApi) app.addHook('preHandler', faults.hook);
  const accounts = new Accounts(database);
  const documentIn = await openApi(app, contract, publicUrl);
  await apiReference(app, documentIn);
  identityRoutes(app, identity, {
    publicUrl,
    region: config.region,
    bodyLimit: config.tokenBodyLimit,
    lockout: new Lockout(database.db, config.loginLockout),
    clientAddress: clientAddress(config),
  });
  discoveryRoutes(app, publicUrl);
  versionRoutes(app, publicUrl);
  // A write is checked against the networks as stored: one another instance replaced is reloaded first.
  app.addHook('preHandler', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') await networks.refresh();
  });

  // Each form's prefix holds the routes of the kinds served in it (resources/kinds.ts).
  const resources = new Resources(kinds, {
    database,
    clock,
    limits: config.limits,
    network,
    backends,
    accounts,
  });
  for (const form of Object.keys(prefixes) as Form[]) {
    const prefix = prefixes[form];
    await app.register(
      async (scope) => {
        if (prefix.includes(':project_id')) projectScoped(scope);
        resources.routes(scope, form, locator(scope, publicUrl));
      },
      { prefix },
    );
  }
  // natgw's own API after the service's: the document lists the pages' operations first.
  if (config.adminApi)
    await adminApi(app, config.projects, [
      faultRoutes(faults, publicUrl),
      accountRoutes(accounts, config.projects),
      networkRoutes(config.projects, networks, kinds, clock.now),
      resetRoutes(config.projects, database, kinds),
    ]);
  return app;
}
