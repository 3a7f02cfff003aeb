import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { createError } from 'statuskit';
import type { ProjectConfig } from '../config.js';
import { conflict } from '../errors.js';
import { maxNetworkItems, networkBody, networkSent, normalized, problemOf } from '../network/document.js';
import type { Network } from '../network/fixture.js';
import type { NetworkStore } from '../network/store.js';
import { firstUse } from '../network/uses.js';
import type { ResourceKind } from '../resources/kind.js';

/** A network document's largest body: a thousand items in each list fit. */
export const networkBodyLimit = 1024 * 1024;

/** 404 for a project the configuration does not have, naming it. */
export function unknownProject(id: string) {
  return createError(
    404,
    { en: `There is no project ${id}.`, 'zh-CN': `没有项目 ${id}。` },
    { code: 'NAT.1002' },
  );
}

const projectParams = {
  type: 'object',
  required: ['project_id'],
  properties: { project_id: { type: 'string', maxLength: 64, description: 'The project id.' } },
} as const;

const documentedErrors = [
  { status: 404, code: 'NAT.1002', message: 'There is no project {project_id}.' },
  conflict(
    'The network 89d66639-aacb-4929-969d-07080b0f9fd9 is used by the NAT gateway … (its internal_network_id): delete that first.',
    '子网 89d66639-aacb-4929-969d-07080b0f9fd9 正被NAT 网关 …（其 internal_network_id）使用：请先删除它。',
  ),
];

/**
 * `GET` and `PUT /_natgw/projects/{project_id}/network`: a project's network (routers, subnets,
 * ports, EIPs) as one document. A replacement is checked whole before anything changes: its
 * shape and bounds (the schema), what a schema cannot check (network/document.ts), then that no
 * resource of the project still uses an item it leaves out (409 naming both).
 */
export function networkRoutes(
  projects: readonly ProjectConfig[],
  networks: NetworkStore,
  kinds: readonly ResourceKind[],
  now: () => number,
) {
  const known = (id: string) => {
    if (!projects.some((project) => project.id === id)) throw unknownProject(id);
  };
  return (scope: FastifyInstance) => {
    scope.get<{ Params: { project_id: string } }>(
      '/projects/:project_id/network',
      {
        schema: {
          summary: "Show a project's network",
          description:
            "The routers (VPCs), networks (subnets), ports and EIPs the project's NAT resources refer to.",
          params: projectParams,
          response: { 200: networkSent },
          errors: documentedErrors.slice(0, 1),
        },
      },
      async (request) => {
        known(request.params.project_id);
        return (
          (await networks.read(request.params.project_id)) ?? {
            routers: [],
            networks: [],
            ports: [],
            floating_ips: [],
          }
        );
      },
    );
    scope.put<{ Params: { project_id: string }; Body: Network }>(
      '/projects/:project_id/network',
      {
        bodyLimit: networkBodyLimit,
        schema: {
          summary: "Replace a project's network",
          description:
            'The whole document, as `GET` gives it: ids UUIDs, blocks `a.b.c.d/n`, every network of a router of ' +
            'the document, every port of one of its networks and inside its block, no id twice, up to ' +
            `${maxNetworkItems} items in a list. An item a resource still uses cannot be left out: 409. Answers the stored document.`,
          params: projectParams,
          body: { ...networkBody, examples: [exampleNetwork] },
          response: { 200: networkSent },
          errors: documentedErrors,
        },
      },
      async (request) => {
        const tenant = request.params.project_id;
        known(tenant);
        const network = normalized(request.body);
        const problem = problemOf(network);
        if (problem) throw createError(400, problem, { code: 'NAT.0002' });
        await networks.replace(tenant, network, async (trx, stored) => {
          const use = await firstUse(
            kinds,
            trx as unknown as Kysely<unknown>,
            tenant,
            stored,
            network,
            now(),
          );
          if (use) throw conflict(use.en, use.zhCn);
        });
        return network;
      },
    );
  };
}

/** A small network: one VPC, one subnet with a port, one EIP. */
const exampleNetwork: Network = {
  routers: [{ id: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a', name: 'vpc-default', cidr: '192.168.0.0/16' }],
  networks: [
    {
      id: '89d66639-aacb-4929-969d-07080b0f9fd9',
      router_id: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
      cidr: '192.168.0.0/24',
    },
  ],
  ports: [
    {
      id: '9a469561-daac-4c94-88f5-39366e5ea193',
      network_id: '89d66639-aacb-4929-969d-07080b0f9fd9',
      ip: '192.168.0.10',
    },
  ],
  floating_ips: [{ id: 'bdc10a4c-d81a-41ec-adf7-de857f7c812a', address: '5.21.11.226' }],
};
