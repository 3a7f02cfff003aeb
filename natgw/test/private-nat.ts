import assert from 'node:assert/strict';
import { project, type TestService } from './harness.js';

/** What the private NAT rule tests share: the fixture's ids, and the gateways and transit IPs rules need. */
export const gatewaysUrl = `/v3/${project}/private-nat/gateways`;
export const transitIpsUrl = `/v3/${project}/private-nat/transit-ips`;
export const altProject = '27e25061336f4af590faeabeb7fcd9a3';
/** The pages' downlink subnet of the served VPC, and their transit subnet. */
export const downlink = '373979ee-f4f0-46c5-80e3-0fbf72646b70';
export const pageTransitSubnet = '2759da7b-8015-404c-ae0a-a389007b0e2a';
/** Numbered extras: subnets of the served VPC (10.100.n.0/24, a port at .10) and of the transit VPC. */
export const served = (n: number) => `b1000100-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const transit = (n: number) => `b2000100-0000-4000-8000-${String(n).padStart(12, '0')}`;

export type User = 'demo' | 'viewer' | 'alt';

/** Requests on `kind` (`snat_rule`, `dnat_rule`) of the service `current()` gives, and what rules need. */
export function privateNat<Rule>(current: () => TestService, kind: 'snat_rule' | 'dnat_rule') {
  const url = `/v3/${project}/private-nat/${kind.replace('_', '-')}s`;
  const create = (rule: Record<string, unknown>, user: User = 'demo', headers = {}) =>
    current().as(user, { method: 'POST', url, headers, payload: { [kind]: rule } });
  return {
    url,
    /** A gateway on `subnet` (a subnet of the served VPC); its id. */
    async gateway(subnet: string): Promise<string> {
      const response = await current().as('demo', {
        method: 'POST',
        url: gatewaysUrl,
        payload: { gateway: { name: 'gw', downlink_vpcs: [{ virsubnet_id: subnet }] } },
      });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().gateway.id;
    },
    /** A transit IP from `subnet`, at `address` if given. */
    async transitIp(subnet: string, address?: string): Promise<{ id: string; ip_address: string }> {
      const response = await current().as('demo', {
        method: 'POST',
        url: transitIpsUrl,
        payload: { transit_ip: { virsubnet_id: subnet, ...(address ? { ip_address: address } : {}) } },
      });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().transit_ip;
    },
    /** The gateway a transit IP is bound to ('' when none). */
    transitGateway: async (id: string) =>
      (await current().as('demo', { url: `${transitIpsUrl}/${id}` })).json().transit_ip.gateway_id as string,
    create,
    async created(rule: Record<string, unknown>): Promise<Rule> {
      const response = await create(rule);
      assert.equal(response.statusCode, 201, response.body);
      return response.json()[kind];
    },
    remove: (id: string, user: User = 'demo') =>
      current().as(user, { method: 'DELETE', url: `${url}/${id}` }),
    update: (id: string, rule: Record<string, unknown>) =>
      current().as('demo', { method: 'PUT', url: `${url}/${id}`, payload: { [kind]: rule } }),
  };
}
