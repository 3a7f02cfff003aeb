import { BlockList, isIP } from 'node:net';
import {
  type AccessKeyConfig,
  type Config,
  defaultConfig,
  describeAccessKey,
  type ProjectConfig,
  type UserConfig,
} from './config.js';

/**
 * The built-in development credentials: published in the README and the banners, so anyone who
 * reaches natgw can use them. What a banner may say of credentials, and where natgw may listen
 * while they are configured.
 */

/** Set to `1` to listen beyond loopback with the development credentials all the same (with a warning). */
export const allowDevelopmentCredentials = 'NATGW_ALLOW_DEV_CREDENTIALS';

const builtInPasswords = new Set(defaultConfig.users.map((user) => user.password));
const builtInSecrets = new Set(defaultConfig.accessKeys.map((key) => key.secret));

/** The users whose password, and the access keys whose secret, is a built-in one. */
export function developmentCredentials(config: Config): {
  users: UserConfig[];
  accessKeys: AccessKeyConfig[];
} {
  return {
    users: config.users.filter((user) => builtInPasswords.has(user.password)),
    accessKeys: config.accessKeys.filter((key) => builtInSecrets.has(key.secret)),
  };
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/**
 * Whether only this machine can reach a server listening on `host`: `localhost`, 127.0.0.0/8,
 * `::1` (or 127.x mapped into IPv6). Any other name or address, `0.0.0.0` and `::` above all, is not.
 */
export function isLoopback(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, '$1');
  if (address === 'localhost') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return loopback.check(mapped, 'ipv4');
  const family = isIP(address);
  return family !== 0 && loopback.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * What listening on `hosts` with `config` calls for: nothing when every host is loopback or no
 * development credential is configured; else a refusal, or, with `NATGW_ALLOW_DEV_CREDENTIALS=1`,
 * a warning.
 */
export function exposure(
  config: Config,
  hosts: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { refuse: boolean; message: string } | undefined {
  const exposed = [...new Set(hosts.filter((host) => !isLoopback(host)))];
  const { users, accessKeys } = developmentCredentials(config);
  if (exposed.length === 0 || users.length + accessKeys.length === 0) return undefined;
  const which = [
    ...users.map((user) => `user ${user.name}`),
    ...accessKeys.map((key) => `access key ${key.access}`),
  ];
  const what = `on ${exposed.join(' and ')} (beyond loopback) with the built-in development credentials (${which.join(', ')})`;
  if (env[allowDevelopmentCredentials] === '1') {
    return {
      refuse: false,
      message: `warning: listening ${what}: anyone who can reach it can use them (${allowDevelopmentCredentials}=1)`,
    };
  }
  return {
    refuse: true,
    message: `refusing to listen ${what}: anyone who could reach it could use them. Configure your own users and access keys in a NATGW_CONFIG file, listen on 127.0.0.1, or set ${allowDevelopmentCredentials}=1 to allow it.`,
  };
}

/**
 * What a banner says of credentials, as `[label, text]` lines: the development ones in full
 * (they are published anyway), said to be development ones; of the operator's own, only where
 * they come from. A password or secret key read from a file or the environment is never printed.
 */
export function credentialLines(
  config: Config,
  publicUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): [string, string][] {
  const development = developmentCredentials(config);
  const lines: [string, string][] = [];
  const projectOf = (user: UserConfig) =>
    config.projects.find((project) => [project.name, project.id].includes(user.project))?.name ??
    user.project;
  if (development.users.length + development.accessKeys.length > 0) {
    lines.push([
      'development credentials',
      'built in and published, for trying natgw out on this machine; configure your own in a NATGW_CONFIG file',
    ]);
  }
  if (development.users.length > 0) {
    const users = development.users.map(
      (user) => `${user.name} / ${user.password} (${user.role}, project ${projectOf(user)})`,
    );
    lines.push(['users', users.join(', ')]);
  }
  const key = development.accessKeys
    .map((candidate) => describeAccessKey(config, candidate))
    .find((described) => described !== undefined);
  if (key) lines.push(['AK/SK', key]);
  const own = {
    users: config.users.length - development.users.length,
    accessKeys: config.accessKeys.length - development.accessKeys.length,
  };
  if (own.users + own.accessKeys > 0) {
    const counted = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
    const source = env.NATGW_CONFIG ? `the NATGW_CONFIG file ${env.NATGW_CONFIG}` : 'the configuration';
    lines.push([
      'credentials',
      `${counted(own.users, 'user')} and ${counted(own.accessKeys, 'access key')} from ${source} (passwords and secret keys are not printed)`,
    ]);
  }
  const demo = development.users[0];
  const login = demo
    ? { name: demo.name, password: demo.password, project: projectOf(demo) }
    : { name: 'USER', password: 'PASSWORD', project: 'PROJECT' };
  const domain = { name: config.domain };
  const body = {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: login.name, password: login.password, domain } },
      },
      scope: { project: { name: login.project, domain } },
    },
  };
  lines.push([
    'token',
    `curl -si ${publicUrl}/v3/auth/tokens -H 'Content-Type: application/json' -d '${JSON.stringify(body)}'`,
  ]);
  return lines;
}

/** The project whose network a banner shows: the first development user's, else the first configured. */
export function bannerProject(config: Config): ProjectConfig | undefined {
  const user = developmentCredentials(config).users[0];
  return (
    config.projects.find(
      (project) => user !== undefined && [project.name, project.id].includes(user.project),
    ) ?? config.projects[0]
  );
}
