import { readFileSync, statSync } from 'node:fs';
import type { LockoutConfig } from './identity/lockout.js';

/** A user of the development identity: a password and one role in one project. */
export interface UserConfig {
  name: string;
  /** A plain password (hashed when loaded) or a `scrypt$salt$hash` string. */
  password: string;
  project: string;
  /** `admin`: read-write in its project, and the admin API (`/_natgw/`) over every project. */
  role: 'read-write' | 'read-only' | 'admin';
}

/** An access key of a user, for requests signed with SDK-HMAC-SHA256 (Huawei Cloud's AK/SK). */
export interface AccessKeyConfig {
  /** The access key id (AK), sent in the clear with each request. */
  access: string;
  /** The secret key (SK), which signs; never sent. */
  secret: string;
  /** The user the key belongs to, by name. */
  user: string;
}

export interface ProjectConfig {
  name: string;
  id: string;
}

/**
 * The limits the pages state, with their values. Where a page names the condition but no number
 * (gateways per VPC, DNAT rules per EIP, private gateways per VPC), 0: none is enforced until one
 * is configured.
 */
export interface Limits {
  /** EIPs in one SNAT rule (`snat_rule_public_ip_limit`, 20; NAT.0211). */
  snatRulePublicIps: number;
  /** DNAT rules on one gateway (`dnat_rules_limit`, 200; NAT.0309). */
  dnatRulesPerGateway: number;
  /** DNAT rules on one EIP (NAT.0313). */
  dnatRulesPerEip: number;
  /**
   * NAT gateways in one VPC, its router (NAT.0113 "%(limit)s NAT gateways has been created to this
   * VPC"; VPC.2012 is the VPC service's row for one): 0, off, as the pages give no number.
   */
  gatewaysPerVpc: number;
  /** NAT gateways on one internal network (NAT.0012 "already has nat gateway": 1; 0 turns it off). */
  gatewaysPerNetwork: number;
  /** Private NAT gateways in one VPC, their downlink subnets' (NAT.1204). */
  privateGatewaysPerVpc: number;
}

export interface Config {
  host: string;
  port: number;
  /** The URL clients use to reach the API (the token catalog, `Location`); defaults to the listening URL. */
  publicUrl?: string;
  /** `postgres://…` for PostgreSQL; otherwise an SQLite file. */
  databaseUrl?: string;
  sqliteFile: string;
  /**
   * How long public NAT resources stay PENDING_* after a change, in milliseconds: 0 (the default)
   * is done at once, as the pages' examples show; more, for clients that test their waiters.
   */
  provisioningDelayMs: number;
  tokenTtlSeconds: number;
  domain: string;
  projects: ProjectConfig[];
  users: UserConfig[];
  accessKeys: AccessKeyConfig[];
  /** The region the token catalog names for the endpoints (`NATGW_REGION`). */
  region: string;
  /** A JSON file replacing the default network fixture. */
  networkFile?: string;
  logLevel: string;
  /** Event-loop delay (ms) above which requests get 503; 0 turns the check off. */
  maxEventLoopDelayMs: number;
  /** Requests served at once before the next gets 503 with `Retry-After`; 0 turns the limit off. */
  maxInFlight: number;
  /** On shutdown, how long open keep-alive connections are left for their clients to find it closing (ms). */
  drainMs: number;
  limits: Limits;
  /** Bytes a `POST /v3/auth/tokens` body may have (a real one is well under 1 KiB); past it, 400. */
  tokenBodyLimit: number;
  /** How deeply a JSON body's arrays and objects may nest; deeper is 400 before it is parsed. */
  jsonMaxDepth: number;
  /** When password logins get 503 with `Retry-After` for a while (see `LockoutConfig`). */
  loginLockout: LockoutConfig;
  /**
   * The proxy in front, whose own entry in `X-Forwarded-For` (the last) names the client, which
   * the lockout counts by: its addresses, CIDRs or `loopback`, comma-separated. None by default.
   */
  trustProxy?: string;
  /**
   * With `trustProxy`, a secret the proxy sends in `X-Natgw-Proxy-Secret`: without it a request's
   * `X-Forwarded-For` is not the proxy's, whatever address it comes from (`npm start` makes one
   * per run for its gateway).
   */
  proxySecret?: string;
  /** Whether the admin API (`/_natgw/`: networks, reset, faults) is served (`NATGW_ADMIN_API=off` turns it off). */
  adminApi: boolean;
}

