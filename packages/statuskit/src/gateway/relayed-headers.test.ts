import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { util } from 'undici';
import { clientReplyHeaders, relayedHeaders } from './headers.js';

// The reply's headers are built in one pass from undici's raw lines; the two passes they replace
// (parseHeaders, then clientReplyHeaders) are the reference.

const names = [
  'Content-Type',
  'content-length',
  'ETag',
  'Set-Cookie',
  'set-cookie',
  'X-Request-Id',
  'x-openstack-request-id',
  'Keep-Alive',
  'Transfer-Encoding',
  'Proxy-Authenticate',
  'X-Extra',
  'x-foo',
  'constructor',
  'toString',
];
const line = fc.tuple(fc.constantFrom(...names), fc.string({ maxLength: 12 }));
const connection = fc.constantFrom('keep-alive', 'close', 'Keep-Alive', 'x-foo', 'close, x-extra');

function raw(lines: [string, string][]): Buffer[] {
  return lines.flatMap(([name, value]) => [Buffer.from(name, 'latin1'), Buffer.from(value, 'latin1')]);
}

test('relayedHeaders gives what clientReplyHeaders(parseHeaders) gives, or leaves it to them', () => {
  fc.assert(
    fc.property(
      fc.array(line, { maxLength: 10 }),
      fc.array(connection, { maxLength: 2 }),
      (lines, connections) => {
        const all = [...lines, ...connections.map((value): [string, string] => ['Connection', value])];
        const buffers = raw(all);
        const reference = clientReplyHeaders(util.parseHeaders(buffers) as Record<string, string | string[]>);
        const relayed = relayedHeaders(buffers);
        const usual =
          connections.length === 0 ||
          (connections.length === 1 && ['keep-alive', 'close'].includes(connections[0] as string));
        if (!usual) {
          assert.equal(relayed, undefined);
          return;
        }
        assert.deepEqual(relayed, reference);
        assert.deepEqual(Object.keys(relayed as object), Object.keys(reference));
      },
    ),
  );
});

test('relayedHeaders keeps repeated fields in order, and drops the hop-by-hop ones and the request ids', () => {
  const relayed = relayedHeaders(
    raw([
      ['Set-Cookie', 'a=1'],
      ['X-Request-Id', 'upstream-id'],
      ['Connection', 'keep-alive'],
      ['Keep-Alive', 'timeout=5'],
      ['set-cookie', 'b=2'],
      ['Content-Length', '2'],
    ]),
  );
  assert.deepEqual(relayed, { 'set-cookie': ['a=1', 'b=2'], 'content-length': '2' });
});

test('relayedHeaders keeps a field named __proto__ as a field, and leaves odd lines to parseHeaders', () => {
  const relayed = relayedHeaders(
    raw([
      ['__proto__', 'x'],
      ['X-Extra', '1'],
    ]),
  ) as Record<string, string>;
  assert.deepEqual(Object.keys(relayed), ['__proto__', 'x-extra']);
  assert.equal(Object.getOwnPropertyDescriptor(relayed, '__proto__')?.value, 'x');
  assert.equal(Object.getPrototypeOf(relayed), Object.prototype);
  // A value given as an array, and a name without its value: not the shape it reads.
  assert.equal(relayedHeaders(['X-A', ['1', '2']]), undefined);
  assert.equal(relayedHeaders(raw([['X-A', '1']]).slice(0, 1)), undefined);
});
