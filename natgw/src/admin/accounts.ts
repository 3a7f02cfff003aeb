import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { createError } from 'statuskit';
import type { ProjectConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { Schema } from '../db/schema.js';
import { sent, text } from '../validate.js';

/**
 * The states of an account, as the pages' codes name them: `frozen` (in arrears: its resources
 * frozen), `restricted` and `suspended`; `normal` otherwise.
 */
export const accountStates = ['normal', 'frozen', 'restricted', 'suspended'] as const;
export type AccountState = (typeof accountStates)[number];

/** A project's account state is a setting row, so every instance sharing the database sees it. */
const settingKey = (projectId: string) => `account-state:${projectId}`;

/**
 * Each project's account state, in the database: read by every write that an account state can
 * refuse (resources/kind.ts `account`), in its own transaction.
 */
export class Accounts {
  constructor(readonly database: Database) {}

  async state(db: Kysely<Schema>, projectId: string): Promise<AccountState> {
    const row = await db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', settingKey(projectId))
      .executeTakeFirst();
    return (row?.value as AccountState | undefined) ?? 'normal';
  }

  async set(projectId: string, state: AccountState): Promise<void> {
    const db = this.database.db;
    if (state === 'normal') {
      await db.deleteFrom('settings').where('key', '=', settingKey(projectId)).execute();
      return;
    }
    await db
      .insertInto('settings')
      .values({ key: settingKey(projectId), value: state })
      .onConflict((conflict) => conflict.column('key').doUpdateSet({ value: state }))
      .execute();
  }
}

const account = sent({
  project_id: text,
  state: {
    type: 'string',
    enum: accountStates,
    description:
      'normal; frozen (in arrears: its gateways and rules take no change, reads still work); restricted or suspended (no new private NAT gateway).',
  },
});

/** `GET` / `PUT /_natgw/projects/{project_id}/account`: a configured project's account state. */
export function accountRoutes(accounts: Accounts, projects: readonly ProjectConfig[]) {
  const known = (projectId: string) => {
    if (!projects.some((project) => project.id === projectId))
      throw createError(404, `No project ${projectId}: GET /_natgw/projects lists them.`);
    return projectId;
  };
  const params = {
    type: 'object',
    required: ['project_id'],
    properties: { project_id: { type: 'string', maxLength: 64 } },
  } as const;
  return (scope: FastifyInstance) => {
    scope.get<{ Params: { project_id: string } }>(
      '/projects/:project_id/account',
      {
        schema: {
          summary: "Show a project's account state",
          description: 'normal unless set otherwise.',
          params,
          response: { 200: account },
        },
      },
      async (request) => {
        const projectId = known(request.params.project_id);
        return { project_id: projectId, state: await accounts.state(accounts.database.db, projectId) };
      },
    );
    scope.put<{ Params: { project_id: string }; Body: { state: AccountState } }>(
      '/projects/:project_id/account',
      {
        schema: {
          summary: "Set a project's account state",
          description:
            "Kept in the database: every instance sees it. frozen: updating a NAT gateway is NAT.0104, a DNAT rule NAT.0318, and a private NAT gateway's update or deletion, and the creation, update or deletion of its rules, NAT.1208. restricted: creating a private NAT gateway is NAT.1022; suspended: NAT.1023.",
          params,
          body: {
            type: 'object',
            required: ['state'],
            examples: [{ state: 'frozen' }],
            properties: { state: { type: 'string', enum: accountStates } },
          },
          response: { 200: account },
        },
      },
      async (request) => {
        const projectId = known(request.params.project_id);
        await accounts.set(projectId, request.body.state);
        request.log.info({ project: projectId, state: request.body.state }, 'account state set');
        return { project_id: projectId, state: request.body.state };
      },
    );
  };
}
