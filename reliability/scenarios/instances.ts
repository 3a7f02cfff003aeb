/**
 * Many instances: two natgw processes on one PostgreSQL database behind the gateway.
 *
 * 1. Races: 50 concurrent creates of what the pages make unique, half sent to each instance
 *    directly, on connections opened beforehand: an SNAT rule for a network (one per gateway,
 *    400 NAT.0208), a DNAT rule on an EIP, external port and protocol (400 NAT.0305), a transit
 *    IP address (409 NAT.1403), a private NAT gateway on one `ngport_ip_address` (409 NAT.1403).
 *    Exactly one 201, the other 49 get the page's status and code, and one exists. 12 rounds
 *    (4 in the short form), the kinds in turn.
 * 2. Read your writes across instances: created through one, read at once through the other;
 *    updated through one, the other shows the change; deleted through one, gone on the other.
 *    NAT gateways, private NAT gateways, and transit IP addresses (which have no update).
 * 3. Kill one instance (SIGKILL) under load through the gateway: idempotent requests (GET, PUT)
 *    keep getting 200 through the other, POSTs get 201 or fail with 502/503, never without an
 *    answer nor with another status; every 201 is there afterwards.
 */
import {
  type Answer,
  type Api,
  api,
  bump,
  demoNet,
  gatewayBody,
  json,
  privateNet,
  projects,
  tally,
  uniqueName,
} from '../lib/api.js';
import { type Context, Report, type Scenario } from '../lib/scenario.js';
import { sleep } from '../lib/scope.js';
import { startSystem } from '../lib/system.js';

const racers = 50;

export const instances: Scenario = {
  name: 'instances',
  budget: { full: 100_000, short: 60_000 },
  run,
};

const kinds = ['snat', 'dnat', 'transit', 'private'] as const;
type Kind = (typeof kinds)[number];

/** What the losers of a race must get: the page's status and code for the condition. */
const losing: Record<Kind, { status: number; code: string }> = {
  snat: { status: 400, code: 'NAT.0208' },
  dnat: { status: 400, code: 'NAT.0305' },
  transit: { status: 409, code: 'NAT.1403' },
  private: { status: 409, code: 'NAT.1403' },
};

const demoPrivate = privateNet('demo');
const v3 = `/v3/${projects.demo}/private-nat`;

/** A race of round `n`: where to send, each racer's body, and the list that must hold one. */
function race(kind: Kind, n: number, gateway: string): [string, (i: number) => unknown, string] {
  switch (kind) {
    case 'snat':
      return [
        '/v2.0/snat_rules',
        (i) => ({
          snat_rule: {
            nat_gateway_id: gateway,
            network_id: demoNet.subnet(n),
            floating_ip_id: demoNet.eip(1 + (i % 20)),
          },
        }),
        `/v2.0/snat_rules?network_id=${demoNet.subnet(n)}`,
      ];
    case 'dnat':
      // Every racer's rule differs but in what must be unique (the internal port too).
      return [
        '/v2.0/dnat_rules',
        (i) => ({
          dnat_rule: {
            nat_gateway_id: gateway,
            port_id: demoNet.port(n),
            internal_service_port: 1_000 + i,
            floating_ip_id: demoNet.eip(100 + n),
            external_service_port: 10_000 + n,
            protocol: 'tcp',
          },
        }),
        `/v2.0/dnat_rules?floating_ip_id=${demoNet.eip(100 + n)}`,
      ];
    case 'transit': {
      const [subnet, address] = [demoPrivate.transitSubnet(n), demoPrivate.transitAddress(n, 50)];
      return [
        `${v3}/transit-ips`,
        () => ({ transit_ip: { virsubnet_id: subnet, ip_address: address } }),
        `${v3}/transit-ips?virsubnet_id=${subnet}&ip_address=${address}`,
      ];
    }
    default: {
      const [subnet, address] = [demoPrivate.servedSubnet(n), demoPrivate.servedAddress(n, 50)];
      return [
        `${v3}/gateways`,
        (i) => ({
          gateway: {
            name: `race_${n}_${i}`,
            downlink_vpcs: [{ virsubnet_id: subnet, ngport_ip_address: address }],
          },
        }),
        `${v3}/gateways?virsubnet_id=${subnet}`,
      ];
    }
  }
}

