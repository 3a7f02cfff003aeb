import type { Kysely } from 'kysely';
import type { ProjectConfig } from '../config.js';
import { alive } from '../db/lifecycle.js';
import type { Schema } from '../db/schema.js';
import type { Network } from './fixture.js';

/** How many free networks a banner names. */
const shown = 3;

/**
 * What a banner says of a project's network, as `[label, text]` lines: the ids a first request
 * needs, as stored now (a VPC, networks of it no NAT gateway uses yet, a port, an EIP no rule
 * holds), and how to put one's own.
 */
export async function networkLines(
  db: Kysely<Schema>,
  project: ProjectConfig,
  now: number,
): Promise<[string, string][]> {
  const own: [string, string] = [
    'network',
    `your own: npm run natgw -- network put ${project.name} my-network.json (npm run natgw -- network get ${project.name} shows this one)`,
  ];
  const row = await db
    .selectFrom('project_networks')
    .select('document')
    .where('tenant_id', '=', project.id)
    .executeTakeFirst();
  const network = row ? (JSON.parse(row.document) as Network) : undefined;
  const router = network?.routers[0];
  if (!network || !router) return [own];
  const gateways = await db
    .selectFrom('nat_gateways')
    .select('internal_network_id')
    .where('tenant_id', '=', project.id)
    .where(alive(now))
    .execute();
  const used = new Set(gateways.map((gateway) => gateway.internal_network_id));
  const claimed = await db
    .selectFrom('eip_claims')
    .select('floating_ip_id')
    .where('tenant_id', '=', project.id)
    .execute();
  const held = new Set(claimed.map((claim) => claim.floating_ip_id));
  const ofRouter = network.networks.filter((net) => net.router_id === router.id);
  const free = ofRouter.filter((net) => !used.has(net.id));
  const inRouter = new Set(ofRouter.map((net) => net.id));
  const port = network.ports.find((candidate) => inRouter.has(candidate.network_id));
  const eip = network.floating_ips.find((candidate) => !held.has(candidate.id));
  const more = free.length > shown ? ` and ${free.length - shown} more` : '';
  return [
    ['VPC', `${router.id} (${router.name}, ${router.cidr}; project ${project.name})`],
    [
      'networks',
      free.length === 0
        ? `none of this VPC is free: each has a NAT gateway`
        : `${free
            .slice(0, shown)
            .map((net) => `${net.id} (${net.cidr})`)
            .join(', ')}${more}, free for a NAT gateway`,
    ],
    ...(port ? [['port', `${port.id} (${port.ip}, network ${port.network_id})`] as [string, string]] : []),
    ['EIP', eip ? `${eip.id} (${eip.address}), free` : 'none is free: each is held by a rule'],
    own,
  ];
}
