/**
 * statuskit/probe: a black-box battery of HTTP checks that tells whether a live API keeps the
 * status-code contract, with the evidence for each verdict.
 */
import stringWidth from 'string-width';
import { getProfile, type Language } from '../catalog/index.js';
import { passwordAuthBody } from '../client/keystone.js';
import { parseErrorBody } from '../dialects/index.js';
import { Battery, type CheckResult } from './checks.js';
import { send } from './exchange.js';
import { discoverOpenApi, type Json, loadOpenApi, OpenApiError, usualLocations } from './openapi.js';
import { type Target, targetFromOpenApi } from './target.js';

export type { CheckResult, Evidence, Verdict } from './checks.js';
export type { Target } from './target.js';

export interface ProbeOptions {
  baseUrl: string;
  token?: string;
  readonlyToken?: string;
  /** Keystone v3 password authentication, to get the token. */
  keystone?: { authUrl: string; user: string; password: string; project: string; domain?: string };
  resource?: string;
  createBody?: unknown;
  updateBody?: unknown;
  /**
   * An OpenAPI document (file or URL, JSON or YAML) to find a resource, its bodies and its
   * documented statuses in; without it the probe looks at the usual places (`/openapi.json` …).
   */
  openapi?: string;
  profile?: string;
  lang?: Language;
  /** The header that carries the token (default `X-Auth-Token`). */
  authHeader?: string;
  timeoutMs?: number;
  slowBoundMs?: number;
  settleMs?: number;
  onProgress?: (message: string) => void;
}

export interface Report {
  baseUrl: string;
  profile: string;
  target: Target;
  checks: CheckResult[];
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
}

/** The URL could not be reached, or credentials could not be had: nothing was checked. */
export class ProbeSetupError extends Error {
  override readonly name = 'ProbeSetupError';
}

async function keystoneToken(
  options: NonNullable<ProbeOptions['keystone']>,
  timeoutMs: number,
): Promise<string> {
  const response = await send({
    method: 'POST',
    url: `${options.authUrl.replace(/\/$/, '')}/auth/tokens`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(passwordAuthBody({ ...options, username: options.user })),
    timeoutMs,
  });
  const token = response.headers['x-subject-token'];
  if (response.status !== 201 || !token)
    throw new ProbeSetupError(
      `Keystone at ${options.authUrl} answered ${response.status || 'nothing'}, no token`,
    );
  return token;
}

/**
 * The resource to work on and what the API's OpenAPI document says of it: the document named by
 * `openapi`, else the first found at a usual place; flags win over what it says.
 */
