/**
 * Crash during writes: clients create NAT gateways, add tag batches (five tags in one request,
 * one transaction), SNAT rules (a rule and claims on its two EIPs, one transaction), DNAT rules
 * in batches (two rules in one request, one transaction), private NAT gateways (an address of
 * their subnet chosen under a lock) and transit IP addresses through the gateway, and natgw is killed with SIGKILL in the middle of it; then restarted on the same
 * database. Three times (once in the short form), on SQLite and on PostgreSQL.
 *
 * Afterwards, read from the restarted natgw directly: every write answered 201/204 is there,
 * nothing answered with a definite failure is, no tag or DNAT batch is there in part, and the database
 * holds no SNAT rule without its EIP claims nor a claim without its rule. Writes that got no
 * answer (or 502) may have happened or not; how many did is a figure.
 *
 * `back-in`: from the restarted natgw being ready to the first request through the gateway that
 * reaches it (the gateway's passive health, on its defaults, takes a dead upstream out for 1 s).
 */
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { type Api, api, demoNet, gatewayBody, privateNet, projects } from '../lib/api.js';
import {
  audit,
  type ClaimRows,
  Ledger,
  type Ledger as LedgerType,
  type Outcome,
  outcomeOf,
  tornRules,
} from '../lib/ledger.js';
import { type Context, ms, Report, type Scenario } from '../lib/scenario.js';
import { sleep } from '../lib/scope.js';
import { type Engine, type System, startSystem } from '../lib/system.js';

const workers = 12;
const tagsPerBatch = 5;
const rulesPerBatch = 2;
const demoPrivate = privateNet('demo');

export function crash(engine: Engine): Scenario {
  return {
    name: `crash-${engine}`,
    budget: { full: 120_000, short: 50_000 },
    run: (context) => run(context, engine),
  };
}

async function readClaims(system: System): Promise<ClaimRows> {
  const rulesSql = 'select id, floating_ip_id from snat_rules';
  const claimsSql = 'select floating_ip_id, rule_id, kind from eip_claims';
  if (system.storage.databaseUrl) {
    const client = new pg.Client({ connectionString: system.storage.databaseUrl });
    await client.connect();
    try {
      return {
        rules: (await client.query(rulesSql)).rows,
        claims: (await client.query(claimsSql)).rows,
      };
    } finally {
      await client.end();
    }
  }
  const db = new Sqlite(system.storage.sqliteFile, { readonly: true, fileMustExist: true });
  try {
    return {
      rules: db.prepare(rulesSql).all() as ClaimRows['rules'],
      claims: db.prepare(claimsSql).all() as ClaimRows['claims'],
    };
  } finally {
    db.close();
  }
}

/** Shared state of the writers: the ledger, and counters for unique names, CIDRs and EIPs. */
interface Writers {
  ledger: LedgerType;
  cycle: number;
  seq: number;
  nextEip: number;
  stop: boolean;
  signal: AbortSignal;
  /** Confirmed gateways and how many tags each has been given. */
  mine: Map<string, number>;
  /** Confirmed SNAT rules and their gateways; those being updated are `busy`. */
  snatRules: [string, string][];
  busy: Set<string>;
}

