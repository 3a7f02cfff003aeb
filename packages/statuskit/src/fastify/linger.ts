import type { Socket } from 'node:net';

/**
 * Ends the server's side of `socket` (after writing `last`, if given), goes on reading what the
 * client still sends, and destroys the socket once the client has ended its side, or after `ms`
 * (nginx's `lingering_timeout`). Without the limit a client that keeps its side open holds the
 * half-closed socket, its descriptor and its place under `maxConnections`, for as long as it likes.
 */
export function closeLingering(socket: Socket, ms: number, last?: string): void {
  if (last === undefined) socket.end();
  else socket.end(last);
  const timer = setTimeout(() => socket.destroy(), ms).unref();
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
}

/**
 * A lingering close, as nginx's `lingering_close`. An answer sent before the request's body has
 * all come in (a body over the limit, a refusal before the body is read) may end the connection,
 * and Node then destroys the socket as soon as the answer is written: bytes the client is still
 * sending meet a reset, which can reach the client, and discard the answer, before the client has
 * read it. Instead, the server ends its side, goes on reading (Node drops the rest of the body),
 * and destroys the socket when the client has ended its side, or after `ms`.
 */
export function lingerOnClose(socket: Socket, ms: number): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    closeLingering(this, ms);
  };
}
