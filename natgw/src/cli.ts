import { readFileSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { isContractError } from 'statuskit';
import { type Client, createClient, keystone, StatuskitNetworkError } from 'statuskit/client';

/**
 * `npm run natgw -- <command>`: the admin API of a running natgw (or the gateway in front of it)
 * from the command line, logged in as an admin user with `POST /v3/auth/tokens`.
 */

export const usage = `usage: npm run natgw -- [command]
  (none)                            run natgw
  projects                          list the projects
  network get <project>             print a project's network (JSON)
  network put <project> <file|->    replace it with a file's (- for standard input)
  reset [<project>]                 delete every gateway, rule, tag and transit IP (of one project); networks stay
  faults list                       list the faults to inject
  faults add <json>                 add one
  faults clear                      remove them all
A project is named by its name or id. NATGW_URL (http://127.0.0.1:8080) is natgw or the gateway in front;
NATGW_ADMIN_USER, NATGW_ADMIN_PASSWORD, NATGW_ADMIN_PROJECT (admin, admin-password, demo) log in.
`;

export interface Io {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  out(line: string): void;
  err(line: string): void;
}

/** What a command is wrong with: printed with the usage, exit 2. */
class UsageError extends Error {}

interface Project {
  id: string;
  name: string;
}

/** Runs a command; resolves with the exit status: 0 done, 1 refused or failed, 2 bad usage. */
export async function runCommand(args: readonly string[], io: Io): Promise<number> {
  const url = (io.env.NATGW_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const auth = keystone({
    authUrl: `${url}/v3`,
    username: io.env.NATGW_ADMIN_USER ?? 'admin',
    password: io.env.NATGW_ADMIN_PASSWORD ?? 'admin-password',
    project: io.env.NATGW_ADMIN_PROJECT ?? 'demo',
  });
  const api = createClient({ baseUrl: url, getToken: auth.getToken });
  try {
    await command(args, api, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`natgw: ${error.message}\n${usage}`);
      return 2;
    }
    if (isContractError(error)) io.err(`natgw: ${error.status} ${error.code}: ${error.message}`);
    else if (error instanceof StatuskitNetworkError) io.err(`natgw: cannot reach ${url}: ${error.message}`);
    else io.err(`natgw: ${(error as Error).message}`);
    return 1;
  } finally {
    await api.close();
    await auth.close();
  }
}

async function command(args: readonly string[], api: Client, io: Io): Promise<void> {
  const [name, ...rest] = args;
  const exactly = (count: number) => {
    if (rest.length !== count)
      throw new UsageError(`${name} takes ${count} argument${count === 1 ? '' : 's'} here`);
  };
  const json = (value: unknown) => io.out(JSON.stringify(value, null, 2));
  switch (name) {
    case 'projects': {
      exactly(0);
      for (const project of await projects(api)) io.out(`${project.name}\t${project.id}`);
      return;
    }
    case 'network': {
      const [action, named, file] = rest;
      if (action === 'get' && rest.length === 2) {
        const project = await resolve(api, named as string);
        json(await api.get(`/_natgw/projects/${encodeURIComponent(project.id)}/network`));
        return;
      }
      if (action === 'put' && rest.length === 3) {
        const body = parse(
          file === '-' ? await text(io.stdin) : readFileSync(file as string, 'utf8'),
          file as string,
        );
        const project = await resolve(api, named as string);
        const stored = (
          await api.put<Record<string, unknown[]>>(
            `/_natgw/projects/${encodeURIComponent(project.id)}/network`,
            body,
          )
        ).body;
        const counts = ['routers', 'networks', 'ports', 'floating_ips'].map(
          (list) => `${stored[list]?.length ?? 0} ${list.replace('_', ' ')}`,
        );
        io.out(`network of ${project.name} replaced: ${counts.join(', ')}`);
        return;
      }
      throw new UsageError('network get <project> | network put <project> <file|->');
    }
    case 'reset': {
      if (rest.length > 1) throw new UsageError('reset takes at most one project');
      const project = rest[0] === undefined ? undefined : await resolve(api, rest[0]);
      await api.post('/_natgw/reset', undefined, project ? { query: { project_id: project.id } } : {});
      io.out(project ? `reset: project ${project.name}` : 'reset: every project');
      return;
    }
    case 'faults': {
      const [action, body] = rest;
      if (action === 'list' && rest.length === 1) return json(await api.get('/_natgw/faults'));
      if (action === 'add' && rest.length === 2) {
        return json((await api.post('/_natgw/faults', parse(body as string, 'the fault'))).body);
      }
      if (action === 'clear' && rest.length === 1) {
        await api.delete('/_natgw/faults');
        io.out('faults cleared');
        return;
      }
      throw new UsageError('faults list | faults add <json> | faults clear');
    }
    default:
      throw new UsageError(name === undefined ? 'no command' : `unknown command ${name}`);
  }
}

async function projects(api: Client): Promise<Project[]> {
  return (await api.get<{ projects: Project[] }>('/_natgw/projects')).projects;
}

/** The project of a name or id; one the list does not have is taken as an id (natgw answers 404). */
async function resolve(api: Client, named: string): Promise<Project> {
  return (
    (await projects(api)).find((project) => [project.name, project.id].includes(named)) ?? {
      id: named,
      name: named,
    }
  );
}

function parse(source: string, what: string): unknown {
  try {
    return JSON.parse(source);
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`);
  }
}
