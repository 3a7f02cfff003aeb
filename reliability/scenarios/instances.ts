/**
 * Many instances: two natgw processes on one PostgreSQL database behind the gateway.
 *
 * 1. Races: 50 concurrent creates of what the pages make unique, half sent to each instance
 *    directly, on connections opened beforehand: an SNAT rule for a network (one per gateway,
 *    400 NAT.0208), a DNAT rule on an EIP, external port and protocol (400 NAT.0305). Exactly
 *    one 201, the other 49 get the page's status and code, and one rule exists. 10 rounds (3 in
 *    the short form), the kinds in turn.
 * 2. Read your writes across instances: created through one, read at once through the other;
 *    updated through one, the other shows the change; deleted through one, gone on the other.
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

type Kind = 'snat' | 'dnat';

/** What the losers of a race must get: the page's status and code for the condition. */
const losing: Record<Kind, { status: number; code: string }> = {
  snat: { status: 400, code: 'NAT.0208' },
  dnat: { status: 400, code: 'NAT.0305' },
};

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
  const rounds = short ? 3 : 10;
  const raceGateway = await create(a, token, uniqueName('race-host'));
  const raceFailures: string[] = [];
  const raceTallies = new Map<string, number>();
  for (let round = 0; round < rounds && !signal.aborted; round++) {
    const kind: Kind = round % 2 === 0 ? 'snat' : 'dnat';
    const n = round + 1;
    // Every racer's rule differs but in what must be unique (for DNAT, the internal port too).
    const [path, body, list] =
      kind === 'snat'
        ? [
            '/v2.0/snat_rules',
            (i: number) => ({
              snat_rule: {
                nat_gateway_id: raceGateway,
                network_id: demoNet.subnet(n),
                floating_ip_id: demoNet.eip(1 + (i % 20)),
              },
            }),
            `/v2.0/snat_rules?network_id=${demoNet.subnet(n)}`,
          ]
        : [
            '/v2.0/dnat_rules',
            (i: number) => ({
              dnat_rule: {
                nat_gateway_id: raceGateway,
                port_id: demoNet.port(n),
                internal_service_port: 1_000 + i,
                floating_ip_id: demoNet.eip(100 + n),
                external_service_port: 10_000 + n,
                protocol: 'tcp',
              },
            }),
            `/v2.0/dnat_rules?floating_ip_id=${demoNet.eip(100 + n)}`,
          ];
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
    const items = Object.values(json<Record<string, unknown[]>>(found))[0] ?? [];
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
  for (let i = 0; i < iterations && !signal.aborted; i++) {
    const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
    const id = await create(writer, token, uniqueName('ryw'));
    const read = await reader.request('GET', `/v2.0/nat_gateways/${id}`, { token });
    if (read.status !== 200) stale.push(`created, then read on the other: ${read.status}`);
    const description = `d${i}`;
    const updated = await writer.request('PUT', `/v2.0/nat_gateways/${id}`, {
      token,
      body: { nat_gateway: { description } },
    });
    const reread = await reader.request('GET', `/v2.0/nat_gateways/${id}`, { token });
    if (
      updated.status !== 200 ||
      json<{ nat_gateway?: { description?: string } }>(reread).nat_gateway?.description !== description
    )
      stale.push(
        `updated (${updated.status}), then read on the other: ${reread.status} ${reread.body.slice(0, 80)}`,
      );
    const deleted = await writer.request('DELETE', `/v2.0/nat_gateways/${id}`, { token });
    const gone = await reader.request('GET', `/v2.0/nat_gateways/${id}`, { token });
    if (deleted.status !== 204 || gone.status !== 404)
      stale.push(`deleted (${deleted.status}), then read on the other: ${gone.status}`);
  }
  report.figure('cross-reads', `${3 * iterations - stale.length}/${3 * iterations}`);
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
