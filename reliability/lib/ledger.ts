/**
 * What clients were told about their writes, and what the service holds afterwards: the
 * bookkeeping of the crash and kill scenarios. A write answered 2xx is `ok` (it must be there);
 * one that got no answer, or 502/504 from the gateway, is `uncertain` (it may be); any other
 * answer (4xx, 503) is `no` (it must not be).
 */
import type { Answer, Api } from './api.js';
import { projects } from './api.js';

export type Outcome = 'ok' | 'uncertain' | 'no';

export function outcomeOf(answer: Answer): Outcome {
  if (answer.status >= 200 && answer.status < 300) return 'ok';
  if (answer.status === 0 || answer.status === 502 || answer.status === 504) return 'uncertain';
  return 'no';
}

export interface GatewayEntry {
  outcome: Outcome;
  id?: string;
}

export interface BatchEntry {
  outcome: Outcome;
  gateway: string;
  keys: string[];
}

export interface SnatEntry {
  outcome: Outcome;
  id?: string;
  eips: string[];
}

/** A batch of DNAT rules (one request, one transaction): all of them are there, or none. */
export interface DnatBatchEntry {
  outcome: Outcome;
  /** The EIP of each rule: one rule per EIP. */
  eips: string[];
}

export class Ledger {
  /** By gateway name. */
  readonly gateways = new Map<string, GatewayEntry>();
  /** Tag batches by their key prefix. */
  readonly batches = new Map<string, BatchEntry>();
  /** SNAT rules by their CIDR. */
  readonly snats = new Map<string, SnatEntry>();
  /** Private NAT gateways by name. */
  readonly privateGateways = new Map<string, GatewayEntry>();
  /** Transit IP addresses by `subnet/address`. */
  readonly transitIps = new Map<string, GatewayEntry>();
  /** Description updates of SNAT rules by rule id, in the order they were sent (one at a time). */
  readonly ruleUpdates = new Map<string, { outcome: Outcome; description: string }[]>();
  /** DNAT rule batches by their prefix. */
  readonly dnatBatches = new Map<string, DnatBatchEntry>();

  count(map: Map<string, { outcome: Outcome }>, outcome: Outcome): number {
    let n = 0;
    for (const entry of map.values()) if (entry.outcome === outcome) n++;
    return n;
  }
}

export interface Audit {
  /** Answered 201/204 and not there. */
  lost: string[];
  /** Answered with a definite failure and there anyway. */
  phantom: string[];
  /** Uncertain writes that turned out done. */
  uncertainDone: number;
  /** Tag and DNAT batches found with some but not all of their items. */
  tornBatches: string[];
}

interface Listed {
  nat_gateways?: { id: string; name: string }[];
  snat_rules?: { id: string; cidr: string | null; floating_ip_id: string; description: string }[];
  tags?: { key: string; value: string }[];
}

async function list(client: Api, token: string, path: string): Promise<Listed> {
  const answer = await client.request('GET', path, { token });
  if (answer.status !== 200)
    throw new Error(`GET ${path}: ${answer.status} ${answer.error ?? answer.body.slice(0, 200)}`);
  return JSON.parse(answer.body) as Listed;
}

/** Every item of a list, page by page (`key` names the list in the answer). */
async function all<T extends { id: string }>(client: Api, token: string, path: string, key: string) {
  const items: T[] = [];
  let marker = '';
  for (;;) {
    const answer = await client.request('GET', `${path}?limit=2000${marker}`, { token });
    if (answer.status !== 200)
      throw new Error(`GET ${path}: ${answer.status} ${answer.error ?? answer.body.slice(0, 200)}`);
    const page = (JSON.parse(answer.body) as Record<string, T[]>)[key] ?? [];
    items.push(...page);
    const last = page[page.length - 1];
    if (page.length < 2000 || !last) return items;
    marker = `&marker=${last.id}`;
  }
}

/** Checks each entry of `map` against `found` (the id there under the same key, if any). */
function compare(
  result: Audit,
  what: string,
  map: Map<string, GatewayEntry>,
  found: Map<string, string>,
): void {
  for (const [key, entry] of map) {
    const id = found.get(key);
    if (entry.outcome === 'ok' && id !== entry.id) result.lost.push(`${what} ${key} (${entry.id})`);
    if (entry.outcome === 'no' && id !== undefined) result.phantom.push(`${what} ${key}`);
    if (entry.outcome === 'uncertain' && id !== undefined) result.uncertainDone++;
  }
}

