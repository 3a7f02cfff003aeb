import { join } from 'node:path';
import { api, demoNet, projects } from './api.js';
import { freshDatabase, type Proc, startGateway, startNatgw, tempDir } from './processes.js';
import type { Scope } from './scope.js';

export type Engine = 'sqlite' | 'postgres';

export interface System {
  natgws: Proc[];
  gateway: Proc;
  dir: string;
  /** What natgw is started with: restart an instance in place with `restart(i)`. */
  storage: { sqliteFile: string; databaseUrl?: string };
  /** Starts instance `index` again on its port and database (after it was killed). */
  restart(index: number): Promise<Proc>;
}

export interface SystemOptions {
  scope: Scope;
  engine: Engine;
  /** natgw instances behind the gateway (several need PostgreSQL). Default 1. */
  instances?: number;
  /** More environment for natgw. */
  natgwEnv?: Record<string, string>;
  /** The gateway's config file keys. */
  gatewayConfig?: Record<string, unknown>;
  /** A file-descriptor limit (RLIMIT_NOFILE) for every process of the system. */
  nofile?: number;
}

/** natgw instance(s) on a fresh database, and the gateway in front of them. */
export async function startSystem(options: SystemOptions): Promise<System> {
  const { scope } = options;
  const dir = tempDir(scope);
  const storage: System['storage'] = { sqliteFile: join(dir, 'natgw.sqlite') };
  if (options.engine === 'postgres') storage.databaseUrl = await freshDatabase(scope);
  const count = options.instances ?? 1;
  const natgws: Proc[] = [];
  // The scenarios create thousands of NAT gateways on one internal network: the page's one per
  // network (NAT.0012) is off here.
  const env = { NATGW_GATEWAYS_PER_NETWORK: '0', ...options.natgwEnv };
  // One at a time: the first runs the migrations, the others find them done.
  for (let index = 0; index < count; index++) {
    natgws.push(
      await startNatgw({
        scope,
        name: `natgw-${index + 1}`,
        ...storage,
        env,
        ...(options.nofile ? { nofile: options.nofile } : {}),
      }),
    );
  }
  await roomForGateways(String(natgws[0]?.url));
  const gateway = await startGateway({
    scope,
    dir,
    upstreams: natgws.map((natgw) => natgw.url),
    ...(options.gatewayConfig ? { config: options.gatewayConfig } : {}),
    ...(options.nofile ? { nofile: options.nofile } : {}),
  });
  return {
    natgws,
    gateway,
    dir,
    storage,
    async restart(index) {
      const old = natgws[index];
      if (!old) throw new Error(`no instance ${index}`);
      const fresh = await startNatgw({
        scope,
        name: old.name,
        port: old.port,
        ...storage,
        env,
        ...(options.nofile ? { nofile: options.nofile } : {}),
      });
      natgws[index] = fresh;
      return fresh;
    },
  };
}

/**
 * The scenarios make thousands of NAT gateways on the demo project's internal network, and each
 * holds an address there (its `ngport_ip_address`): the network is made a /16 through natgw's
 * admin API, as a user would declare it, so that addresses do not run out (NAT.0107) mid-run.
 */
async function roomForGateways(natgw: string): Promise<void> {
  const admin = api(natgw, 1);
  try {
    const token = await admin.token('admin');
    const url = `/_natgw/projects/${projects.demo}/network`;
    const got = await admin.request('GET', url, { token });
    if (got.status !== 200) throw new Error(`GET ${url}: ${got.status} ${got.body}`);
    const network = JSON.parse(got.body) as { networks: { id: string; cidr: string }[] };
    for (const net of network.networks) if (net.id === demoNet.internalNetwork) net.cidr = '100.64.0.0/16';
    const put = await admin.request('PUT', url, { token, body: network });
    if (put.status !== 200) throw new Error(`PUT ${url}: ${put.status} ${put.body}`);
  } finally {
    await admin.close();
  }
}