/** The development setup a fresh start relies on (documented in the README). */
export const defaultConfig: Config = {
  host: '127.0.0.1',
  port: 8080,
  sqliteFile: 'data/natgw.sqlite',
  provisioningDelayMs: 0,
  tokenTtlSeconds: 3_600,
  domain: 'Default',
  projects: [
    { name: 'demo', id: '9ad601814ac94c80bf7bb9073ded66fc' },
    { name: 'alt', id: '27e25061336f4af590faeabeb7fcd9a3' },
  ],
  users: [
    { name: 'demo', password: 'demo-password', project: 'demo', role: 'read-write' },
    { name: 'viewer', password: 'viewer-password', project: 'demo', role: 'read-only' },
    { name: 'alt', password: 'alt-password', project: 'alt', role: 'read-write' },
    { name: 'admin', password: 'admin-password', project: 'demo', role: 'admin' },
  ],
  accessKeys: [
    { access: 'NATGWDEMOAK000000001', secret: 'natgw-demo-secret-key-000000000000000001', user: 'demo' },
    { access: 'NATGWVIEWERAK0000001', secret: 'natgw-viewer-secret-key-0000000000000001', user: 'viewer' },
    { access: 'NATGWALTAK0000000001', secret: 'natgw-alt-secret-key-00000000000000000001', user: 'alt' },
  ],
  region: 'RegionOne',
  logLevel: 'info',
  maxEventLoopDelayMs: 1_000,
  maxInFlight: 1024,
  drainMs: 1_000,
  limits: {
    snatRulePublicIps: 20,
    dnatRulesPerGateway: 200,
    dnatRulesPerEip: 0,
    gatewaysPerVpc: 0,
    gatewaysPerNetwork: 1,
    privateGatewaysPerVpc: 0,
  },
  tokenBodyLimit: 16 * 1024,
  jsonMaxDepth: 32,
  adminApi: true,
  loginLockout: {
    failureAttempts: 5,
    durationSeconds: 300,
    addressFailureAttempts: 20,
    userFailureAttempts: 20,
  },
};

