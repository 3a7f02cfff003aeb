import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { passwordAuthBody } from 'statuskit/client';
import { buildApp } from '../src/app.js';
import { type Config, loadConfig } from '../src/config.js';

/**
 * The engines the suite runs on: SQLite always, PostgreSQL too when `NATGW_TEST_DATABASE_URL`
 * names a server (CI starts one). Each app gets a database of its own.
 */
export function engines(): ('sqlite' | 'postgres')[] {
  return process.env.NATGW_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestService {
  app: FastifyInstance;
  config: Config;
  /** A token for a development user: demo (read-write), viewer (read-only), alt (another project). */
  token(user?: 'demo' | 'viewer' | 'alt'): Promise<string>;
  /** Injects with the user's token. */
  as(user: 'demo' | 'viewer' | 'alt', request: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.NATGW_TEST_DATABASE_URL as string;
  const name = `natgw_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const dropper = new pg.Client({ connectionString: admin });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

/** natgw on a fresh database of `engine`, ready for `inject`; no provisioning delay unless asked. */
export async function startService(
  engine: 'sqlite' | 'postgres',
  overrides: Partial<Config> = {},
): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), 'natgw-test-'));
  const postgres = engine === 'postgres' ? await freshPostgres() : undefined;
  const config = loadConfig(
    {},
    {
      sqliteFile: join(dir, 'natgw.sqlite'),
      provisioningDelayMs: 0,
      logLevel: 'silent',
      // A test machine's lag says nothing of the service; overload has its own tests.
      maxEventLoopDelayMs: 0,
      // Nothing stands in front of a test service: its close need not wait for keep-alive clients.
      drainMs: 0,
      publicUrl: 'http://127.0.0.1:8080',
      ...(postgres ? { databaseUrl: postgres.url } : {}),
      ...overrides,
    },
  );
  const app = await buildApp(config);
  await app.ready();
  const tokens = new Map<string, string>();
  const token = async (user: 'demo' | 'viewer' | 'alt' = 'demo') => {
    const cached = tokens.get(user);
    if (cached) return cached;
    const response = await app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordAuthBody({
        username: user,
        password: `${user}-password`,
        project: user === 'alt' ? 'alt' : 'demo',
      }),
    });
    const issued = String(response.headers['x-subject-token']);
    tokens.set(user, issued);
    return issued;
  };
  return {
    app,
    config,
    token,
    async as(user, request) {
      const headers = {
        ...(request.headers as Record<string, string> | undefined),
        'x-auth-token': await token(user),
      };
      return app.inject({ ...request, headers });
    },
    async close() {
      await app.close();
      await postgres?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The example ids of the pages, in the demo project's default network. */
export const pageIds = {
  router: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
  internalNetwork: '89d66639-aacb-4929-969d-07080b0f9fd9',
  snatNetwork: 'eaad9cd6-2372-4be1-9535-9bd37210ae7b',
  port: '9a469561-daac-4c94-88f5-39366e5ea193',
  floatingIps: [
    'bdc10a4c-d81a-41ec-adf7-de857f7c812a',
    'bf99c679-9f41-4dac-8513-9c9228e713e1',
    'cf99c679-9f41-4dac-8513-9c9228e713e1',
  ],
} as const;

/** Creates an ACTIVE gateway (no provisioning delay) and returns its id. */
export async function createGateway(
  service: TestService,
  name = `nat_${randomBytes(4).toString('hex')}`,
): Promise<string> {
  const response = await service.as('demo', {
    method: 'POST',
    url: '/v2.0/nat_gateways',
    payload: {
      nat_gateway: {
        name,
        spec: '1',
        router_id: pageIds.router,
        internal_network_id: pageIds.internalNetwork,
      },
    },
  });
  if (response.statusCode !== 201)
    throw new Error(`gateway create failed: ${response.statusCode} ${response.body}`);
  return response.json().nat_gateway.id;
}
