import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { type ContractError, isContractError } from 'statuskit';
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

/** The users of the default configuration. */
export type DevelopmentUser = 'demo' | 'viewer' | 'alt' | 'admin';

export interface TestService {
  app: FastifyInstance;
  config: Config;
  /** A token for a development user: demo (read-write), viewer (read-only), alt (another project), admin. */
  token(user?: DevelopmentUser): Promise<string>;
  /** Injects with the user's token. */
  as(user: DevelopmentUser, request: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A database of its own on the test server, and how to drop it. */
export async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
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
  /** Called before the app is ready, to add hooks. */
  prepare?: (app: FastifyInstance) => void,
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
  prepare?.(app);
  await app.ready();
  const tokens = new Map<string, string>();
  const token = async (user: DevelopmentUser = 'demo') => {
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

/** The demo project's id in the default config. */
export const project = '9ad601814ac94c80bf7bb9073ded66fc';
/** A well-formed id that names nothing. */
export const missing = 'fe1a4cf0-27fe-4b97-a9b1-2c67c127f0e0';

/** Ids of the default network's numbered extras: project 1 is demo, project 2 is alt. */
const numbered = (prefix: string, n: number, projectNo = 1) =>
  `${prefix}0${projectNo}00-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const eip = (n: number, projectNo = 1) => numbered('e000', n, projectNo);
export const eipAddress = (n: number) => `80.0.${Math.floor(n / 250)}.${n % 250}`;
export const port = (n: number, projectNo = 1) => numbered('c000', n, projectNo);
export const subnet = (n: number, projectNo = 1) => numbered('b000', n, projectNo);
export const altRouter = 'a0000200-0000-4000-8000-000000000000';

/** Asserts a contract error with this status and this service error code. */
export function assertError(response: LightMyRequestResponse, status: number, code: string) {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().error.code, code, response.body);
}

type User = 'demo' | 'viewer' | 'alt';

/** Create, delete and list requests for one kind of rule, as a user. */
export function ruleRequests(kind: 'snat' | 'dnat') {
  const path = `/v2.0/${kind}_rules`;
  const create = (service: TestService, rule: Record<string, unknown>, user: User = 'demo') =>
    service.as(user, { method: 'POST', url: path, payload: { [`${kind}_rule`]: rule } });
  return {
    create,
    /** Creates a rule that must get 201; its id. */
    async id(service: TestService, rule: Record<string, unknown>): Promise<string> {
      const response = await create(service, rule);
      assert.equal(response.statusCode, 201, response.body);
      return response.json()[`${kind}_rule`].id;
    },
    delete: (service: TestService, id: string, user: User = 'demo') =>
      service.as(user, { method: 'DELETE', url: `${path}/${id}` }),
    /** The ids a list with this query string finds. */
    async listIds(service: TestService, query: string, user: 'demo' | 'alt' = 'demo'): Promise<string[]> {
      const response = await service.as(user, { url: `${path}?${query}` });
      assert.equal(response.statusCode, 200, response.body);
      return response.json()[`${kind}_rules`].map((rule: { id: string }) => rule.id);
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

/** The internal networks a service's gateways took: one gateway per network (NAT.0012). */
const networksTaken = new WeakMap<TestService, number>();

/**
 * Creates a gateway (ACTIVE at once when there is no provisioning delay) on an internal network
 * no other gateway of the service has (numbered subnets from 64 down; the pages' own is left to
 * the pages' examples), and returns its id.
 */
export async function createGateway(
  service: TestService,
  name = `nat_${randomBytes(4).toString('hex')}`,
): Promise<string> {
  const taken = networksTaken.get(service) ?? 0;
  networksTaken.set(service, taken + 1);
  const response = await service.as('demo', {
    method: 'POST',
    url: '/v2.0/nat_gateways',
    payload: {
      nat_gateway: {
        name,
        spec: '1',
        router_id: pageIds.router,
        internal_network_id: subnet(64 - taken),
      },
    },
  });
  if (response.statusCode !== 201)
    throw new Error(`gateway create failed: ${response.statusCode} ${response.body}`);
  return response.json().nat_gateway.id;
}

/**
 * A gateway in PENDING_UPDATE or PENDING_DELETE: created, left to become ACTIVE (`delayMs`, the
 * service's provisioning delay), then updated or deleted.
 */
export async function pendingGateway(
  service: TestService,
  state: 'PENDING_UPDATE' | 'PENDING_DELETE',
  delayMs: number,
): Promise<string> {
  const id = await createGateway(service);
  await sleep(delayMs + 100);
  const url = `/v2.0/nat_gateways/${id}`;
  const changed =
    state === 'PENDING_UPDATE'
      ? await service.as('demo', {
          method: 'PUT',
          url,
          payload: { nat_gateway: { description: 'changing' } },
        })
      : await service.as('demo', { method: 'DELETE', url });
  assert.ok(changed.statusCode < 300, changed.body);
  assert.equal((await service.as('demo', { url })).json().nat_gateway.status, state);
  return id;
}

/** The contract error a call rejects with; fails when it resolves or rejects with anything else. */
export async function thrown(promise: Promise<unknown>): Promise<ContractError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isContractError(error), String(error));
    return error;
  }
  assert.fail('no error was thrown');
}