/** Compares the ledger with what the service (through `client`) holds for the demo project. */
export async function audit(ledger: Ledger, client: Api, token: string): Promise<Audit> {
  const result: Audit = { lost: [], phantom: [], uncertainDone: 0, tornBatches: [] };
  const gateways = new Map<string, string>();
  let marker = '';
  for (;;) {
    const page = (await list(client, token, `/v2.0/nat_gateways?limit=2000${marker}`)).nat_gateways ?? [];
    for (const gateway of page) gateways.set(gateway.name, gateway.id);
    const last = page[page.length - 1];
    if (page.length < 2000 || !last) break;
    marker = `&marker=${last.id}`;
  }
  for (const [name, entry] of ledger.gateways) {
    const id = gateways.get(name);
    if (entry.outcome === 'ok' && id !== entry.id) result.lost.push(`gateway ${name} (${entry.id})`);
    if (entry.outcome === 'no' && id !== undefined) result.phantom.push(`gateway ${name}`);
    if (entry.outcome === 'uncertain' && id !== undefined) result.uncertainDone++;
  }

  const tagsOf = new Map<string, Set<string>>();
  for (const gateway of new Set([...ledger.batches.values()].map((batch) => batch.gateway))) {
    const tags =
      (await list(client, token, `/v2.0/${projects.demo}/nat_gateways/${gateway}/tags`)).tags ?? [];
    tagsOf.set(gateway, new Set(tags.map((tag) => tag.key)));
  }
  for (const [prefix, batch] of ledger.batches) {
    const present = batch.keys.filter((key) => tagsOf.get(batch.gateway)?.has(key)).length;
    if (present !== 0 && present !== batch.keys.length)
      result.tornBatches.push(`${prefix}: ${present} of ${batch.keys.length} tags`);
    if (batch.outcome === 'ok' && present !== batch.keys.length) result.lost.push(`tag batch ${prefix}`);
    if (batch.outcome === 'no' && present > 0) result.phantom.push(`tag batch ${prefix}`);
    if (batch.outcome === 'uncertain' && present === batch.keys.length) result.uncertainDone++;
  }

  const rules = new Map<string, string>();
  const descriptions = new Map<string, string>();
  for (const rule of (await list(client, token, '/v2.0/snat_rules?limit=2000')).snat_rules ?? []) {
    if (rule.cidr) rules.set(rule.cidr, rule.id);
    descriptions.set(rule.id, rule.description);
  }
  for (const [id, updates] of ledger.ruleUpdates) {
    const found = descriptions.get(id);
    if (found === undefined) continue;
    // What it may hold: the last confirmed update (or none, ''), or one sent after it unanswered.
    const last = updates.findLastIndex((update) => update.outcome === 'ok');
    const allowed = new Set([
      last < 0 ? '' : (updates[last]?.description ?? ''),
      ...updates.slice(last + 1).flatMap((u) => (u.outcome === 'uncertain' ? [u.description] : [])),
    ]);
    if (allowed.has(found)) {
      if (found !== (updates[last]?.description ?? '')) result.uncertainDone++;
    } else if (updates.some((u) => u.outcome === 'no' && u.description === found))
      result.phantom.push(`snat rule ${id} update to ${found}`);
    else result.lost.push(`snat rule ${id} update (holds ${JSON.stringify(found)})`);
  }
  for (const [cidr, entry] of ledger.snats) {
    const id = rules.get(cidr);
    if (entry.outcome === 'ok' && id !== entry.id) result.lost.push(`snat rule ${cidr} (${entry.id})`);
    if (entry.outcome === 'no' && id !== undefined) result.phantom.push(`snat rule ${cidr}`);
    if (entry.outcome === 'uncertain' && id !== undefined) result.uncertainDone++;
  }

  const v3 = `/v3/${projects.demo}/private-nat`;
  if (ledger.privateGateways.size > 0) {
    const found = await all<{ id: string; name: string }>(client, token, `${v3}/gateways`, 'gateways');
    compare(result, 'private gateway', ledger.privateGateways, new Map(found.map((g) => [g.name, g.id])));
  }
  if (ledger.transitIps.size > 0) {
    const found = await all<{ id: string; virsubnet_id: string; ip_address: string }>(
      client,
      token,
      `${v3}/transit-ips`,
      'transit_ips',
    );
    const byAddress = new Map(found.map((ip) => [`${ip.virsubnet_id}/${ip.ip_address}`, ip.id]));
    compare(result, 'transit ip', ledger.transitIps, byAddress);
  }
  if (ledger.dnatBatches.size > 0) {
    const found = await all<{ id: string; floating_ip_id: string }>(
      client,
      token,
      '/v2.0/dnat_rules',
      'dnat_rules',
    );
    const eips = new Set(found.map((rule) => rule.floating_ip_id));
    for (const [prefix, batch] of ledger.dnatBatches) {
      const present = batch.eips.filter((eip) => eips.has(eip)).length;
      if (present !== 0 && present !== batch.eips.length)
        result.tornBatches.push(`dnat batch ${prefix}: ${present} of ${batch.eips.length} rules`);
      if (batch.outcome === 'ok' && present !== batch.eips.length) result.lost.push(`dnat batch ${prefix}`);
      if (batch.outcome === 'no' && present > 0) result.phantom.push(`dnat batch ${prefix}`);
      if (batch.outcome === 'uncertain' && present === batch.eips.length) result.uncertainDone++;
    }
  }
  return result;
}

/** Rows of a claim and a rule as the database holds them. */
export interface ClaimRows {
  rules: { id: string; floating_ip_id: string }[];
  claims: { floating_ip_id: string; rule_id: string; kind: string }[];
}

/**
 * Half-written SNAT rules, straight from the database: a rule without a claim on each of its
 * EIPs, or an SNAT claim without its rule.
 */
export function tornRules({ rules, claims }: ClaimRows): string[] {
  const torn: string[] = [];
  const claimed = new Map(claims.map((claim) => [claim.floating_ip_id, claim]));
  const ruleIds = new Set(rules.map((rule) => rule.id));
  for (const rule of rules) {
    for (const eip of rule.floating_ip_id.split(',')) {
      const claim = claimed.get(eip);
      if (!claim || claim.rule_id !== rule.id) torn.push(`snat rule ${rule.id} has no claim on ${eip}`);
    }
  }
  for (const claim of claims) {
    if (claim.kind === 'snat' && !ruleIds.has(claim.rule_id))
      torn.push(`claim on ${claim.floating_ip_id} for a missing snat rule ${claim.rule_id}`);
  }
  return torn;
}
