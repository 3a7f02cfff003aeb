import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { ProjectConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { ResourceKind } from '../resources/kind.js';
import { success } from '../validate.js';
import { unknownProject } from './network.js';

/** Tables of what resources hold (EIPs, subnet addresses), by project, deleted with them. */
const claimTables = ['eip_claims', 'subnet_addresses'] as const;

/**
 * Deletes every resource of one project (or of all, `tenant` undefined): each kind's rows and
 * tags, and what they hold, in one transaction, children before parents. The network stays.
 */
export async function reset(
  database: Database,
  kinds: readonly ResourceKind[],
  tenant: string | undefined,
): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    const db = trx as unknown as Kysely<
      Record<string, { tenant_id: string; transit_ip_id: string; id: string }>
    >;
    // Which rules use a transit IP: a table without a project column, by the transit IP's.
    let uses = db.deleteFrom('transit_ip_uses');
    if (tenant !== undefined)
      uses = uses.where('transit_ip_id', 'in', (eb) =>
        eb.selectFrom('transit_ips').select('id').where('tenant_id', '=', tenant),
      );
    await uses.execute();
    const tables = [
      ...kinds.flatMap((kind) => (kind.tags ? [kind.tags.table] : [])),
      ...[...kinds].reverse().map((kind) => kind.table),
      ...claimTables,
    ];
    for (const table of tables) {
      let query = db.deleteFrom(table);
      if (tenant !== undefined) query = query.where('tenant_id', '=', tenant);
      await query.execute();
    }
  });
}

/** `POST /_natgw/reset[?project_id=…]`: as moto's reset, every resource goes; the networks stay. */
export function resetRoutes(
  projects: readonly ProjectConfig[],
  database: Database,
  kinds: readonly ResourceKind[],
) {
  return (scope: FastifyInstance) => {
    scope.post<{ Querystring: { project_id?: string } }>(
      '/reset',
      {
        schema: {
          summary: 'Delete every resource',
          description:
            "Every NAT gateway, rule, tag and transit IP (and the EIPs and addresses they hold) of every project, or of the one `project_id` names, in one transaction. The projects' networks stay.",
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { project_id: { type: 'string', maxLength: 64, description: 'Only this project.' } },
          },
          response: success.noContent,
          errors: [{ status: 404, code: 'NAT.1002', message: 'There is no project {project_id}.' }],
        },
      },
      async (request, reply) => {
        const tenant = request.query.project_id;
        if (tenant !== undefined && !projects.some((project) => project.id === tenant))
          throw unknownProject(tenant);
        await reset(database, kinds, tenant);
        return reply.code(204).send();
      },
    );
  };
}