async function writer(client: Api, token: string, state: Writers, index: number): Promise<void> {
  const { ledger } = state;
  while (!state.stop && !state.signal.aborted) {
    const roll = Math.random();
    const gateways = [...state.mine.entries()].filter(([, tags]) => tags + tagsPerBatch <= 20);
    const seq = state.seq++;
    if (roll >= 0.72) {
      if (roll < 0.86) await privateGateway(client, token, state, `pg${state.cycle}_${index}_${seq}`, seq);
      else await transitIp(client, token, state, seq);
    } else if (roll < 0.35 || gateways.length === 0) {
      const name = `cr${state.cycle}_${index}_${seq}`;
      ledger.gateways.set(name, { outcome: 'uncertain' });
      const answer = await client.request('POST', '/v2.0/nat_gateways', { token, body: gatewayBody(name) });
      const outcome = outcomeOf(answer);
      const id =
        outcome === 'ok'
          ? (JSON.parse(answer.body) as { nat_gateway: { id: string } }).nat_gateway.id
          : undefined;
      ledger.gateways.set(name, { outcome, ...(id ? { id } : {}) });
      if (id) state.mine.set(id, 0);
    } else if (roll < 0.5 || state.nextEip > 255 - rulesPerBatch) {
      const [gateway] = gateways[seq % gateways.length] ?? [];
      if (!gateway) continue;
      state.mine.set(gateway, (state.mine.get(gateway) ?? 0) + tagsPerBatch);
      const prefix = `b${state.cycle}-${index}-${seq}`;
      const keys = Array.from({ length: tagsPerBatch }, (_, i) => `${prefix}-${i}`);
      ledger.batches.set(prefix, { outcome: 'uncertain', gateway, keys });
      const answer = await client.request(
        'POST',
        `/v2.0/${projects.demo}/nat_gateways/${gateway}/tags/action`,
        {
          token,
          body: { action: 'create', tags: keys.map((key) => ({ key, value: 'v' })) },
        },
      );
      ledger.batches.set(prefix, { outcome: outcomeOf(answer), gateway, keys });
    } else if (roll < 0.6) {
      const [gateway] = gateways[seq % gateways.length] ?? [];
      if (!gateway) continue;
      const eips = [demoNet.eip(state.nextEip++), demoNet.eip(state.nextEip++)];
      const cidr = `10.0.${1 + (seq % 64)}.${Math.floor(seq / 64) % 256}/32`;
      if (ledger.snats.has(cidr)) continue;
      ledger.snats.set(cidr, { outcome: 'uncertain', eips });
      const answer = await client.request('POST', '/v2.0/snat_rules', {
        token,
        body: {
          snat_rule: { nat_gateway_id: gateway, cidr, source_type: 0, floating_ip_id: eips.join(',') },
        },
      });
      const outcome = outcomeOf(answer);
      const id =
        outcome === 'ok'
          ? (JSON.parse(answer.body) as { snat_rule: { id: string } }).snat_rule.id
          : undefined;
      ledger.snats.set(cidr, { outcome, eips, ...(id ? { id } : {}) });
      if (id) state.snatRules.push([id, gateway]);
    } else if (roll < 0.66 && state.snatRules.length > 0) {
      await ruleUpdate(client, token, state, `u${state.cycle}-${index}-${seq}`, seq);
    } else {
      const [gateway] = gateways[seq % gateways.length] ?? [];
      if (!gateway) continue;
      const eips = Array.from({ length: rulesPerBatch }, () => demoNet.eip(state.nextEip++));
      const prefix = `d${state.cycle}-${index}-${seq}`;
      ledger.dnatBatches.set(prefix, { outcome: 'uncertain', eips });
      const answer = await client.request('POST', `/v2/${projects.demo}/dnat_rules/batch`, {
        token,
        body: {
          dnat_rules: eips.map((eip, i) => ({
            nat_gateway_id: gateway,
            port_id: demoNet.port(1 + (seq % 64)),
            internal_service_port: 1_000 + ((seq * rulesPerBatch + i) % 60_000),
            floating_ip_id: eip,
            external_service_port: 80,
            protocol: 'tcp',
          })),
        },
      });
      ledger.dnatBatches.set(prefix, { outcome: outcomeOf(answer), eips });
    }
  }
}

/** Changes the description of a confirmed SNAT rule no other writer is updating. */
async function ruleUpdate(client: Api, token: string, state: Writers, description: string, seq: number) {
  const [id, gateway] = state.snatRules[seq % state.snatRules.length] ?? [];
  if (!id || !gateway || state.busy.has(id)) return;
  state.busy.add(id);
  const updates = state.ledger.ruleUpdates.get(id) ?? [];
  state.ledger.ruleUpdates.set(id, updates);
  const update = { outcome: 'uncertain' as Outcome, description };
  updates.push(update);
  const answer = await client.request('PUT', `/v2/${projects.demo}/snat_rules/${id}`, {
    token,
    body: { snat_rule: { nat_gateway_id: gateway, description } },
  });
  update.outcome = outcomeOf(answer);
  state.busy.delete(id);
}

/** Creates a private NAT gateway in one of the served subnets, its address left to natgw. */
async function privateGateway(client: Api, token: string, state: Writers, name: string, seq: number) {
  state.ledger.privateGateways.set(name, { outcome: 'uncertain' });
  const answer = await client.request('POST', `/v3/${projects.demo}/private-nat/gateways`, {
    token,
    body: { gateway: { name, downlink_vpcs: [{ virsubnet_id: demoPrivate.servedSubnet(1 + (seq % 16)) }] } },
  });
  const outcome = outcomeOf(answer);
  const id =
    outcome === 'ok' ? (JSON.parse(answer.body) as { gateway: { id: string } }).gateway.id : undefined;
  state.ledger.privateGateways.set(name, { outcome, ...(id ? { id } : {}) });
}

/** Assigns a transit IP address given by the writer, one no other write of the run asks for. */
async function transitIp(client: Api, token: string, state: Writers, seq: number) {
  const n = 1 + (seq % 16);
  const subnet = demoPrivate.transitSubnet(n);
  const address = demoPrivate.transitAddress(n, 20 + (Math.floor(seq / 16) % 230));
  const key = `${subnet}/${address}`;
  if (state.ledger.transitIps.has(key)) return;
  state.ledger.transitIps.set(key, { outcome: 'uncertain' });
  const answer = await client.request('POST', `/v3/${projects.demo}/private-nat/transit-ips`, {
    token,
    body: { transit_ip: { virsubnet_id: subnet, ip_address: address } },
  });
  const outcome = outcomeOf(answer);
  const id =
    outcome === 'ok' ? (JSON.parse(answer.body) as { transit_ip: { id: string } }).transit_ip.id : undefined;
  state.ledger.transitIps.set(key, { outcome, ...(id ? { id } : {}) });
}

