/**
 * Builds `natgw/src/openapi-examples.json`: for every operation of the OpenAPI document that answers
 * with a body, the body natgw answers when driven as the document says (test/operations.ts, the
 * driver the document's test uses, against natgw in process). The document shows them as its
 * success examples. What changes from one run to the next (the ids natgw makes, request ids, audit
 * ids, times) is written as stable values of the same shape, so that the file changes only when an
 * answer does. Run `npm run natgw:examples` after an answer changes; the document's test compares
 * every answer with its example.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultNetwork } from '../src/network/fixture.js';
import { startService } from '../test/harness.js';
import { type Document, operationDriver, operations } from '../test/operations.js';

export const examplesFile = fileURLToPath(new URL('../src/openapi-examples.json', import.meta.url));

/** An operation's key in the file: its method and its path as the document writes them. */
export const exampleKey = (method: string, path: string) => `${method} ${path}`;

const uuid = /^(req-)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** natgw's times: `2017-11-18 07:34:32.203044` (public NAT), `2019-04-29T07:10:01` (private), ISO (tokens). */
const time = /^(\d{4}-\d{2}-\d{2})([ T])(\d{2}:\d{2}:\d{2})(\.\d+)?(Z?)$/;

/** What a run changes in a string: a made id, a request id, a time, an audit id (by the key that holds it). */
type Volatile = 'id' | 'time' | 'audit';

function volatileKind(key: string | undefined, text: string): Volatile | undefined {
  if (uuid.test(text)) return 'id';
  if (time.test(text)) return 'time';
  if (key === 'audit_ids') return 'audit';
  return undefined;
}

/** The value with each volatile string replaced as `replace` says. */
function mapVolatile(
  value: unknown,
  replace: (kind: Volatile, text: string) => string,
  key?: string,
): unknown {
  if (typeof value === 'string') {
    const kind = volatileKind(key, value);
    return kind === undefined ? value : replace(kind, value);
  }
  if (Array.isArray(value)) return value.map((item) => mapVolatile(item, replace, key));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, item]) => [name, mapVolatile(item, replace, name)]),
  );
}

/**
 * An answer as the examples are compared with: ids, times and audit ids by their shape only (a
 * time keeps its format), everything else as it is.
 */
export function comparable(body: unknown): unknown {
  return mapVolatile(body, (kind, text) => {
    if (kind === 'id') return text.startsWith('req-') ? '<request id>' : '<id>';
    if (kind === 'time') return text.replace(/\d/g, '0');
    return '<audit id>';
  });
}

/** A UUID (version 4 form) derived from a seed: the same seed, the same id. */
function derivedUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The instant every example's "now" is written as (the private NAT pages' example). */
const exampleNow = Date.parse('2019-04-29T07:10:01.203044Z');

/**
 * The answers with what a run changes replaced by stable values: an id natgw made (one neither in
 * the demo project's network nor in the document) by an id derived from the order it first
 * appears in; a time by the example instant, plus the whole hours it lay after the run's start
 * (a token's expiry stays an hour after its issue), in the time's own format.
 */
export function stabilized(
  answers: Record<string, unknown>,
  known: ReadonlySet<string>,
  started: number,
): Record<string, unknown> {
  const ids = new Map<string, string>();
  return mapVolatile(answers, (kind, text) => {
    if (kind === 'audit') {
      const id =
        ids.get(text) ?? createHash('sha256').update(`audit ${ids.size}`).digest('base64url').slice(0, 22);
      ids.set(text, id);
      return id;
    }
    if (kind === 'id') {
      const [, prefix = '', bare = ''] = uuid.exec(text) ?? [];
      if (known.has(bare)) return text;
      const id = ids.get(bare) ?? derivedUuid(`natgw example ${ids.size}`);
      ids.set(bare, id);
      return `${prefix}${id}`;
    }
    const [, date = '', separator = 'T', clock = '', fraction = '', zone = ''] = time.exec(text) ?? [];
    const at = Date.parse(`${date}T${clock}${fraction.slice(0, 4)}Z`);
    // A time far from the run (a version's release date) is no time of the run.
    if (Math.abs(at - started) > 86_400_000) return text;
    const hours = Math.round((at - started) / 3_600_000);
    const iso = new Date(exampleNow + hours * 3_600_000).toISOString();
    const digits =
      fraction.length > 1
        ? `.${'203044'.padEnd(fraction.length - 1, '0').slice(0, fraction.length - 1)}`
        : '';
    return `${iso.slice(0, 10)}${separator}${iso.slice(11, 19)}${digits}${zone}`;
  }) as Record<string, unknown>;
}

/** Every operation's answer with a body, by key, from natgw in process on SQLite. */
export async function recordExamples(): Promise<Record<string, unknown>> {
  const service = await startService('sqlite');
  try {
    const document = (await service.app.inject({ url: '/openapi.json' })).json() as Document;
    const { send, clear } = operationDriver(service, document);
    const started = Date.now();
    const answers: Record<string, unknown> = {};
    for (const { path, method } of operations(document)) {
      const response = await send(path, method);
      if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.body}`);
      if (response.body !== '') answers[exampleKey(method, path)] = response.json();
      await clear();
    }
    // The ids of the demo network and of the pages' example requests are real ones: kept as they are.
    const requests = operations(document).map(({ operation }) => operation.requestBody?.content);
    const known = new Set(
      JSON.stringify([defaultNetwork(0, true), requests]).match(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      ),
    );
    return stabilized(answers, known, started);
  } finally {
    await service.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(examplesFile, `${JSON.stringify(await recordExamples(), null, 2)}\n`);
}