/** The items of a list answer, whatever the list is called (v3 answers also hold page_info). */
function itemsOf(answer: Answer): unknown[] {
  return Object.values(json<Record<string, unknown>>(answer)).find(Array.isArray) ?? [];
}

/** A resource read across instances: where it is created, its create body, its name in answers. */
interface Resource {
  path: string;
  one: string;
  body: (name: string, i: number) => unknown;
  update: boolean;
}

const resources: Resource[] = [
  { path: '/v2.0/nat_gateways', one: 'nat_gateway', body: (name) => gatewayBody(name), update: true },
  {
    path: `${v3}/gateways`,
    one: 'gateway',
    body: (name, i) => ({
      gateway: { name, downlink_vpcs: [{ virsubnet_id: demoPrivate.servedSubnet(13 + (i % 4)) }] },
    }),
    update: true,
  },
  {
    path: `${v3}/transit-ips`,
    one: 'transit_ip',
    body: (_, i) => ({ transit_ip: { virsubnet_id: demoPrivate.transitSubnet(13 + (i % 4)) } }),
    update: false,
  },
];

async function create(client: Api, token: string, name: string): Promise<string> {
  const answer = await client.request('POST', '/v2.0/nat_gateways', { token, body: gatewayBody(name) });
  if (answer.status !== 201) throw new Error(`setup create: ${answer.status} ${answer.body.slice(0, 200)}`);
  return json<{ nat_gateway: { id: string } }>(answer).nat_gateway.id;
}

