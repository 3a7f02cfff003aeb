import { readFileSync } from 'node:fs';
import { profileNames } from '../catalog/index.js';
import { formatReport, ProbeSetupError, runProbe } from '../probe/index.js';
import { languageArg, parse, profileArg, UsageError } from './args.js';

export const checkHelp = `Usage: statuskit check <baseUrl> [options]

Sends a battery of requests to a live API and reports, per check, the expected and the observed
answer. Exit status: 0 when nothing failed, 1 when a check failed, 2 on bad arguments or an
unreachable URL.

Options:
  --token T            token sent in X-Auth-Token (or --auth-header)
  --auth-url URL       Keystone v3 URL to get a token from (with --user, --password, --project)
  --user U, --password P, --project P, --domain D
  --readonly-token T   a read-only user's token, for the 403 check
  --resource PATH      a collection to create, update and delete in (e.g. /v2.0/nat_gateways)
  --create-body FILE   JSON body for POST on the resource
  --update-body FILE   JSON body for PUT on the created item
  --openapi FILE|URL   find the resource and bodies in an OpenAPI 3 document instead
  --auth-header NAME   the header that carries the token (default X-Auth-Token)
  --profile P          ${profileNames.join(', ')} (default: nat)
  --lang L             en or zh-CN (default: zh-CN, the language checked besides en)
  --timeout MS         per request (default 5000)
  --json               print the full report as JSON
  -h, --help           this text

Example:
  statuskit check http://127.0.0.1:8080 --auth-url http://127.0.0.1:8080/v3 --user demo \\
    --password demo-password --project demo --openapi http://127.0.0.1:8080/openapi.json`;

function readJson(file: string | undefined): unknown {
  if (file === undefined) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read JSON from ${file}: ${(error as Error).message}`);
  }
}

export async function check(args: string[]): Promise<string | { output: string; status: number }> {
  const { values, positionals } = parse(args, {
    token: { type: 'string' },
    'auth-url': { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    project: { type: 'string' },
    domain: { type: 'string' },
    'readonly-token': { type: 'string' },
    resource: { type: 'string' },
    'create-body': { type: 'string' },
    'update-body': { type: 'string' },
    openapi: { type: 'string' },
    'auth-header': { type: 'string' },
    profile: { type: 'string' },
    lang: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return checkHelp;
  const [baseUrl] = positionals;
  if (!baseUrl || !/^https?:\/\/[^/]+/.test(baseUrl))
    throw new UsageError('check needs the API base URL, e.g. statuskit check http://127.0.0.1:8080');
  const profile = profileArg(values.profile);
  const lang = languageArg(values.lang ?? 'zh-CN');
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutMs !== undefined && !(timeoutMs > 0))
    throw new UsageError(`--timeout must be a positive number of milliseconds, not "${values.timeout}"`);
  const authUrl = values['auth-url'];
  if (authUrl && !(values.user && values.password && values.project))
    throw new UsageError('--auth-url needs --user, --password and --project');
  try {
    const report = await runProbe({
      baseUrl,
      profile: profile.name,
      lang,
      ...(values.token === undefined ? {} : { token: values.token }),
      ...(authUrl
        ? {
            keystone: {
              authUrl,
              user: values.user as string,
              password: values.password as string,
              project: values.project as string,
              ...(values.domain ? { domain: values.domain } : {}),
            },
          }
        : {}),
      ...(values['readonly-token'] === undefined ? {} : { readonlyToken: values['readonly-token'] }),
      ...(values.resource === undefined ? {} : { resource: values.resource }),
      ...(values['create-body'] === undefined ? {} : { createBody: readJson(values['create-body']) }),
      ...(values['update-body'] === undefined ? {} : { updateBody: readJson(values['update-body']) }),
      ...(values.openapi === undefined ? {} : { openapi: values.openapi }),
      ...(values['auth-header'] === undefined ? {} : { authHeader: values['auth-header'] }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      onProgress: values.json ? () => {} : (message) => process.stderr.write(`… ${message}\n`),
    });
    return {
      output: values.json ? JSON.stringify(report, null, 2) : formatReport(report),
      status: report.failed > 0 ? 1 : 0,
    };
  } catch (error) {
    if (error instanceof ProbeSetupError) throw new UsageError(error.message);
    throw error;
  }
}
