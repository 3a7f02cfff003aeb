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
  const turns = holder[turnsKey] ?? [];
  holder[turnsKey] = turns;
  // In place: the turns still open stay, in order; those it must wait for are noted.
  const before: ServerResponse[] = [];
  let open = 0;
  for (const turn of turns) {
    if (turn.response.closed) continue;
    turns[open++] = turn;
    if (!safe || !turn.safe) before.push(turn.response);
  }
  turns.length = open;
  turns.push({ response, safe });
  if (before.length === 0) return undefined;
  return Promise.all(before.map((earlier) => new Promise((resolve) => earlier.once('close', resolve)))).then(
    () => {},
  );
}