async function run({ short, scope, signal, log }: Context) {
  const report = new Report();
  const system = await startSystem({ scope, engine: 'postgres', instances: 2 });
  const [one, two] = system.natgws;
  if (!one || !two) throw new Error('two instances expected');
  const clients = [api(one.url, racers), api(two.url, racers)] as const;
  const [a, b] = clients;
  const front = api(system.gateway.url, 24);
  for (const client of [a, b, front]) scope.defer(() => client.close());
  const token = await a.token();

  // 1. Races.
  log('races');
  const rounds = short ? kinds.length : 3 * kinds.length;
  const raceGateway = await create(a, token, uniqueName('race-host'));
  const raceFailures: string[] = [];
  const raceTallies = new Map<string, number>();
  for (let round = 0; round < rounds && !signal.aborted; round++) {
    const kind = kinds[round % kinds.length] as Kind;
    const n = round + 1;
    const [path, body, list] = race(kind, n, raceGateway);
    // Open the connections first, so that the 50 creates leave together.
    await Promise.all(Array.from({ length: racers }, (_, i) => clients[i % 2]?.request('GET', '/v2.0', {})));
    const answers: Answer[] = await Promise.all(
      Array.from({ length: racers }, (_, i) =>
        (clients[i % 2] as Api).request('POST', path, { token, body: body(i) }),
      ),
    );
    const expected = losing[kind];
    const statuses = new Map<string, number>();
    for (const answer of answers) {
      const code = answer.status === 201 ? '' : ` ${json<{ error?: { code?: string } }>(answer).error?.code}`;
      bump(statuses, `${answer.status}${code}`);
    }
    const lost = `${expected.status} ${expected.code}`;
    const found = await a.request('GET', list, { token });
    const items = itemsOf(found);
    bump(raceTallies, `${kind}:${statuses.get('201') ?? 0}×201+${statuses.get(lost) ?? 0}×${lost}`);
    if (statuses.get('201') !== 1 || statuses.get(lost) !== racers - 1 || items.length !== 1)
      raceFailures.push(`${kind} round ${round + 1}: ${tally(statuses)}, ${items.length} found`);
  }
  report.figure('races', `${rounds - raceFailures.length}/${rounds} (${tally(raceTallies)})`);
  report.check(
    raceFailures.length === 0,
    `races without exactly one 201 and ${racers - 1} answers with the page's code: ${raceFailures.join('; ')}`,
  );

  // 2. Read your writes across instances.
  log('read your writes');
  const iterations = short ? 20 : 100;
  const stale: string[] = [];
  let reads = 0;
  const crossRead = async (writer: Api, reader: Api, what: Resource, i: number) => {
    const made = await writer.request('POST', what.path, { token, body: what.body(uniqueName('ryw'), i) });
    if (made.status !== 201) throw new Error(`setup create: ${made.status} ${made.body.slice(0, 200)}`);
    const id = (json<Record<string, { id: string }>>(made)[what.one] as { id: string }).id;
    const at = `${what.path}/${id}`;
    const read = await reader.request('GET', at, { token });
    reads++;
    if (read.status !== 200) stale.push(`${what.one} created, then read on the other: ${read.status}`);
    if (what.update) {
      const description = `d${i}`;
      const updated = await writer.request('PUT', at, { token, body: { [what.one]: { description } } });
      const reread = await reader.request('GET', at, { token });
      reads++;
      if (
        updated.status !== 200 ||
        json<Record<string, { description?: string }>>(reread)[what.one]?.description !== description
      )
        stale.push(
          `${what.one} updated (${updated.status}), then read on the other: ${reread.status} ${reread.body.slice(0, 80)}`,
        );
    }
    const deleted = await writer.request('DELETE', at, { token });
    const gone = await reader.request('GET', at, { token });
    reads++;
    if (deleted.status !== 204 || gone.status !== 404)
      stale.push(`${what.one} deleted (${deleted.status}), then read on the other: ${gone.status}`);
  };
  for (let i = 0; i < iterations && !signal.aborted; i++) {
    const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
    for (const what of resources) await crossRead(writer, reader, what, i);
  }
  report.figure('cross-reads', `${reads - stale.length}/${reads}`);
  report.check(
    stale.length === 0,
    `stale reads across instances: ${stale.slice(0, 3).join('; ')} (${stale.length})`,
  );

  // 3. Kill one instance under load.
  log('kill one instance under load');
  const own = await Promise.all(Array.from({ length: 6 }, () => create(front, token, uniqueName('kill'))));
  const statuses = {
    GET: new Map<number | string, number>(),
    PUT: new Map<number | string, number>(),
    POST: new Map<number | string, number>(),
  };
  const created: string[] = [];
  let stop = false;
  const loop = async (method: 'GET' | 'PUT' | 'POST', index: number) => {
    const gateway = own[index % own.length] as string;
    for (let i = 0; !stop && !signal.aborted; i++) {
      const answer =
        method === 'GET'
          ? await front.request(
              'GET',
              i % 2 ? `/v2.0/nat_gateways/${gateway}` : '/v2.0/nat_gateways?limit=20',
              { token },
            )
          : method === 'PUT'
            ? await front.request('PUT', `/v2.0/nat_gateways/${gateway}`, {
                token,
                body: { nat_gateway: { description: `p${i}` } },
              })
            : await front.request('POST', '/v2.0/nat_gateways', {
                token,
                body: gatewayBody(uniqueName('k')),
              });
      bump(statuses[method], answer.status === 0 ? `no-answer(${answer.error})` : answer.status);
      if (method === 'POST' && answer.status === 201)
        created.push(json<{ nat_gateway: { id: string } }>(answer).nat_gateway.id);
    }
  };
  const loops = [
    ...Array.from({ length: 8 }, (_, i) => loop('GET', i)),
    ...Array.from({ length: 6 }, (_, i) => loop('PUT', i)),
    ...Array.from({ length: 6 }, (_, i) => loop('POST', i)),
  ];
  await sleep(short ? 1_000 : 2_000);
  one.signal('SIGKILL');
  await one.exited;
  await sleep(short ? 2_000 : 4_000);
  stop = true;
  await Promise.all(loops);

  const only = (map: Map<number | string, number>, allowed: number[]) =>
    [...map.keys()].every((status) => typeof status === 'number' && allowed.includes(status));
  report.figure('kill:GET', tally(statuses.GET).replace(/ /g, ','));
  report.figure('kill:PUT', tally(statuses.PUT).replace(/ /g, ','));
  report.figure('kill:POST', tally(statuses.POST).replace(/ /g, ','));
  report.check(
    only(statuses.GET, [200]) && only(statuses.PUT, [200]),
    `idempotent requests failed: GET ${tally(statuses.GET)}, PUT ${tally(statuses.PUT)}`,
  );
  report.check(
    only(statuses.POST, [201, 502, 503]),
    `POST answers other than 201, 502, 503: ${tally(statuses.POST)}`,
  );
  let missing = 0;
  for (const id of created)
    if ((await b.request('GET', `/v2.0/nat_gateways/${id}`, { token })).status !== 200) missing++;
  report.check(missing === 0, `${missing} of ${created.length} POSTs answered 201 are not there`);
  report.check(two.alive() && system.gateway.alive(), 'the surviving instance or the gateway died');
  return report.outcome();
}
