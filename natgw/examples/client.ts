/**
 * The README's example of statuskit/client: log in to Keystone through the statuskit gateway,
 * find the NAT gateway of a name or create it through it, and wait until it is ACTIVE. Names
 * are not unique (no page says so), so the example looks before it creates.
 *
 * Run it against the whole system (the statuskit gateway on :8080 in front of natgw):
 *   npm start
 *   npx tsx natgw/examples/client.ts [name]        # STATUSKIT_URL=… to point elsewhere
 *
 * It runs any number of times: a second run finds the gateway the first made.
 *
 * In an application the imports are `statuskit` and `statuskit/client`.
 */
import { pathToFileURL } from 'node:url';
import { isContractError } from 'statuskit';
import { type Client, createClient, keystone, pollDelay, sleep } from 'statuskit/client';

export interface NatGateway {
  id: string;
  name: string;
  status: 'ACTIVE' | 'PENDING_CREATE' | 'PENDING_UPDATE' | 'PENDING_DELETE' | (string & {});
  spec: string;
  router_id: string;
  internal_network_id: string;
}

export interface ExampleOptions {
  /** The statuskit gateway in front of natgw; Keystone's `/v3` is behind it too. */
  url: string;
  name: string;
  username?: string;
  password?: string;
  project?: string;
  /**
   * The demo project's router and a subnet of it, from its default network: the subnet is the
   * example's own (a subnet has one NAT gateway), not the pages' example one.
   */
  routerId?: string;
  internalNetworkId?: string;
  signal?: AbortSignal;
  /** Called with each status seen while waiting. */
  onStatus?: (status: string) => void;
}

/** Finds the NAT gateway `name` or creates it, and resolves once it is ACTIVE. */
export async function createNatGateway(
  options: ExampleOptions,
): Promise<{ gateway: NatGateway; created: boolean }> {
  const auth = keystone({
    authUrl: `${options.url}/v3`,
    username: options.username ?? 'demo',
    password: options.password ?? 'demo-password',
    project: options.project ?? 'demo',
  });
  let nat: Client | undefined;
  try {
    // The token's catalog names the NAT API's endpoint: the gateway again.
    nat = createClient({ baseUrl: await auth.endpoint('nat'), getToken: auth.getToken });
    return await createAndWait(nat, options);
  } finally {
    await nat?.close();
    await auth.close();
  }
}

async function createAndWait(
  nat: Client,
  { name, signal, onStatus, routerId, internalNetworkId }: ExampleOptions,
): Promise<{ gateway: NatGateway; created: boolean }> {
  const withSignal = signal ? { signal } : {};
  const { nat_gateways } = await nat.get<{ nat_gateways: NatGateway[] }>('/v2.0/nat_gateways', {
    query: { name },
    ...withSignal,
  });
  let gateway = nat_gateways[0];
  const created = gateway === undefined;
  // Any error status (400 with the page's code, 403 for a read-only user, …) is thrown.
  gateway ??= (
    await nat.post<{ nat_gateway: NatGateway }>(
      '/v2.0/nat_gateways',
      {
        nat_gateway: {
          name,
          spec: '1',
          router_id: routerId ?? 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
          internal_network_id: internalNetworkId ?? 'b0000100-0000-4000-8000-000000000001',
        },
      },
      withSignal,
    )
  ).body.nat_gateway;
  // PENDING_CREATE → ACTIVE: look again after pauses that grow (250 ms, 500 ms, … 5 s).
  for (let poll = 0; gateway.status !== 'ACTIVE'; poll++) {
    onStatus?.(gateway.status);
    if (!gateway.status.startsWith('PENDING_'))
      throw new Error(`NAT gateway ${gateway.id} is ${gateway.status}`);
    await sleep(pollDelay(poll), signal);
    ({ nat_gateway: gateway } = await nat.get<{ nat_gateway: NatGateway }>(
      `/v2.0/nat_gateways/${gateway.id}`,
      withSignal,
    ));
  }
  onStatus?.(gateway.status);
  return { gateway, created };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { gateway, created } = await createNatGateway({
      url: process.env.STATUSKIT_URL ?? 'http://127.0.0.1:8080',
      name: process.argv[2] ?? 'example-nat',
      signal: AbortSignal.timeout(60_000),
      onStatus: (status) => console.log(status),
    });
    console.log(`${created ? 'created' : 'found'} ${gateway.name} (${gateway.id}): ${gateway.status}`);
  } catch (error) {
    // The service's answer (400 NAT.0012: the subnet already has a gateway of another name), not a stack.
    console.error(isContractError(error) ? `${error.status} ${error.code}: ${error.message}` : String(error));
    process.exitCode = 1;
  }
}