async function run({ short, scope, signal, log }: Context, engine: Engine) {
  const report = new Report();
  const system = await startSystem({ scope, engine });
  const client = api(system.gateway.url, workers);
  scope.defer(() => client.close());
  const token = await client.token();
  const state: Writers = {
    ledger: new Ledger(),
    cycle: 0,
    seq: 0,
    nextEip: 1,
    stop: false,
    signal,
    mine: new Map(),
    snatRules: [],
    busy: new Set(),
  };
  const cycles = short ? 1 : 3;
  const recoveries: number[] = [];
  const killedAfter: number[] = [];

  for (let cycle = 1; cycle <= cycles && !signal.aborted; cycle++) {
    state.cycle = cycle;
    state.stop = false;
    const running = Array.from({ length: workers }, (_, index) => writer(client, token, state, index));
    const delay = 1_000 + Math.floor(Math.random() * 1_500);
    killedAfter.push(delay);
    await sleep(delay);
    const natgw = system.natgws[0];
    if (!natgw) throw new Error('no natgw');
    natgw.signal('SIGKILL');
    await natgw.exited;
    await sleep(300);
    state.stop = true;
    await Promise.all(running);
    log(`cycle ${cycle}: killed after ${delay} ms; restarting`);

    const restarted = await system.restart(0);
    const ready = performance.now();
    let back = await client.request('GET', '/v2.0/nat_gateways?limit=1', { token });
    while (back.status !== 200 && performance.now() - ready < 10_000) {
      await sleep(50);
      back = await client.request('GET', '/v2.0/nat_gateways?limit=1', { token });
    }
    recoveries.push(performance.now() - ready);
    report.check(
      back.status === 200,
      `cycle ${cycle}: the gateway did not reach the restarted natgw in 10 s`,
    );

    const direct = api(restarted.url, 4);
    try {
      const found = await audit(state.ledger, direct, token);
      const torn = tornRules(await readClaims(system));
      report.check(
        found.lost.length === 0,
        `cycle ${cycle}: lost ${found.lost.length}: ${found.lost.slice(0, 5).join('; ')}`,
      );
      report.check(
        found.phantom.length === 0,
        `cycle ${cycle}: phantom ${found.phantom.length}: ${found.phantom.slice(0, 5).join('; ')}`,
      );
      report.check(
        found.tornBatches.length === 0,
        `cycle ${cycle}: torn tag batches: ${found.tornBatches.slice(0, 5).join('; ')}`,
      );
      report.check(
        torn.length === 0,
        `cycle ${cycle}: half-written SNAT rules: ${torn.slice(0, 5).join('; ')}`,
      );
      if (cycle === cycles) {
        const { ledger } = state;
        const ok = (map: Map<string, { outcome: 'ok' | 'uncertain' | 'no' }>) => ledger.count(map, 'ok');
        const updates = new Map(
          [...ledger.ruleUpdates.values()].flat().map((update, i) => [String(i), update]),
        );
        const maps = [
          updates,
          ledger.gateways,
          ledger.batches,
          ledger.snats,
          ledger.dnatBatches,
          ledger.privateGateways,
          ledger.transitIps,
        ] as Map<string, { outcome: 'ok' | 'uncertain' | 'no' }>[];
        const sum = (outcome: 'uncertain' | 'no') =>
          maps.reduce((n, map) => n + ledger.count(map, outcome), 0);
        const uncertain = sum('uncertain');
        report.figure('cycles', cycles);
        report.figure('kill-after', killedAfter.map((d) => `${d}`).join('/'));
        report.figure(
          '201/204',
          `gateways:${ok(ledger.gateways)},tag-batches:${ok(ledger.batches)},snat:${ok(ledger.snats)},` +
            `snat-updates:${ok(updates)},dnat-batches:${ok(ledger.dnatBatches)},private:${ok(ledger.privateGateways)},` +
            `transit:${ok(ledger.transitIps)}`,
        );
        report.figure('lost', found.lost.length);
        report.figure('phantom', found.phantom.length);
        report.figure('torn', found.tornBatches.length + torn.length);
        report.figure('unanswered', `${uncertain}(done:${found.uncertainDone})`);
        report.figure('failed', sum('no'));
        report.figure('back-in', recoveries.map((r) => ms(r)).join('/'));
      }
    } finally {
      await direct.close();
    }
  }
  report.check(state.ledger.count(state.ledger.gateways, 'ok') > 0, 'no write succeeded at all');
  return report.outcome();
}
