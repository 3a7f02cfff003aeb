import type { FastifyInstance, RouteOptions } from 'fastify';
import type { ProjectConfig } from '../config.js';
import { listOf, namedSchemaError, sent, text } from '../validate.js';

/** The admin API's OpenAPI tag. */
export const adminTag = 'Admin (natgw)';

/**
 * The admin API under `/_natgw/`, for driving natgw as a local cloud (networks, reset, faults):
 * not part of the pages' API, open to the admin role only (identity.ts), whatever the method.
 * Each concern adds its routes to `scope`.
 */
export async function adminApi(
  app: FastifyInstance,
  projects: readonly ProjectConfig[],
  concerns: ((scope: FastifyInstance) => void)[] = [],
): Promise<void> {
  await app.register(
    async (scope) => {
      // A broken document is told as it is, not as the pages' bare "Invalid parameters.".
      scope.setSchemaErrorFormatter(namedSchemaError);
      scope.addHook('onRoute', (route: RouteOptions) => {
        route.config = { ...route.config, admin: true };
        route.schema = { ...route.schema, tags: [adminTag] };
      });
      scope.get(
        '/projects',
        {
          schema: {
            summary: 'List the projects',
            description: "The configured projects, whose ids the admin API's paths take.",
            response: { 200: sent({ projects: listOf(sent({ id: text, name: text })) }) },
          },
        },
        async () => ({ projects: projects.map(({ id, name }) => ({ id, name })) }),
      );
      for (const concern of concerns) concern(scope);
    },
    { prefix: '/_natgw' },
  );
}
