import type { ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/** RFC 9110 §9.2.1. */
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

interface Turn {
  response: ServerResponse;
  safe: boolean;
}

const turnsKey = Symbol('statuskit.turns');
const watchedKey = Symbol('statuskit.turnsWatched');
type WithTurns = object & { [turnsKey]?: Turn[]; [watchedKey]?: boolean };

/** Node's HTTP server's own hold on a connection it has stopped reading, and its parser. */
type Held = Socket & { _paused?: boolean; parser?: { resume(): void } | null };

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
 * case, one request at a time, which costs no listener (turns whose answer is closed are dropped
 * as the next request comes).
 */
export function inTurn(
  connection: object,
  response: ServerResponse,
  method: string,
  share = 0,
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
  const turn = { response, safe };
  turns.push(turn);
  if (open === 0) return undefined;
  const socket = connection instanceof Socket ? (connection as Held) : undefined;
  if (socket) closedWithConnection(socket, holder, turns);
  const over = share > 0 && open >= share ? turns[open - share] : undefined;
  if (over) before.push(over.response);
  if (before.length === 0) return undefined;
  const waited = Promise.all(
    before.map((earlier) => new Promise((resolve) => earlier.once('close', resolve))),
  );
  if (!over || !socket) return waited.then(() => {});
  stopReading(socket);
  // The last request read has its turn: the connection may bring more.
  return waited.then(() => {
    if (turns[turns.length - 1] === turn) readAgain(socket);
  });
}

/**
 * Node closes only the answer it is writing when a connection goes: the pipelined answers queued
 * behind it never close, and whatever waits for them (their place in flight, the turns after
 * them) would wait for ever. Once the connection is gone, those still open are closed too.
 */
function closedWithConnection(socket: Socket, holder: WithTurns, turns: Turn[]): void {
  if (holder[watchedKey]) return;
  holder[watchedKey] = true;
  socket.once('close', () =>
    // After Node has closed its own (an answer just finished closes on the next tick).
    setImmediate(() => {
      for (const turn of turns) if (!turn.response.closed) turn.response.emit('close');
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