async function findTarget(
  options: ProbeOptions,
  baseUrl: string,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<Target> {
  let found: { location: string; document: Json } | undefined;
  if (options.openapi === undefined) found = await discoverOpenApi(baseUrl, timeoutMs, headers);
  else {
    try {
      found = { location: options.openapi, document: await loadOpenApi(options.openapi, timeoutMs, headers) };
    } catch (error) {
      if (error instanceof OpenApiError) throw new ProbeSetupError(error.message);
      throw error;
    }
  }
  const fromOpenApi = found ? targetFromOpenApi(found.document, options.resource) : undefined;
  return {
    ...fromOpenApi,
    ...(options.resource === undefined ? {} : { resource: options.resource }),
    ...(options.createBody === undefined ? {} : { createBody: options.createBody }),
    ...(options.updateBody === undefined ? {} : { updateBody: options.updateBody }),
    source: options.resource ? 'flags' : (fromOpenApi?.source ?? 'none'),
    ...(found ? { openapi: { location: found.location, discovered: options.openapi === undefined } } : {}),
  };
}

/**
 * Runs every check against `baseUrl`, one after the other, the slow request last and alone; each
 * request has a timeout, so the run is bounded.
 * @example const report = await runProbe({ baseUrl: 'http://127.0.0.1:8080', token, resource: '/v2.0/nat_gateways', createBody });
 */
export async function runProbe(options: ProbeOptions): Promise<Report> {
  const started = Date.now();
  const baseUrl = options.baseUrl.replace(/\/$/, '');
  const timeoutMs = options.timeoutMs ?? 5_000;
  const profile = getProfile(options.profile);
  const reachable = await send({ method: 'GET', url: `${baseUrl}/`, timeoutMs });
  if (reachable.status === 0) throw new ProbeSetupError(`${baseUrl} cannot be reached: ${reachable.body}`);
  const token =
    options.token ?? (options.keystone ? await keystoneToken(options.keystone, timeoutMs) : undefined);
  const authHeader = (options.authHeader ?? 'x-auth-token').toLowerCase();
  const target = await findTarget(options, baseUrl, timeoutMs, token ? { [authHeader]: token } : {});
  options.onProgress?.(
    target.openapi
      ? `OpenAPI document: ${target.openapi.location}${target.openapi.discovered ? ' (found at a usual place)' : ''}`
      : `no OpenAPI document (looked at ${usualLocations.join(', ')})`,
  );
  const battery = new Battery({
    baseUrl,
    profile,
    lang: options.lang ?? 'zh-CN',
    target,
    rootServes: reachable.status >= 200 && reachable.status < 300,
    token,
    readonlyToken: options.readonlyToken,
    authHeader,
    timeoutMs,
    slowBoundMs: options.slowBoundMs ?? 12_000,
    settleMs: options.settleMs ?? 8_000,
    progress: options.onProgress ?? (() => {}),
  });
  await battery.unknownRoute();
  await battery.wrongMethod();
  await battery.unknownMethod();
  await battery.notAcceptable();
  await battery.credentials();
  await battery.readonlyWrite();
  await battery.malformedJson();
  await battery.schemaViolation();
  await battery.headLikeGet();
  await battery.chinese();
  await battery.lifecycle();
  await battery.slowRequest();
  battery.whole();
  const count = (verdict: string) => battery.results.filter((result) => result.verdict === verdict).length;
  return {
    baseUrl,
    profile: profile.name,
    target,
    checks: battery.results,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    durationMs: Date.now() - started,
  };
}

/** Pads to a display width: CJK characters take two columns in a terminal (Unicode UAX #11). */
function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - stringWidth(text)));
}

/** Longest excerpt of an answer's body that a report line shows. */
const excerptLength = 160;

/**
 * For a failed check, the one line that says what went wrong: the last request and its answer's
 * code and message (any dialect), else the start of its body; and the check's reason, if it has one.
 * @example wentWrong(check) // 'POST /items → 400 NAT.0012: Network … already has nat gateway'
 */
export function wentWrong(check: CheckResult): string | undefined {
  if (check.verdict !== 'fail') return undefined;
  const last = check.evidence.at(-1);
  const parsed = last && parseErrorBody(last.body);
  const said = parsed
    ? [parsed.code, parsed.message].filter(Boolean).join(': ')
    : last?.body.replace(/\s+/g, ' ').trim().slice(0, excerptLength);
  const answer = last && `${last.request} → ${last.status || 'no answer'}${said ? ` ${said}` : ''}`;
  return [answer, check.reason].filter(Boolean).join('; ') || undefined;
}

/**
 * The report as a table a person reads at a glance, each failed check followed by what went
 * wrong, ending with `N passed, N failed`.
 */
export function formatReport(report: Report): string {
  const rows = report.checks.map((check) => [
    check.id,
    check.expected,
    check.observed,
    check.verdict === 'skip' ? `skip: ${check.reason}` : check.verdict.toUpperCase(),
  ]);
  const header = ['check', 'expected', 'got', 'verdict'];
  const widths = header.map((title, column) =>
    Math.max(stringWidth(title), ...rows.map((row) => stringWidth(row[column] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => padEnd(cell, widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const { openapi, resource } = report.target;
  const closing = `${report.passed} passed, ${report.failed} failed${report.skipped ? `, ${report.skipped} skipped` : ''}`;
  return [
    `${report.baseUrl} (profile ${report.profile})`,
    `OpenAPI document: ${openapi ? `${openapi.location}${openapi.discovered ? ' (found at a usual place)' : ''}` : 'none found'}`,
    `resource: ${resource ?? 'none'}`,
    '',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.flatMap((row, index) => {
      const wrong = wentWrong(report.checks[index] as CheckResult);
      return wrong ? [line(row), `  ↳ ${wrong}`] : [line(row)];
    }),
    '',
    closing,
  ].join('\n');
}
