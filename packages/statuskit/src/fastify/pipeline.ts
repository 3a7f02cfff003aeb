import type { ServerResponse } from 'node:http';

/** RFC 9110 §9.2.1. */
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

interface Turn {
  response: ServerResponse;
  safe: boolean;
}

const turnsKey = Symbol('statuskit.turns');
type WithTurns = object & { [turnsKey]?: Turn[] };

/**
 * Keeps pipelined requests in order where order matters. Node hands every request of a
 * connection to the server as soon as it is parsed, so pipelined requests run side by side;
 * RFC 9112 §9.3.2 allows that only when they all have safe methods. So a safe request waits for
 * the unsafe ones before it on its connection, and an unsafe one for all before it (a POST and
 * then a GET of what it created must see it). Returns a promise to wait for, or `undefined` when
 * nothing before it is unfinished: the usual case, one request at a time, which costs no
 * listener (turns whose answer is closed are dropped as the next request comes).
 */
export function inTurn(
  connection: object,
  response: ServerResponse,
  method: string,
): Promise<void> | undefined {
  const holder = connection as WithTurns;
  const safe = safeMethods.has(method);
  const open = (holder[turnsKey] ?? []).filter((turn) => !turn.response.closed);
  const before = open.filter((earlier) => !safe || !earlier.safe);
  open.push({ response, safe });
  holder[turnsKey] = open;
  if (before.length === 0) return undefined;
  return Promise.all(
    before.map(({ response: earlier }) => new Promise((resolve) => earlier.once('close', resolve))),
  ).then(() => {});
}
