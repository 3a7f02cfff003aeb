/**
 * statuskit/probe: a black-box battery of HTTP checks that tells whether a live API keeps the
 * status-code contract, with the evidence for each verdict.
 */
import { getProfile, type Language } from '../catalog/index.js';
import { passwordAuthBody } from '../client/keystone.js';
import { Battery, type CheckResult } from './checks.js';
import { send } from './exchange.js';
import { loadOpenApi, type Target, targetFromOpenApi } from './target.js';

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
  /** An OpenAPI 3 document (file or URL) to find a resource and its bodies in. */
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
 * Runs every check against `baseUrl`. Slow checks run beside the others; each request has a
 * timeout, so the run is bounded.
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
  const fromOpenApi = options.openapi
    ? targetFromOpenApi(await loadOpenApi(options.openapi, timeoutMs))
    : undefined;
  const target: Target = {
    ...fromOpenApi,
    ...(options.resource === undefined ? {} : { resource: options.resource }),
    ...(options.createBody === undefined ? {} : { createBody: options.createBody }),
    ...(options.updateBody === undefined ? {} : { updateBody: options.updateBody }),
    source: options.resource ? 'flags' : (fromOpenApi?.source ?? 'none'),
  };
  const battery = new Battery({
    baseUrl,
    profile,
    lang: options.lang ?? 'zh-CN',
    target,
    token,
    readonlyToken: options.readonlyToken,
    authHeader: (options.authHeader ?? 'x-auth-token').toLowerCase(),
    timeoutMs,
    slowBoundMs: options.slowBoundMs ?? 12_000,
    settleMs: options.settleMs ?? 8_000,
    progress: options.onProgress ?? (() => {}),
  });
  const slow = battery.slowRequest();
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
  await slow;
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

/** The report as a table a person reads at a glance, ending with `N passed, N failed`. */
export function formatReport(report: Report): string {
  const rows = report.checks.map((check) => [
    check.id,
    check.expected,
    check.observed,
    check.verdict === 'skip' ? `skip: ${check.reason}` : check.verdict.toUpperCase(),
  ]);
  const header = ['check', 'expected', 'got', 'verdict'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const closing = `${report.passed} passed, ${report.failed} failed${report.skipped ? `, ${report.skipped} skipped` : ''}`;
  return [
    `${report.baseUrl} (profile ${report.profile})`,
    '',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    closing,
  ].join('\n');
}
