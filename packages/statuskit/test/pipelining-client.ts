import type http from 'node:http';
import net from 'node:net';

export interface Answer {
  status: number;
  body: string;
}

/**
 * One connection that writes all of `requests` at once and reads nothing until `read()`, which
 * resolves with every answer (status and body, framed by Content-Length) in the order they came,
 * once there are as many as requests, or the connection has closed.
 */
export function pipelining(port: number, requests: string[]) {
  const socket = net.connect(port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => {});
  socket.write(requests.join(''));
  return {
    read(): Promise<Answer[]> {
      const answers: Answer[] = [];
      let pending = '';
      return new Promise((resolve) => {
        const done = () => {
          socket.destroy();
          resolve(answers);
        };
        socket.setEncoding('latin1');
        socket.on('data', (chunk: string) => {
          pending += chunk;
          for (;;) {
            const end = pending.indexOf('\r\n\r\n');
            if (end < 0) break;
            const head = pending.slice(0, end);
            const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
            if (pending.length < end + 4 + length) break;
            answers.push({
              status: Number(head.split(' ', 2)[1]),
              body: pending.slice(end + 4, end + 4 + length),
            });
            pending = pending.slice(end + 4 + length);
          }
          if (answers.length >= requests.length) done();
        });
        socket.on('close', done);
        socket.resume();
      });
    },
    close: () => socket.destroy(),
  };
}

/**
 * The most requests `server` has had parsed and not yet closed at once, from now on: what one
 * connection can make it hold.
 */
export function outstanding(server: http.Server): () => number {
  let open = 0;
  let most = 0;
  server.on('request', (_request: http.IncomingMessage, response: http.ServerResponse) => {
    most = Math.max(most, ++open);
    response.once('close', () => open--);
  });
  return () => most;
}
