import type { Socket } from 'node:net';

/** How long a closing connection keeps reading what a client still sends. */
const lingerMs = 5_000;

/**
 * A lingering close, as nginx's `lingering_close`. An answer sent before the request's body has
 * all come in (a body over the limit, a refusal before the body is read) may end the connection,
 * and Node then destroys the socket as soon as the answer is written: bytes the client is still
 * sending meet a reset, which can reach the client, and discard the answer, before the client has
 * read it. Instead, the server ends its side, goes on reading (Node drops the rest of the body),
 * and destroys the socket when the client has ended its side, or after `lingerMs`.
 */
export function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end();
    const timer = setTimeout(() => this.destroy(), lingerMs).unref();
    this.once('end', () => this.destroy());
    this.once('close', () => clearTimeout(timer));
  };
}
