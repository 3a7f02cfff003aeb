import net from 'node:net';

/**
 * Clients that open a connection, send nothing (even ones) or half a request's headers (odd
 * ones), read what comes back, and never close their side: the server's answer (the 408) ends
 * only its own side. `statuses` resolves with the status each one read (0: closed without an
 * answer, as a connection past `maxConnections` is); `close()` lets them go.
 */
export function silentClients(port: number, count: number) {
  const sockets: net.Socket[] = [];
  const statuses = Promise.all(
    Array.from(
      { length: count },
      (_, index) =>
        new Promise<number>((resolve) => {
          const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
          sockets.push(socket);
          let received = '';
          socket.on('connect', () => {
            if (index % 2 === 1) socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
          });
          socket.on('data', (chunk) => {
            received += chunk;
            if (received.includes('\r\n\r\n')) resolve(Number(received.split(' ', 2)[1]));
          });
          // A connection past the cap is closed at once: the server's end, without an answer.
          socket.on('end', () => resolve(0));
          socket.on('error', () => resolve(0));
        }),
    ),
  );
  return {
    statuses,
    close: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** The server side of every connection `server` accepts from now on. */
export function accepted(server: net.Server): net.Socket[] {
  const sockets: net.Socket[] = [];
  server.on('connection', (socket: net.Socket) => sockets.push(socket));
  return sockets;
}

/** How many of `sockets` are still open after `ms`; 0 as soon as all are closed. */
export function stillOpenAfter(sockets: net.Socket[], ms: number): Promise<number> {
  const open = () => sockets.filter((socket) => !socket.closed).length;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(open()), ms);
    const check = () => {
      if (open() > 0) return;
      clearTimeout(timer);
      resolve(0);
    };
    for (const socket of sockets) socket.once('close', check);
    check();
  });
}