/**
 * The configuration: defaults, then a JSON file (`NATGW_CONFIG`), then the environment
 * (`HOST`, `PORT`, `DATABASE_URL`, `NATGW_SQLITE_FILE`, `NATGW_PROVISIONING_DELAY_MS`,
 * `NATGW_PUBLIC_URL`, `NATGW_NETWORK_FILE`, `NATGW_MAX_IN_FLIGHT`, `NATGW_TRUST_PROXY`,
 * `NATGW_PROXY_SECRET`, `NATGW_REGION`,
 * `NATGW_LOCKOUT_FAILURE_ATTEMPTS`, `NATGW_LOCKOUT_DURATION`, `NATGW_LOCKOUT_ADDRESS_ATTEMPTS`,
 * `NATGW_LOCKOUT_USER_ATTEMPTS`, `NATGW_GATEWAYS_PER_NETWORK`, `NATGW_GATEWAYS_PER_VPC`,
 * `NATGW_PRIVATE_GATEWAYS_PER_VPC`, `NATGW_ADMIN_API`, `LOG_LEVEL`), then `overrides`. A file
 * that holds secret keys must be readable by its owner alone.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const file: Partial<Config> = env.NATGW_CONFIG ? JSON.parse(readFileSync(env.NATGW_CONFIG, 'utf8')) : {};
  if (env.NATGW_CONFIG && (file.accessKeys?.length || file.proxySecret)) ownerOnly(env.NATGW_CONFIG);
  const fromEnv: Partial<Config> = {
    ...(env.HOST ? { host: env.HOST } : {}),
    ...(env.PORT ? { port: Number(env.PORT) } : {}),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(env.NATGW_SQLITE_FILE ? { sqliteFile: env.NATGW_SQLITE_FILE } : {}),
    ...(env.NATGW_PROVISIONING_DELAY_MS
      ? { provisioningDelayMs: Number(env.NATGW_PROVISIONING_DELAY_MS) }
      : {}),
    ...(env.NATGW_PUBLIC_URL ? { publicUrl: env.NATGW_PUBLIC_URL } : {}),
    ...(env.NATGW_NETWORK_FILE ? { networkFile: env.NATGW_NETWORK_FILE } : {}),
    ...(env.NATGW_MAX_IN_FLIGHT ? { maxInFlight: Number(env.NATGW_MAX_IN_FLIGHT) } : {}),
    ...(env.NATGW_TRUST_PROXY ? { trustProxy: env.NATGW_TRUST_PROXY } : {}),
    ...(env.NATGW_PROXY_SECRET ? { proxySecret: env.NATGW_PROXY_SECRET } : {}),
    ...(env.NATGW_REGION ? { region: env.NATGW_REGION } : {}),
    ...(env.LOG_LEVEL ? { logLevel: env.LOG_LEVEL } : {}),
    ...(env.NATGW_ADMIN_API ? { adminApi: !['off', '0', 'false', 'no'].includes(env.NATGW_ADMIN_API) } : {}),
  };
  const lockout = Object.entries({
    failureAttempts: env.NATGW_LOCKOUT_FAILURE_ATTEMPTS,
    durationSeconds: env.NATGW_LOCKOUT_DURATION,
    addressFailureAttempts: env.NATGW_LOCKOUT_ADDRESS_ATTEMPTS,
    userFailureAttempts: env.NATGW_LOCKOUT_USER_ATTEMPTS,
  }).flatMap(([key, value]) => (value ? [[key, Number(value)]] : []));
  const loginLockout: LockoutConfig = {
    ...defaultConfig.loginLockout,
    ...file.loginLockout,
    ...Object.fromEntries(lockout),
    ...overrides.loginLockout,
  };
  const limits = {
    ...defaultConfig.limits,
    ...file.limits,
    ...(env.NATGW_GATEWAYS_PER_NETWORK ? { gatewaysPerNetwork: Number(env.NATGW_GATEWAYS_PER_NETWORK) } : {}),
    ...(env.NATGW_GATEWAYS_PER_VPC ? { gatewaysPerVpc: Number(env.NATGW_GATEWAYS_PER_VPC) } : {}),
    ...(env.NATGW_PRIVATE_GATEWAYS_PER_VPC
      ? { privateGatewaysPerVpc: Number(env.NATGW_PRIVATE_GATEWAYS_PER_VPC) }
      : {}),
    ...overrides.limits,
  };
  return { ...defaultConfig, ...file, ...fromEnv, ...overrides, loginLockout, limits };
}

/**
 * Secret keys sign requests as their users (and the proxy secret names clients): like the token key, a file holding them is refused
 * when anyone but its owner may read or write it (as ssh refuses such a private key).
 */
function ownerOnly(path: string): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new Error(
      `${path} holds secret keys but its mode is ${mode.toString(8).padStart(4, '0')}: chmod 600 it (owner only)`,
    );
}

/** An access key (the first by default) and where it acts, as the banners print it: `AK / SK (user …, X-Project-Id …)`. */
export function describeAccessKey(config: Config, key = config.accessKeys[0]): string | undefined {
  const user = config.users.find((candidate) => candidate.name === key?.user);
  const project = config.projects.find((candidate) =>
    [candidate.name, candidate.id].includes(user?.project ?? ''),
  );
  return key && project
    ? `${key.access} / ${key.secret} (user ${key.user}, X-Project-Id ${project.id})`
    : undefined;
}
