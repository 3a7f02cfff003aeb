import type { ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/** RFC 9110 §9.2.1. */
function isSafe(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'TRACE';
}

/** One connection's unfinished requests, in order: their answers and whether their methods are safe. */
class Turns {
  readonly responses: ServerResponse[] = [];
  readonly safe: boolean[] = [];
  watched = false;

  /**
   * Drops the turns whose answer is closed, keeping the others in order, and takes in first the
   * answer in progress on the connection if it is not here (it had the connection at once, so
   * nothing before it was left); how many are left.
   */
  compact(connection: Held): number {
    const { responses, safe } = this;
    const current = connection._httpMessage;
    if (current && !current.closed && !responses.includes(current)) {
      responses.unshift(current);
      safe.unshift(isSafe(current.req.method ?? ''));
    }
    let open = 0;
    for (let index = 0; index < responses.length; index++) {
      const response = responses[index] as ServerResponse;
      if (response.closed) continue;
      responses[open] = response;
      safe[open++] = safe[index] as boolean;
    }
    responses.length = open;
    safe.length = open;
    return open;
  }
}

const turnsKey = Symbol('statuskit.turns');
type WithTurns = object & { [turnsKey]?: Turns };

/**
 * Node's HTTP server's own hold on a connection: the answer it is writing on it, whether it has
 * stopped reading it, and its parser.
 */
type Held = Socket & {
  _httpMessage?: ServerResponse | null;
  _paused?: boolean;
  parser?: { resume(): void } | null;
};

/**
 * Keeps pipelined requests in order where order matters, and one connection's requests within
 * its share. Node hands every request of a connection to the server as soon as it is parsed, so
 * pipelined requests run side by side; RFC 9112 §9.3.2 allows that only when they all have safe
 * methods. So a safe request waits for the unsafe ones before it on its connection, and an
 * unsafe one for all before it (a POST and then a GET of what it created must see it). And a
 * request with `share` (> 0) unfinished ones before it waits for the one `share` places before
 * it, while the connection is not read: thousands of requests written at once on one connection
 * take `share` of the server's capacity, not all of it (their answers go out in order anyway).
 *
 * Returns a promise to wait for, or `undefined` when nothing before it is unfinished: the usual
 * case, one request at a time, which costs one comparison (turns whose answer is closed are
 * dropped as the next pipelined request comes).
 */
export function inTurn(
  connection: object,
  response: ServerResponse,
  method: string,
  share = 0,
): Promise<void> | undefined {
  // The usual case, one request at a time: Node hands a connection to an answer at once only
  // when every answer before it on the connection is finished. Such an answer is not recorded:
  // a request pipelined behind it finds it as the connection's answer in progress.
  if (response.socket === connection) return undefined;
  const holder = connection as WithTurns;
  let turns = holder[turnsKey];
  if (turns === undefined) {
    turns = new Turns();
    holder[turnsKey] = turns;
  }
  const open = turns.compact(connection as Held);
  const safe = isSafe(method);
  turns.responses.push(response);
  turns.safe.push(safe);
  if (open === 0) return undefined;
  const before: ServerResponse[] = [];
  for (let index = 0; index < open; index++)
    if (!safe || !turns.safe[index]) before.push(turns.responses[index] as ServerResponse);
  const socket = connection instanceof Socket ? (connection as Held) : undefined;
  if (socket) closedWithConnection(socket, turns);
  const over = share > 0 && open >= share ? turns.responses[open - share] : undefined;
  if (over) before.push(over);
  if (before.length === 0) return undefined;
  const waited = Promise.all(
    before.map((earlier) => new Promise((resolve) => earlier.once('close', resolve))),
  );
  if (!over || !socket) return waited.then(() => {});
  stopReading(socket);
  // The last request read has its turn: the connection may bring more.
  const responses = turns.responses;
  return waited.then(() => {
    if (responses[responses.length - 1] === response) readAgain(socket);
  });
}

/**
 * Node closes only the answer it is writing when a connection goes: the pipelined answers queued
 * behind it never close, and whatever waits for them (their place in flight, the turns after
 * them) would wait for ever. Once the connection is gone, those still open are closed too.
 */
function closedWithConnection(socket: Socket, turns: Turns): void {
  if (turns.watched) return;
  turns.watched = true;
  socket.once('close', () =>
    // After Node has closed its own (an answer just finished closes on the next tick).
    setImmediate(() => {
      for (const response of turns.responses) if (!response.closed) response.emit('close');
    }),
  );
}

/**
 * Stops reading the connection once Node's parser has handed over what it has already read,
 * as Node's own server does with a client that does not read its answers (the same flag).
 */
function stopReading(socket: Held): void {
  if (socket._paused) return;
  socket._paused = true;
  socket.pause();
}

/** Reads the connection again, unless answers wait for its client to read them (Node resumes it then). */
function readAgain(socket: Held): void {
  if (!socket._paused || socket.destroyed || socket.writableNeedDrain) return;
  socket._paused = false;
  socket.parser?.resume();
  socket.resume();
}
